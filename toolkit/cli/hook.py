"""`hook claude-code` (the typer face of the lean hook path) and `hook install|uninstall claude-code`."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer

from toolkit.cli.app import (
    ConfigOption,
    hook_app,
    hook_install_app,
    hook_uninstall_app,
    input_errors_exit_2,
)
from toolkit.cli.options import FormatOption, OutputOption, TextFormat, print_to_output


HookBlueprintOption = typer.Option(None, "--blueprint", "-b", metavar="FILE", help="Blueprint whose policies join the built-in "
                                   "tiers. Default: [hook] blueprint, else built-ins only.")
HookTaskOption = typer.Option(None, "--task-settings", "-s", metavar="JSON", help="Task settings as JSON or @file (task_type, repo, "
                              "read_only, approval_timeout_s, initial_approvals, gate_cap, max_lifetime_s, "
                              "write_tools); merged over [hook] task-settings. cwd comes from the event.")
HookStateOption = typer.Option(None, "--state", metavar="FILE", help="SQLite state file. Default: [hook] state, else "
                               "$CLAUDE_PROJECT_DIR/.cedar-gates/hook-state.sqlite3.", dir_okay=False)
HookLogOption = typer.Option(None, "--log", metavar="FILE", help="Decision log (JSONL). Default: [hook] log, else "
                             ".cedar-gates/hook-decisions.jsonl next to the state.", dir_okay=False)


@hook_app.command("claude-code")
def hook_claude_code(
    blueprint: Optional[Path] = HookBlueprintOption,
    task_settings: Optional[str] = HookTaskOption,
    state: Optional[Path] = HookStateOption,
    config: Optional[Path] = ConfigOption,
    log: Optional[Path] = HookLogOption,
) -> None:
    """Decide one Claude Code hook event read from stdin (PreToolUse, PostToolUse or PostToolUseFailure).

    PreToolUse prints {"hookSpecificOutput": {"permissionDecision": "deny"|"ask"|"allow", ...}} and exits 0;
    when no rule matched it prints {} (no decision: Claude Code's own permission rules and prompts apply;
    [hook] no-match = "allow" answers allow instead). `allow` is only ever cedar-gates' own grant. A post-tool
    event after an `ask` records the human's approval (this call only). Session state (gate cap, rate window,
    caches, grants) lives in SQLite, so it holds across hook processes and concurrent calls.

    Exit codes: 0 with a decision or none; 2 on anything else (bad event, bad policies, locked or corrupt
    state, a file replaced by a link, usage errors), with {"decision": "block", "reason": ...} on stdout, which
    blocks the call and is what the model reads. No other exit code is ever used. Install it with
    `cedar-gates hook install claude-code`, which also blocks when this command cannot start at all.
    """
    from toolkit.hook.lean import run
    from toolkit.hook.quickpost import arm_deadline

    arm_deadline()
    args: list[str] = []
    for flag, value in (("--blueprint", blueprint), ("--task-settings", task_settings), ("--state", state),
                        ("--config", config), ("--log", log)):
        if value is not None:
            args += [flag, str(value)]
    raise typer.Exit(run(args))


def _scope(shared: bool, user: bool) -> str:
    if shared and user:
        from toolkit.cli.app import fail

        fail("--shared and --user name different files; pick one")
    return "shared" if shared else "user" if user else "local"


def _hook_settings(scope: str) -> Path:
    from toolkit.hook.install import settings_path

    return settings_path(scope, Path.cwd(), Path.home())


SharedOption = typer.Option(False, "--shared", help="Write .claude/settings.json, committed with the project: a "
                            "portable command with no machine's path in it, finding cedar-gates when it runs "
                            "(the project's .venv, then PATH) and blocking every call where it is not found.")
UserOption = typer.Option(False, "--user", help="Write ~/.claude/settings.json (every project on this machine).")


@hook_install_app.command("claude-code")
@input_errors_exit_2
def hook_install_claude_code(
    shared: bool = SharedOption,
    user: bool = UserOption,
    blueprint: Optional[Path] = HookBlueprintOption,
    task_settings: Optional[str] = HookTaskOption,
    state: Optional[Path] = HookStateOption,
    config: Optional[Path] = ConfigOption,
    log: Optional[Path] = HookLogOption,
) -> None:
    """Add `cedar-gates hook claude-code` as a PreToolUse, PostToolUse and PostToolUseFailure hook (matcher `*`).

    By default the hook goes into .claude/settings.local.json (personal, not committed) with this
    installation's absolute path. `--shared` writes .claude/settings.json for the whole team with a portable
    command; `--user` writes ~/.claude/settings.json. Either way the command blocks the call (exit 2) whenever
    cedar-gates cannot start or answer: a missing executable or interpreter, a crash, a signal. Everything else
    in the file is kept; running it again changes nothing; the previous file is saved as <name>.bak.

    Where the Claude Code on PATH is 2.1.332 or later, each entry also gets `"onFailure": "block"`, so Claude
    Code itself blocks a hook that times out or cannot run. Then run `cedar-gates hook check` to send probe
    events through the installed command.
    """
    import shutil as _shutil

    from toolkit.hook.install import hook_command, install, portable_command, project_relative

    for flag, value in (("--blueprint", blueprint), ("--task-settings", task_settings)):
        if value is not None and str(value).lstrip("@") == "-":
            from toolkit.cli.app import fail

            fail(f"{flag} -: the hook reads Claude Code's event on stdin, so it cannot read {flag[2:]} there too; "
                 "give a file")
    scope = _scope(shared, user)
    project = Path.cwd()
    extra: list[str] = []
    for flag, value in (("--blueprint", blueprint), ("--state", state), ("--config", config), ("--log", log)):
        if value is not None:
            extra += [flag, project_relative(value, project) if scope == "shared" else str(value.resolve())]
    if task_settings is not None:
        extra += ["--task-settings", task_settings]
    if scope == "shared":
        command = portable_command(extra)
    else:
        executable = (_shutil.which("cedar-gates", path=str(Path(sys.executable).parent))
                      or os.path.abspath(sys.argv[0]))
        command = hook_command(executable, extra, interpreter=sys.executable)
    from toolkit.hook.install import ON_FAILURE_SINCE, claude_version

    version = claude_version(_shutil.which("claude"))
    on_failure = version is not None and version >= ON_FAILURE_SINCE
    timeout = _settings_timeout(config)
    change = install(_hook_settings(scope), command, on_failure_block=on_failure, timeout_s=timeout)
    since = ".".join(map(str, ON_FAILURE_SINCE))
    if version is None:
        typer.echo(f"Claude Code not found on PATH: onFailure not set (Claude Code {since}+ honours it); "
                   "the command blocks on failure by itself")
    elif not on_failure:
        typer.echo(f"Claude Code {'.'.join(map(str, version))} is older than {since}: onFailure not set; "
                   "the command blocks on failure by itself")
    if change.changed:
        typer.echo(f"installed in {change.path}" + (f" (previous file kept as {change.backup.name})"
                                                    if change.backup else ""))
        typer.echo(f"  command: {change.command}")
        typer.echo("check it with: cedar-gates hook check")
    else:
        typer.echo(f"already installed in {change.path}; nothing changed")


def _settings_timeout(config: Optional[Path]) -> int:
    """Long enough for what the configured hook may do: wait for a human's answer in `wait`/`auto` mode."""
    from toolkit.config import load_config
    from toolkit.contract import load_constants
    from toolkit.hook.install import timeout_for

    loaded = load_config(config, Path.cwd())
    return timeout_for(loaded.hook_approvals, load_constants().approval_timeout_s.max)


@hook_uninstall_app.command("claude-code")
@input_errors_exit_2
def hook_uninstall_claude_code(
    shared: bool = typer.Option(False, "--shared", help="Remove it from .claude/settings.json."),
    user: bool = typer.Option(False, "--user", help="Remove it from ~/.claude/settings.json."),
) -> None:
    """Remove exactly the cedar-gates hook entries from Claude Code's settings (a backup is kept).

    Default: .claude/settings.local.json. While the hook is active, an agent cannot run this: the built-in
    rule `gate_uninstall` denies it.
    """
    from toolkit.hook.install import uninstall

    change = uninstall(_hook_settings(_scope(shared, user)))
    typer.echo(f"removed from {change.path}" if change.changed else f"not installed in {change.path}; nothing changed")


@hook_app.command("check")
@input_errors_exit_2
def hook_check(
    ctx: typer.Context,
    output_format: TextFormat = FormatOption,  # type: ignore[valid-type]
    output: Optional[Path] = OutputOption,
) -> None:
    """Send probe events through the exact hook command in this project's Claude Code settings.

    Probes: a hard deny (`rm -rf /`), a pass-through (`ls`), a soft rule (a force push to main), the command
    with cedar-gates not on PATH, and the command with cedar-gates removed. Each answer and its time are
    reported with every way the installation could fail open (no hook, disableAllHooks, a short timeout, a
    command that lets a failure through). The probes appear in the decision log under session id
    `cedar-gates-hook-check`.

    Exit codes: 0 holds, 1 could fail open, 2 unreadable settings.
    """
    import json as _json

    from toolkit.hook.check import check

    report = check(Path.cwd(), Path.home())
    print_to_output(ctx, output)
    if output_format.value == "json":
        typer.echo(_json.dumps(report.to_json(), indent=2))
    else:
        for path in report.settings:
            typer.echo(f"settings: {path}")
        for probe in report.probes:
            mark = "ok  " if probe.ok else "FAIL"
            typer.echo(f"{mark} {probe.name:<28} {probe.answer:<12} exit {probe.exit_code:<4} "
                       f"{probe.seconds * 1000:6.0f} ms  (expected {' or '.join(probe.expected)})")
        for problem in report.problems:
            typer.echo(f"problem: {problem}")
        typer.echo("FAIL: the installation could fail open" if report.fails_open else
                   "PASS: every probe was answered or blocked; nothing fails open")
    raise typer.Exit(1 if report.fails_open else 0)
