"""Optional parts stay optional: hypothesis only for fuzzing, per-user directories from platformdirs."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from toolkit.cli.app import app

REPO = Path(__file__).resolve().parent.parent
FUZZ_MESSAGE = "parity fuzz needs the fuzz extra: pip install 'cedar-gates[fuzz]'"
# Runs the CLI in a fresh interpreter where `import hypothesis` fails, as on an install without the extra.
WITHOUT_HYPOTHESIS = (
    "import sys; sys.modules['hypothesis'] = None; "
    "from toolkit.entry import main; sys.argv = ['cedar-gates', *sys.argv[1:]]; main()"
)


def _project() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _names(requirements: list[str]) -> set[str]:
    return {r.split(";")[0].split("[")[0].split("=")[0].split(">")[0].split("<")[0].strip().lower() for r in requirements}


def test_hypothesis_is_in_the_fuzz_and_test_extras_not_a_runtime_dependency():
    project = _project()
    assert "hypothesis" not in _names(project["dependencies"])
    assert "hypothesis" in _names(project["optional-dependencies"]["fuzz"])
    assert "hypothesis" in _names(project["optional-dependencies"]["test"])


def test_parity_fuzz_without_hypothesis_names_the_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    for name in ("toolkit.parity.fuzz", "toolkit.parity.strategies"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    result = CliRunner().invoke(app, ["parity", "fuzz", "--cases", "5"])
    assert result.exit_code == 2
    assert FUZZ_MESSAGE in result.output
    assert "Traceback" not in result.output


def test_parity_fuzz_without_hypothesis_fails_cleanly_in_a_real_process():
    proc = subprocess.run([sys.executable, "-c", WITHOUT_HYPOTHESIS, "parity", "fuzz", "--cases", "5"],
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"cedar-gates: error: {FUZZ_MESSAGE}"


@pytest.mark.parametrize("argv", [
    ["lint", "fixtures/blueprints/good/minimal.yaml"],
    ["eval", "--no-cache", "--tool", "Bash", "--input", '{"command": "ls"}'],
    ["check"],
])
def test_everyday_commands_run_without_hypothesis(argv):
    proc = subprocess.run([sys.executable, "-c", WITHOUT_HYPOTHESIS, *argv], capture_output=True, text=True,
                          timeout=300, cwd=REPO)
    assert "hypothesis" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_bundle_cache_lives_in_the_platform_user_cache_directory(monkeypatch, tmp_path):
    from toolkit.hook.bundles import user_cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    if sys.platform.startswith("linux"):
        assert user_cache() == tmp_path / "xdg-cache" / "cedar-gates" / "bundles.sqlite3"
    import platformdirs

    assert user_cache().parent == Path(platformdirs.user_cache_dir("cedar-gates", appauthor=False))


def test_no_module_rolls_its_own_home_cache_or_xdg_paths():
    offenders = []
    for path in (REPO / "toolkit").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for needle in ("XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", '".cache"', "'.cache'",
                       ".local/state", ".local/share"):
            if needle in text:
                offenders.append(f"{path.relative_to(REPO)}: {needle}")
    assert offenders == [], "use platformdirs for per-user directories"
