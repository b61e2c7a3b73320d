"""The typer application, its command groups and the helpers every command module shares.

Heavy modules (cedarpy, jsonschema, the linter) are imported inside commands so
`cedar-gates --help` starts fast.
"""

from __future__ import annotations

import functools
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Iterable, Optional

import typer
from typer.core import TyperArgument, TyperGroup

from toolkit import __version__


class _WordArgument(TyperArgument):
    """An argument with a metavar shows only that word in help (typer would add `<list[Path]>` after it)."""

    def display_type_rich(self, ctx):  # type: ignore[no-untyped-def]
        return None if self.metavar else super().display_type_rich(ctx)


class _RootGroup(TyperGroup):
    """The root command: every argument in the tree beneath it shows its metavar as a plain word."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        pending = list(self.commands.values())
        while pending:
            command = pending.pop()
            pending.extend(getattr(command, "commands", {}).values())
            for param in command.params:
                if type(param) is TyperArgument:
                    param.__class__ = _WordArgument


app = typer.Typer(
    name="cedar-gates",
    cls=_RootGroup,
    help=(
        "Lint, parity-check and inspect Cedar approval gates for AI-agent tool calls.\n\n"
        "Start with `cedar-gates check` (every configured gate), `cedar-gates lint blueprint.yaml` or "
        "`cedar-gates parity` (cedarpy vs cedar-wasm). `cedar-gates eval --tool Bash --input '{...}'` runs one tool "
        "call through the runtime gate; `cedar-gates simulate TRACE` replays recorded traffic; "
        "`cedar-gates test` runs policy tests; `cedar-gates hook claude-code` gates a live Claude Code session. "
        "`cedar-gates doctor` shows the engines and the Node runner. "
        "Exit codes: 0 clean, 1 findings, 2 unusable input (eval: 0 allow, 2 deny, 3 approval, 1 error, 64 usage)."
    ),
    no_args_is_help=True,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _group_with_default(default: str) -> type[TyperGroup]:
    """A command group where `group [ARGS]` means `group <default> [ARGS]` unless ARGS names a subcommand."""

    class _Group(TyperGroup):
        def parse_args(self, ctx, args):  # type: ignore[no-untyped-def]
            if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h")):
                args = [default, *args]
            return super().parse_args(ctx, args)

    return _Group


parity_app = typer.Typer(
    cls=_group_with_default("run"),
    help=(
        "Cross-engine parity: cedarpy vs cedar-wasm (through the bundled Node runner).\n\n"
        "`cedar-gates parity [PATH...]` runs the golden fixtures and the real policy files in both engines "
        "(same as `parity run`); `parity record` writes fixture expectations; `parity fuzz` generates cases."
    ),
)
app.add_typer(parity_app, name="parity")
simulate_app = typer.Typer(
    cls=_group_with_default("run"),
    help=(
        "Replay recorded tool-call traces through the runtime gate on virtual time.\n\n"
        "`cedar-gates simulate TRACE` replays and checks the trace's expectations (same as `simulate run`); "
        "`simulate record` pins the decisions as a baseline; `simulate diff` compares two policy versions "
        "over the same calls. Traces are native JSONL (docs/simulate.md) or Claude Code transcripts."
    ),
)
app.add_typer(simulate_app, name="simulate")
sync_app = typer.Typer(
    help=(
        "Drift checkers for platforms that keep the same limits and types in Python and TypeScript.\n\n"
        "`sync constants` checks consumers against the constants contract; `sync types` compares a canonical and "
        "a mirror TypeScript file. Configure them under [sync] (docs/sync.md) or pass the files as options. "
        "Exit codes: 0 in sync, 1 drift, 2 configuration or parse errors."
    ),
    no_args_is_help=True,
)
app.add_typer(sync_app, name="sync")
policies_app = typer.Typer(help="Show the effective rule set (built-in tiers plus a blueprint).", no_args_is_help=True)
app.add_typer(policies_app, name="policies")
hook_app = typer.Typer(
    help="The live gate for coding agents: `hook claude-code` decides each tool call as a Claude Code "
    "PreToolUse/PostToolUse hook; `hook install claude-code` adds it to .claude/settings.json. See docs/hook.md.",
    no_args_is_help=True,
)
app.add_typer(hook_app, name="hook")
hook_install_app = typer.Typer(help="Add the hook to Claude Code's settings.", no_args_is_help=True)
hook_uninstall_app = typer.Typer(help="Remove the hook from Claude Code's settings.", no_args_is_help=True)
hook_app.add_typer(hook_install_app, name="install")
hook_app.add_typer(hook_uninstall_app, name="uninstall")
approvals_app = typer.Typer(
    help="Decide agents' asks out of band: `approvals list`, `show ID`, `approve ID [--scope S]`, "
    "`deny ID --reason TEXT`, `watch`, `history`, `grants`, `revoke GRANT`. The store is SQLite in the user's state "
    "directory unless [approvals] store or --store says otherwise. Exit codes: 0 done, 1 not found / not pending / "
    "refused, 2 usage or store errors. See docs/approvals.md.",
    no_args_is_help=True,
)
app.add_typer(approvals_app, name="approvals")


class SyncMode(str, Enum):
    mirror = "mirror"
    derive = "derive"


class Answer(str, Enum):
    approve = "approve"
    deny = "deny"
    timeout = "timeout"


class TraceFormat(str, Enum):
    auto = "auto"
    native = "native"
    claude = "claude"


class Tier(str, Enum):
    hard = "hard"
    soft = "soft"


ConfigOption = typer.Option(
    None, "--config", help="Configuration file (cedar-gates.toml or a pyproject.toml with [tool.cedar-gates]). "
    "Default: the nearest one from the working directory up to the repository root.",
    dir_okay=False, metavar="FILE",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cedar-gates {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Root options."""


def emit(text: str, output: Optional[Path]) -> None:
    """The report to stdout, or to the file `-o` names (`-o -` is stdout)."""
    if output is None or str(output) == "-":
        typer.echo(text, color=colour())  # click strips escapes off a terminal unless told; FORCE_COLOR tells it
        return
    emit_pieces((text,), output)


def emit_pieces(pieces: Iterable[str], output: Optional[Path]) -> None:
    """Write a report as it is rendered, piece by piece, to stdout or the file; a newline ends it.

    A file is written to a temporary file beside it and renamed at the end
    (toolkit.safeio.AtomicOutput), so a kill, a full disk or an error while
    rendering leaves the old report or the new one, never a torn one.
    """
    if output is None or str(output) == "-":
        for piece in pieces:
            sys.stdout.write(piece)
        sys.stdout.write("\n")
        sys.stdout.flush()
        return
    from toolkit.safeio import AtomicOutput

    try:
        with AtomicOutput(output) as handle:
            for piece in pieces:
                handle.write(piece)
            handle.write("\n")
    except BrokenPipeError:
        raise
    except OSError as exc:
        fail(f"{output}: cannot write the report: {exc.strerror or exc}; the old file (if any) is unchanged")


def input_errors_exit_2(command):
    """Turn an InputError (bad file, config or contract) into a one-line message and exit 2."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from toolkit.errors import InputError

        try:
            return command(*args, **kwargs)
        except InputError as exc:
            fail(str(exc))

    return wrapper


def fail(message: str) -> None:
    typer.echo(f"cedar-gates: error: {message}", err=True)
    raise typer.Exit(2)


def colour(environ=None, stream=None) -> bool:
    """Colour on a terminal; NO_COLOR (non-empty) turns it off, FORCE_COLOR (non-empty, not 0) on even in a pipe.

    NO_COLOR wins when both are set; FORCE_COLOR=0 turns colour off on a terminal too. A report written
    with -o never has colour (the callers pass output is None).
    """
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR", ""):
        return False
    force = env.get("FORCE_COLOR", "")
    if force:
        return force.strip().lower() not in ("0", "false", "no")
    stream = sys.stdout if stream is None else stream
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def config_from(config: Optional[Path]):
    from toolkit.config import load_config

    return load_config(config)


def runner_or_exit(cfg, timeout: Optional[float], start: bool = True):
    """A runner, or exit 2 naming what is missing: a parity claim needs both engines.

    `start=False` only checks it is installed: `run_parity` starts it when this process runs cases (a run
    split over workers leaves it idle; the workers start their own).
    """
    from toolkit.cedar import wasm
    from toolkit.cedar.node import RunnerUnavailable
    from toolkit.cedar.wasm import RunnerError
    from toolkit.parity.gate import make_runner

    runner = make_runner(cfg)
    if timeout is not None:
        runner.timeout_s = timeout
    try:
        runner.start() if start else wasm.locate()
    except RunnerUnavailable as exc:
        fail(f"the Node runner is not available: {exc}\n  hint: {exc.hint}")
    except RunnerError as exc:
        fail(f"the Node runner does not start: {exc}\n  hint: run `cedar-gates doctor`")
    return runner


EVAL_USAGE = 64
"""`eval` exits 0/2/3 for its decisions, so its usage errors take EX_USAGE instead of click's 2."""


class Stopped(BaseException):
    """A termination signal, raised where the command is so that `finally` blocks and temporary files unwind.

    A BaseException, so that no `except Exception` on the way (the engine's fail-closed guard) swallows it.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


STOP_SIGNALS = ("SIGTERM", "SIGHUP")


def _stop(signum: int, _frame) -> None:
    import signal

    for name in STOP_SIGNALS:  # a second signal while unwinding must not interrupt the clean-up
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, signal.SIG_IGN)
    raise Stopped(signum)


def install_signal_handlers() -> None:
    """SIGTERM and SIGHUP end a command cleanly: temporary files removed, one line on stderr, exit 128 + N."""
    import signal

    for name in STOP_SIGNALS:
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) is not signal.SIG_IGN:  # nohup stays nohup
            signal.signal(number, _stop)


def _stopped(signum: int) -> None:
    import signal

    from toolkit.safeio import remove_temporaries

    remove_temporaries()
    try:
        name = signal.Signals(signum).name
    except ValueError:
        name = f"signal {signum}"
    try:
        sys.stderr.write(f"cedar-gates: stopped by {name}; nothing half-written was left behind\n")
        sys.stderr.flush()
    except Exception:  # noqa: BLE001 - stderr may be gone too (a hung-up terminal)
        pass
    os._exit(128 + signum)  # no atexit work: a runner or a worker pool may be what hung


def _broken_pipe() -> None:
    """The reader went away (`| head`): end quietly, as `cat` would."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    from toolkit.safeio import remove_temporaries

    remove_temporaries()
    sys.exit(141)


def main() -> None:
    from toolkit.cli.streams import quiet_stdout

    install_signal_handlers()
    quiet_stdout()
    try:
        try:
            _main()
        finally:
            sys.stdout.flush()  # here, not at interpreter exit, so a closed pipe is seen as one
    except Stopped as stop:
        _stopped(stop.signum)
    except BrokenPipeError:
        _broken_pipe()


def _main() -> None:
    from toolkit.errors import InputError

    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        typer.echo("Aborted.", err=True)
        sys.exit(1)
    except InputError as exc:
        typer.echo(f"cedar-gates: error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        show = getattr(exc, "show", None)
        if show is None or not hasattr(exc, "exit_code"):
            raise
        show()
        usage = any(cls.__name__ == "UsageError" for cls in type(exc).__mro__)
        sys.exit(EVAL_USAGE if usage and sys.argv[1:2] == ["eval"] else exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
