"""Fixtures for the live Claude Code tests: the real CLI against the fake model server.

The tests skip (with the reason) only when the CLI is not installed or cannot run here;
CI installs it (`npm ci` in tests/live, see .ci/run), so CI runs them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from claude import (  # noqa: E402
    CliUnavailable,
    RecordingHook,
    Run,
    hooks_settings,
    locate_cli,
    make_project,
    run_claude,
    write_settings,
)
from fake_model import FakeModel  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "live: drives the real Claude Code CLI (tests/live)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.live)


@pytest.fixture(scope="session")
def claude_cli() -> tuple[list[str], str]:
    """(command, version) of the installed CLI; skips with the reason when unavailable."""
    try:
        return locate_cli()
    except CliUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def fake_model() -> Any:
    model = FakeModel().start()
    yield model
    model.stop()


@dataclass
class Live:
    """One scratch project, one HOME and one recording hook for a test."""

    cli: list[str]
    version: str
    model: FakeModel
    root: Path
    project: Path
    hook: RecordingHook

    @property
    def home(self) -> Path:
        return self.root / "home"

    def install_hook(self, events: tuple[str, ...] = ("PreToolUse", "PostToolUse", "PostToolUseFailure"),
                     command: str | None = None, **settings: Any) -> None:
        extra = settings.pop("extra", {})
        config = hooks_settings(command or self.hook.command, events, **settings)
        config.update(extra)
        write_settings(self.project, config)

    def run(self, script: list[Any], **kwargs: Any) -> Run:
        return run_claude(self.cli, self.model, self.project, self.home, script, **kwargs)


@pytest.fixture
def live(claude_cli, fake_model, tmp_path: Path) -> Live:
    cli, version = claude_cli
    root = tmp_path / "live"
    project = make_project(root)
    return Live(cli, version, fake_model, root, project, RecordingHook(root / "hook"))
