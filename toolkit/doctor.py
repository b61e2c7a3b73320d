"""`cedar-gates doctor`: which engines, which Cedar cores, which Node, and whether the runner works."""

from __future__ import annotations

import json
import re
import subprocess
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from toolkit import runner as runner_files
from toolkit.cedar.node import RunnerUnavailable, locate, node_binary
from toolkit.cedar.wasm import RunnerError, WasmRunner


@dataclass
class Report:
    cedarpy_version: str | None = None
    cedarpy_pin: str | None = None
    cedarpy_core: str | None = None
    wasm_pin: str | None = None
    wasm_version: str | None = None
    wasm_core: str | None = None
    wasm_lang: str | None = None
    node_path: str | None = None
    node_version: str | None = None
    runner_script: str | None = None
    runner_state: str = "not started"
    startup_ms: float | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.problems else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "cedarpy": {"version": self.cedarpy_version, "pinned": self.cedarpy_pin, "cedar_core": self.cedarpy_core},
            "cedar_wasm": {
                "version": self.wasm_version, "pinned": self.wasm_pin, "cedar_core": self.wasm_core,
                "cedar_language": self.wasm_lang,
            },
            "node": {"path": self.node_path, "version": self.node_version},
            "runner": {"script": self.runner_script, "state": self.runner_state, "startup_ms": self.startup_ms},
            "problems": self.problems,
            "ok": not self.problems,
        }


def cedarpy_core_version() -> str | None:
    """The Cedar core cedarpy was built with, from the SBOM its wheel ships."""
    try:
        files = metadata.distribution("cedarpy").files or []
    except metadata.PackageNotFoundError:
        return None
    for entry in files:
        if "sboms" in entry.parts and entry.name.endswith(".json"):
            try:
                sbom = json.loads(Path(str(entry.locate())).read_text("utf-8"))
            except (OSError, ValueError):
                return None
            for component in sbom.get("components", []):
                if component.get("name") == "cedar-policy":
                    return component.get("version")
    return None


def _cedarpy_pin() -> str | None:
    try:
        requirements = metadata.requires("cedar-gates") or []
    except metadata.PackageNotFoundError:
        return None
    for requirement in requirements:
        match = re.fullmatch(r"cedarpy\s*==\s*([\w.]+)", requirement.split(";")[0].strip())
        if match:
            return match.group(1)
    return None


def _wasm_pin() -> str | None:
    try:
        manifest = json.loads((runner_files.RUNNER_DIR / "package.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return manifest.get("dependencies", {}).get("@cedar-policy/cedar-wasm")


def _node_version(path: Path) -> str | None:
    try:
        done = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def diagnose(runner: WasmRunner | None = None) -> Report:
    report = Report(cedarpy_pin=_cedarpy_pin(), wasm_pin=_wasm_pin(), runner_script=str(runner_files.SCRIPT))
    try:
        report.cedarpy_version = metadata.version("cedarpy")
    except metadata.PackageNotFoundError:  # pragma: no cover - hard dependency
        report.problems.append("cedarpy is not installed")
    report.cedarpy_core = cedarpy_core_version()
    if report.cedarpy_pin and report.cedarpy_version and report.cedarpy_pin != report.cedarpy_version:
        report.problems.append(f"cedarpy {report.cedarpy_version} is installed but cedar-gates pins {report.cedarpy_pin}")
    try:
        report.node_path = str(node_binary())
        report.node_version = _node_version(Path(report.node_path))
        install = locate()
        report.wasm_version = install.wasm_version
    except RunnerUnavailable as exc:
        report.runner_state = f"unavailable: {exc} (fix: {exc.hint})"
        report.problems.append(f"runner unavailable: {exc}")
        return report
    owned = runner is None
    runner = runner or WasmRunner(install)
    started = time.perf_counter()
    try:
        info = runner.start()
        report.startup_ms = round((time.perf_counter() - started) * 1000, 1)
        report.wasm_core, report.wasm_lang, report.node_version = info.cedar, info.lang, info.node
        report.runner_state = f"ok (pid {info.pid}, first answer after {report.startup_ms} ms)"
    except RunnerError as exc:
        report.runner_state = f"failed: {exc}"
        report.problems.append(f"the runner does not start: {str(exc).splitlines()[0]}")
    finally:
        if owned:
            runner.close()
    if report.wasm_pin and report.wasm_version and report.wasm_pin != report.wasm_version:
        report.problems.append(f"cedar-wasm {report.wasm_version} is installed but the runner pins {report.wasm_pin}")
    if report.cedarpy_core and report.wasm_core and report.cedarpy_core != report.wasm_core:
        report.problems.append(
            f"Cedar core mismatch: cedarpy is built on Cedar {report.cedarpy_core}, cedar-wasm on {report.wasm_core}; "
            "bump both engines together (DESIGN §9)"
        )
    elif report.cedarpy_core is None:
        report.problems.append("cannot tell which Cedar core cedarpy is built on (no SBOM in its wheel)")
    return report
