"""`eval`: one tool call through the runtime gate."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from toolkit.cli.app import (
    EVAL_USAGE,
    ConfigOption,
    app,
    config_from,
    emit,
)
from toolkit.cli.options import FormatOption, OutputOption, TextFormat


@app.command("eval")
def eval_(
    tool: str = typer.Option(..., "--tool", "-t", metavar="NAME", help="Tool name, e.g. Bash, Write, Edit, WebFetch, mcp__github__create_issue."),
    tool_input: str = typer.Option(
        "{}", "--input", "-i", metavar="JSON", help="Tool input as a JSON object; `@file.json` reads a file, `-` reads stdin."
    ),
    blueprint: Optional[Path] = typer.Option(
        None, "--blueprint", "-b", metavar="FILE",
        help="Blueprint YAML whose policies join the built-in tiers; `-` reads it from stdin. Default: built-ins only."
    ),
    task_settings: Optional[str] = typer.Option(
        None, "--task-settings", "-s", metavar="JSON",
        help='Task settings as JSON (or @file): task_type, repo, read_only, approval_timeout_s, initial_approvals, '
        'gate_cap, max_lifetime_s, write_tools. Example: \'{"read_only": true}\'.',
    ),
    output_format: TextFormat = FormatOption,  # type: ignore[valid-type]
    output: Optional[Path] = OutputOption,
    config: Optional[Path] = ConfigOption,
    no_cache: bool = typer.Option(False, "--no-cache", help="Lint and compile the policies even when the cached "
                                  "bundle (bundles.sqlite3 in the user cache directory, e.g. ~/.cache/cedar-gates) is current."),
) -> None:
    """Run one tool call through the runtime gate and print the decision.

    The policies are linted first; a blueprint with lint errors is refused. Every applicable Cedar action is
    evaluated (invoke_tool, write_file per path, execute_bash) and all matches are merged.

    Example: cedar-gates eval --tool Bash --input '{"command": "git push --force origin main"}'

    Exit codes: 0 allow, 2 deny, 3 require approval, 1 error (bad JSON, unreadable blueprint, lint errors),
    64 usage error (an unknown option, a missing --tool): never a code that reads as a decision.
    """
    import json

    from toolkit.oneshot import EXIT_ERROR, evaluate_once, read_json_arg, render_text
    from toolkit.errors import InputError

    try:
        tool.encode("utf-8")
    except UnicodeEncodeError:
        typer.echo("cedar-gates: error: --tool must be valid UTF-8 text", err=True)
        raise typer.Exit(EVAL_USAGE) from None
    from_stdin = [name for name, value in (("--input", tool_input), ("--task-settings", task_settings),
                                           ("--blueprint", blueprint)) if value is not None and str(value) == "-"]
    if len(from_stdin) > 1:
        typer.echo(f"cedar-gates: error: {' and '.join(from_stdin)} both read stdin (`-`); give all but one as a "
                   "file (@file.json for JSON)", err=True)
        raise typer.Exit(EVAL_USAGE)
    stdin_blueprint = blueprint is not None and str(blueprint) == "-"
    try:
        cfg = config_from(config)
        data = read_json_arg("--input", tool_input, cfg.max_file_bytes)
        settings = (read_json_arg("--task-settings", task_settings, cfg.max_file_bytes)
                    if task_settings is not None else None)
        if blueprint is not None:
            _regular_blueprint(blueprint)
        from toolkit.hook.bundles import user_cache

        cache = None if no_cache or stdin_blueprint else user_cache()  # stdin has no file for the cache to hash
        result = evaluate_once(tool, data, blueprint, settings, cfg, cache)
    except InputError as exc:
        typer.echo(f"cedar-gates: error: {exc}", err=True)
        raise typer.Exit(EXIT_ERROR) from None
    if output_format.value == "json":
        emit(json.dumps(result.to_json(), indent=2, sort_keys=True, ensure_ascii=False), output)
    else:
        emit(render_text(result), output)
    raise typer.Exit(result.exit_code)


def _regular_blueprint(path) -> None:
    """A FIFO or a device as --blueprint is refused here, before the bundle cache hashes it."""
    from toolkit.errors import InputError
    from toolkit.safeio import NotRegularFile, check_input_path

    try:
        check_input_path(path)
    except FileNotFoundError:
        return  # reported by the loader, with its hint
    except NotRegularFile as exc:
        raise InputError(f"--blueprint {path}", exc.strerror) from None
    except OSError as exc:
        raise InputError(f"--blueprint {path}", f"cannot read: {exc.strerror or exc}") from None
