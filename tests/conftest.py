from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures" / "blueprints"


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path, monkeypatch):
    """Run every test outside the repository so no project configuration is picked up by accident."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / ".cache"))


ENGINE_FIXTURES = REPO / "fixtures" / "engine"


@pytest.fixture(scope="session")
def builtin_bundle():
    """The built-in tiers compiled once: (bundle, constants)."""
    from toolkit.policyset import load_policies

    return load_policies()


@pytest.fixture(scope="session")
def review_bundle():
    """fixtures/engine/review.yaml on top of the built-ins, compiled once."""
    from toolkit.policyset import load_policies

    return load_policies(ENGINE_FIXTURES / "review.yaml")
