"""The `cedar-gates` console script: the hook's per-call path first, everything else through the CLI."""

from __future__ import annotations

import os
import sys


def main() -> None:
    args = sys.argv[1:]
    if args[:2] == ["hook", "claude-code"] and not {"-h", "--help"} & set(args):
        import gc

        gc.disable()  # a short-lived process that allocates little: collection passes only cost start-up time
        code = 2
        try:
            from toolkit.hook.quickpost import arm_deadline, nothing_pending

            arm_deadline()
            raw = sys.stdin.buffer.read((1 << 20) + 1)
            if nothing_pending(raw, args[2:], os.environ):
                code = 0
                sys.stdout.write("{}\n")
            else:
                from toolkit.hook.lean import run

                code = run(args[2:], raw)
        except BaseException as exc:  # noqa: BLE001 - whatever happens (a broken install included), block the call
            _broken_install(exc)
            code = 2
        sys.exit(code)
    from toolkit.cli import main as cli_main

    cli_main()


def _broken_install(exc: BaseException) -> None:
    """The hook path could not even start: say so in the form Claude Code shows the model (no paths)."""
    reason = (f"cedar-gates could not decide on this call, so it was blocked: the hook could not start "
              f"({type(exc).__name__}). Tell the user; retrying will not help until this is fixed.")
    try:
        sys.stdout.write('{"decision": "block", "reason": "' + reason + '"}\n')
        sys.stderr.write(reason + "\n")
    except BaseException:  # noqa: BLE001 - exit 2 alone still blocks
        pass
