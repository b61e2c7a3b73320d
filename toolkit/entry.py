"""The `cedar-gates` console script: the hook's per-call path first, everything else through the CLI."""

from __future__ import annotations

import sys


def main() -> None:
    args = sys.argv[1:]
    if args[:2] == ["hook", "claude-code"] and not {"-h", "--help"} & set(args):
        import gc

        gc.disable()  # a short-lived process that allocates little: collection passes only cost start-up time
        try:
            from toolkit.hook.lean import run

            code = run(args[2:])
        except BaseException:  # noqa: BLE001 - whatever happens (a broken install included), block the call
            code = 2
        sys.exit(code)
    from toolkit.cli import main as cli_main

    cli_main()
