"""The bundled Node runner: `runner.js` with its pinned `package.json` and lock file.

`node_modules/` is installed by the package build (see setup.py), never committed.
"""

from __future__ import annotations

from pathlib import Path

RUNNER_DIR = Path(__file__).resolve().parent
SCRIPT = RUNNER_DIR / "runner.js"
WASM_PACKAGE_DIR = RUNNER_DIR / "node_modules" / "@cedar-policy" / "cedar-wasm"
TS_SCRIPT = RUNNER_DIR / "tsinfo.js"
TYPESCRIPT_DIR = RUNNER_DIR / "node_modules" / "typescript"
