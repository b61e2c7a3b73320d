"""The `cedar-gates` console script: the hook's per-call path first, everything else through the CLI."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing is not imported on the PostToolUse path
    from typing import NoReturn


def main() -> None:
    args = sys.argv[1:]
    if args[:2] == ["hook", "claude-code"] and not {"-h", "--help"} & set(args):
        import gc

        gc.disable()  # a short-lived process that allocates little: collection passes only cost start-up time
        _leave(hook(args[2:]))
    from toolkit.cli import main as cli_main

    cli_main()


def hook(args: list[str]) -> int:
    """One hook event from stdin to an answer on stdout; the exit code (2 blocks). Never raises."""
    try:
        from toolkit.hook.quickpost import arm_deadline, nothing_pending

        arm_deadline()
        raw = sys.stdin.buffer.read((1 << 20) + 1)
        if nothing_pending(raw, args, os.environ):
            sys.stdout.write("{}\n")
            return 0
        from toolkit.hook.lean import run

        return run(args, raw)
    except BaseException as exc:  # noqa: BLE001 - whatever happens (a broken install included), block the call
        _broken_install(exc)
        return 2


def _leave(code: int) -> NoReturn:
    """End the hook process without tearing the interpreter down, when nothing else is still running.

    By now the answer is written and every file the hook opened is closed (the
    state store in a `finally`, the log with one `os.write`). Finalising some
    150 modules and the engines' native objects took about a fifth of a
    PreToolUse. An answer that cannot be flushed blocks the call. A thread
    still running (an approval notification being sent after a wait) and
    coverage's data get the normal exit, which waits for them.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - a closed pipe: the answer may be lost, so block
            code = 2
    threading = sys.modules.get("threading")
    if "coverage" in sys.modules or (threading is not None and threading.active_count() > 1):
        sys.exit(code)
    os._exit(code)


def _broken_install(exc: BaseException) -> None:
    """The hook path could not even start: say so in the form Claude Code shows the model (no paths)."""
    reason = (f"cedar-gates could not decide on this call, so it was blocked: the hook could not start "
              f"({type(exc).__name__}). Tell the user; retrying will not help until this is fixed.")
    try:
        sys.stdout.write('{"decision": "block", "reason": "' + reason + '"}\n')
        sys.stderr.write(reason + "\n")
    except BaseException:  # noqa: BLE001 - exit 2 alone still blocks
        pass
