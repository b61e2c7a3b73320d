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

HookBlueprintOption = typer.Option(None, "--blueprint", "-b", help="Blueprint whose policies join the built-in "
                                   "tiers. Default: [hook] blueprint, else built-ins only.")
HookTaskOption = typer.Option(None, "--task-settings", "-s", help="Task settings as JSON or @file (task_type, repo, "
                              "read_only, approval_timeout_s, initial_approvals, gate_cap, max_lifetime_s, "
                              "write_tools); merged over [hook] task-settings. cwd comes from the event.")
HookStateOption = typer.Option(None, "--state", help="SQLite state file. Default: [hook] state, else "
                               "$CLAUDE_PROJECT_DIR/.cedar-gates/hook-state.sqlite3.", dir_okay=False)
HookLogOption = typer.Option(None, "--log", help="Decision log (JSONL). Default: [hook] log, else "
                             ".cedar-gates/hook-decisions.jsonl next to the state.", dir_okay=False)


@hook_app.command("claude-code")
def hook_claude_code(
    blueprint: Optional[Path] = HookBlueprintOption,
    task_settings: Optional[str] = HookTaskOption,
    state: Optional[Path] = HookStateOption,
    config: Optional[Path] = ConfigOption,
    log: Optional[Path] = HookLogOption,
) -> None:
    """Decide one Claude Code hook event read from stdin (PreToolUse or PostToolUse).

    PreToolUse prints {"hookSpecificOutput": {"permissionDecision": "allow"|"deny"|"ask", ...}} and exits 0.
    A PostToolUse after an `ask` records the human's approval (this call only). Session state (gate cap, rate
    window, caches, grants) lives in SQLite, so it holds across hook processes and concurrent calls.

    Exit codes: 0 with a decision; 2 on anything else (bad event, bad policies, locked or corrupt state, usage
    errors), which blocks the call and shows the reason to the model. No other exit code is ever used.
    """
    from toolkit.hook.lean import run

    args: list[str] = []
    for flag, value in (("--blueprint", blueprint), ("--task-settings", task_settings), ("--state", state),
                        ("--config", config), ("--log", log)):
        if value is not None:
            args += [flag, str(value)]
    raise typer.Exit(run(args))


def _hook_settings(user: bool):
    from toolkit.hook.install import settings_path

    return settings_path("user" if user else "project", Path.cwd(), Path.home())


@hook_install_app.command("claude-code")
@input_errors_exit_2
def hook_install_claude_code(
    user: bool = typer.Option(False, "--user/--project", help="~/.claude/settings.json (every project) or "
                              ".claude/settings.json in the working directory (default)."),
    blueprint: Optional[Path] = HookBlueprintOption,
    task_settings: Optional[str] = HookTaskOption,
    state: Optional[Path] = HookStateOption,
    config: Optional[Path] = ConfigOption,
    log: Optional[Path] = HookLogOption,
) -> None:
    """Add `cedar-gates hook claude-code` as a PreToolUse and PostToolUse hook (matcher `*`).

    Everything else in settings.json is kept; running it again changes nothing; the previous file is saved as
    settings.json.bak. The command uses this installation's absolute path, so a PATH without cedar-gates cannot
    make the hook fail open. Options given here are added to the hook command.
    """
    import shutil as _shutil

    from toolkit.hook.install import hook_command, install

    executable = _shutil.which("cedar-gates", path=str(Path(sys.executable).parent)) or os.path.abspath(sys.argv[0])
    extra: list[str] = []
    for flag, value in (("--blueprint", blueprint), ("--state", state), ("--config", config), ("--log", log)):
        if value is not None:
            extra += [flag, str(value.resolve())]
    if task_settings is not None:
        extra += ["--task-settings", task_settings]
    change = install(_hook_settings(user), hook_command(executable, extra))
    if change.changed:
        typer.echo(f"installed in {change.path}: {change.command}"
                   + (f" (previous file kept as {change.backup.name})" if change.backup else ""))
    else:
        typer.echo(f"already installed in {change.path}; nothing changed")


@hook_uninstall_app.command("claude-code")
@input_errors_exit_2
def hook_uninstall_claude_code(
    user: bool = typer.Option(False, "--user/--project", help="~/.claude/settings.json or the project's "
                              ".claude/settings.json (default)."),
) -> None:
    """Remove exactly the cedar-gates hook entries from Claude Code's settings (a backup is kept)."""
    from toolkit.hook.install import uninstall

    change = uninstall(_hook_settings(user))
    typer.echo(f"removed from {change.path}" if change.changed else f"not installed in {change.path}; nothing changed")
