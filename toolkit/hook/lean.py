"""`cedar-gates hook claude-code` without the typer application: the per-tool-call path.

The console script routes here before importing the CLI (toolkit/entry.py), so
a hook process imports only the engine, the shell parser, cedarpy and SQLite.
`--help` goes to the full CLI instead. A usage error blocks the call (exit 2)
like every other failure: any other non-zero exit would let it run.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

from toolkit.hook.quickpost import arm_deadline
from toolkit.hook.service import BLOCK, MAX_EVENT_BYTES, HookOptions, blocked, handle

OPTIONS = {"--blueprint": "blueprint", "--task-settings": "task_settings", "--state": "state",
           "--config": "config", "--log": "log"}


class UsageError(ValueError):
    pass


def parse_args(args: Sequence[str]) -> HookOptions:
    values: dict[str, str] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, value = arg.partition("=")
        if name not in OPTIONS:
            raise UsageError(f"unknown option {arg!r}; options: {', '.join(OPTIONS)}")
        if not eq:
            if i + 1 >= len(args):
                raise UsageError(f"{name} needs a value")
            value = args[i + 1]
            i += 1
        values[OPTIONS[name]] = value
        i += 1
    task = None
    if "task_settings" in values:
        from toolkit.oneshot import read_json_arg

        task = read_json_arg("--task-settings", values["task_settings"])
    return HookOptions(
        blueprint=Path(values["blueprint"]) if "blueprint" in values else None,
        task_settings=task,
        state=Path(values["state"]) if "state" in values else None,
        config=Path(values["config"]) if "config" in values else None,
        log=Path(values["log"]) if "log" in values else None,
        rearm=arm_deadline,
    )


def run(args: Sequence[str], raw: bytes | None = None) -> int:
    """`raw` is the event when the caller already read stdin (bounded); else it is read here.

    The process entry (toolkit/entry.py, or the typer command) arms the deadline first; the options parsed here
    let the hook move it when it waits for a human (a process reaching this is always a hook process).
    """
    try:
        options = parse_args(args)
    except Exception as exc:  # noqa: BLE001 - a usage error must block, never let the call through
        result = blocked(f"usage: {exc}")
    else:
        try:
            if raw is None:
                raw = sys.stdin.buffer.read(MAX_EVENT_BYTES + 1)
        except Exception as exc:  # noqa: BLE001 - stdin that cannot be read blocks
            result = blocked(f"cannot read the hook event: {type(exc).__name__}")
        else:
            result = handle(raw, options)
    try:
        sys.stdout.write(result.stdout)
        sys.stdout.flush()
        sys.stderr.write(result.stderr)
        sys.stderr.flush()
    except Exception:  # noqa: BLE001 - a closed pipe still must not turn into exit 1
        return BLOCK
    return result.exit_code
