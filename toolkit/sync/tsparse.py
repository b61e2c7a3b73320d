"""TypeScript files described by the TypeScript compiler, through the bundled runner's `tsinfo.js`.

One Node process per invocation parses every file the checkers need; it is
syntax only (no type checking), so it is fast and needs no tsconfig.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from toolkit import runner
from toolkit.cedar.node import RunnerUnavailable, node_binary
from toolkit.errors import InputError


@dataclass
class TsFiles:
    """What the compiler said about each file, keyed by resolved path; `node_s` is the process's wall time."""

    files: dict[str, dict[str, Any]]
    typescript: str
    node_s: float

    def get(self, path: Path) -> dict[str, Any]:
        return self.files[str(path.resolve())]


def describe(paths: Iterable[Path], timeout_s: float = 60.0) -> TsFiles:
    wanted = sorted({str(p.resolve()) for p in paths})
    for path in wanted:
        if not Path(path).is_file():
            raise InputError(path, "file not found", hint="fix the path in the sync configuration or option")
    if not runner.TS_SCRIPT.is_file() or not (runner.TYPESCRIPT_DIR / "package.json").is_file():
        raise RunnerUnavailable(
            f"the TypeScript compiler is not installed next to the runner ({runner.TYPESCRIPT_DIR})",
            "reinstall cedar-gates with `pip install .` or `pip install -e .`; the build runs `npm ci` for the runner",
        )
    start = time.perf_counter()
    try:
        done = subprocess.run([str(node_binary()), str(runner.TS_SCRIPT)], input=json.dumps({"files": wanted}),
                              capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        raise RunnerUnavailable(f"the TypeScript parser took longer than {timeout_s:.0f} s",
                                "check the files for something pathological, or split them") from None
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-5:]
        raise RunnerUnavailable("the TypeScript parser failed: " + " | ".join(tail), "run `cedar-gates doctor`")
    try:
        answer = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise RunnerUnavailable("the TypeScript parser answered with something that is not JSON",
                                "run `cedar-gates doctor`; reinstall cedar-gates if the runner is damaged") from None
    return TsFiles(answer["files"], answer["typescript"], elapsed)


def first_syntax_error(path: Path, described: dict[str, Any]) -> InputError | None:
    errors = described.get("errors") or []
    if not errors:
        return None
    e = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return InputError(str(path), f"TypeScript syntax error: {e['message']}{more}", e["line"] or None,
                      e["column"] or None, hint="fix the syntax; the checker parses with the TypeScript compiler")
