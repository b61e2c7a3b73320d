"""Re-measure the facts in FACTS.md against the installed CLI (not a test; run by hand).

    python tests/live/measure_facts.py [--out results.json]

For each PreToolUse hook behaviour, in default permission mode and with
--dangerously-skip-permissions, the model asks for one Bash call (`touch ran.txt`)
and the script prints whether it ran and what tool_result the model received.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from claude import (  # noqa: E402
    RecordingHook,
    bash_call,
    hooks_settings,
    locate_cli,
    make_project,
    pre_tool_decision,
    run_claude,
    write_settings,
)
from fake_model import FakeModel  # noqa: E402

TOOL_ID = "toolu_live_00_00"

# name -> (behaviour for the recording hook | raw command string, hook timeout)
CASES: dict[str, tuple[object, float | None]] = {
    "allow": ({"PreToolUse": {"stdout": pre_tool_decision("allow", "ok by test")}}, None),
    "deny+reason": ({"PreToolUse": {"stdout": pre_tool_decision("deny", "LIVE-DENY-REASON")}}, None),
    "ask": ({"PreToolUse": {"stdout": pre_tool_decision("ask", "LIVE-ASK-REASON")}}, None),
    "defer": ({"PreToolUse": {"stdout": pre_tool_decision("defer", "LIVE-DEFER-REASON")}}, None),
    "exit2+stderr": ({"PreToolUse": {"stderr": "LIVE-EXIT2-STDERR", "exit": 2}}, None),
    "exit1+stderr": ({"PreToolUse": {"stderr": "LIVE-EXIT1-STDERR", "exit": 1}}, None),
    "exit127": ("/nonexistent/live-hook-missing", None),
    "timeout": ({"PreToolUse": {"sleep": 8, "stdout": pre_tool_decision("deny", "too late")}}, 2),
    "kill-9": ("kill -9 $$", None),
    "exit0-silent": ({"PreToolUse": {}}, None),
    "exit0-plain-text": ({"PreToolUse": {"stdout": "LIVE-PLAIN-STDOUT"}}, None),
}


def measure(cli: list[str], model: FakeModel, root: Path, name: str, spec: object, timeout: float | None,
            skip: bool, on_failure: str | None = None) -> dict:
    case_dir = root / f"{name}-{on_failure}-{'skip' if skip else 'default'}"
    project = make_project(case_dir)
    hook = RecordingHook(case_dir / "hook")
    if isinstance(spec, dict):
        hook.set(spec)
        command = hook.command
    else:
        command = str(spec)
    settings = hooks_settings(command, ("PreToolUse", "PostToolUse", "PostToolUseFailure"), timeout=timeout,
                              on_failure=on_failure)
    write_settings(project, settings)
    run = run_claude(cli, model, project, case_dir / "home",
                     [[bash_call("touch ran.txt && echo TOOL-RAN")], "finished"], skip_permissions=skip)
    return {
        "case": name,
        "mode": "skip-permissions" if skip else "default",
        "onFailure": on_failure,
        "ran": (project / "ran.txt").exists(),
        "model_saw": run.seen(TOOL_ID),
        "is_error": run.is_error(TOOL_ID),
        "exit": run.returncode,
        "elapsed": round(run.elapsed, 2),
        "result": (run.result or {}).get("result"),
        "subtype": (run.result or {}).get("subtype"),
        "stop_reason": (run.result or {}).get("stop_reason"),
        "terminal_reason": (run.result or {}).get("terminal_reason"),
        "permission_denials": (run.result or {}).get("permission_denials"),
        "hook_events": [e.get("hook_event_name") for e in hook.events()],
        "stderr": run.stderr[-500:],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=None)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--on-failure", default=None, help='set "onFailure" on the hook entry')
    args = parser.parse_args()
    cli, version = locate_cli()
    print(f"# Claude Code {version}: {shlex.join(cli)}")
    rows = []
    with FakeModel() as model, tempfile.TemporaryDirectory() as tmp:
        for name, (spec, timeout) in CASES.items():
            if args.only and name not in args.only:
                continue
            for skip in (False, True):
                row = measure(cli, model, Path(tmp), name, spec, timeout, skip, args.on_failure)
                rows.append(row)
                print(json.dumps({k: v for k, v in row.items() if k != "stderr"}), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
