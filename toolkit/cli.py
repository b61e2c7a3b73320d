"""The `cedar-gates` command line: parse arguments, call a service, render.

Heavy modules (cedarpy, jsonschema, the linter) are imported inside commands so
`cedar-gates --help` starts fast.
"""

from __future__ import annotations

import functools
import os
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer
from typer.core import TyperGroup

from toolkit import __version__

app = typer.Typer(
    name="cedar-gates",
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


class LintFormat(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


class SimpleFormat(str, Enum):
    text = "text"
    json = "json"


class ReportFormat(str, Enum):
    """Reports that CI shows as test results (parity, simulate)."""

    text = "text"
    json = "json"
    junit = "junit"


class SyncFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"


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
    dir_okay=False,
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


def _emit(text: str, output: Optional[Path]) -> None:
    if output is None:
        typer.echo(text)
        return
    try:
        output.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        _fail(f"{output}: cannot write the report: {exc.strerror}")


def _input_errors_exit_2(command):
    """Turn an InputError (bad file, config or contract) into a one-line message and exit 2."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from toolkit.errors import InputError

        try:
            return command(*args, **kwargs)
        except InputError as exc:
            _fail(str(exc))

    return wrapper


def _fail(message: str) -> None:
    typer.echo(f"cedar-gates: error: {message}", err=True)
    raise typer.Exit(2)


def _colour() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _load_config(config: Optional[Path]):
    from toolkit.config import load_config

    return load_config(config)


@app.command()
@_input_errors_exit_2
def lint(
    paths: List[Path] = typer.Argument(
        None, metavar="PATH", help="Blueprint YAML files, .cedar files or directories (searched for *.yaml, *.yml, *.cedar). "
        "Default: the blueprints named in the configuration.", show_default=False,
    ),
    output_format: LintFormat = typer.Option(
        LintFormat.text, "--format", "-f",
        help="text: findings with the source line; json: one document; sarif: SARIF 2.1.0 for code scanning; "
        "github: workflow commands that annotate the pull request.",
    ),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 on warnings too, not only on errors."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report to this file instead of stdout."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Lint blueprints and .cedar files: annotations, tiers, settings, vocabulary and bypass-prone patterns.

    Every finding has a stable code (see `cedar-gates rule CODE`), a level, the file:line:column in the file you
    edit (positions inside `hard:`/`soft:` blocks point at the YAML line) and a hint. Silence a warning on one
    policy with @lint_allow("CG070"); change levels in the configuration. Exit 0 clean (warnings allowed unless
    --strict), 1 errors, 2 unreadable input or usage error.
    """
    from toolkit.lint.render import renderer
    from toolkit.lint.runner import Linter

    cfg = _load_config(config)
    targets = list(paths or cfg.blueprints)
    if not targets:
        _fail("nothing to lint: pass blueprint or .cedar files, or list `blueprints` in the configuration")
    linter = Linter.from_config(cfg)
    report = linter.lint_paths(targets)
    if not report.files:
        _fail("no blueprint (.yaml, .yml) or .cedar files found in the given directories")
    if output_format is LintFormat.text:
        from toolkit.lint.render.text import render as render_text

        text = render_text(report, colour=_colour() and output is None)
    else:
        text = renderer(output_format.value)(report)
    _emit(text, output)
    raise typer.Exit(report.exit_code(strict))


@app.command()
@_input_errors_exit_2
def check(
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as failures."),
    output_format: SimpleFormat = typer.Option(SimpleFormat.text, "--format", "-f", help="text summary or json."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Run every configured gate and print a summary (the main CI/pre-commit job).

    Gates: lint (the built-in tiers and the configured blueprints) and parity (the configured fixtures, plus the
    built-in tiers and blueprints over the tool-call corpus, in cedarpy and cedar-wasm), and simulate when
    `[simulate] traces` are configured (each trace's expectations and its `<name>.expected.jsonl` baseline),
    test (the [test] files, or the bundled policy tests when no blueprints are configured, in both engines), and
    sync-constants / sync-types when [sync] configures them.
    With no configuration
    it checks the bundled built-ins, the bundled example blueprint and the bundled golden fixtures. Exit 0 when
    every gate passes, 1 when one fails, 2 on unusable input or a runner that cannot start.
    """
    import json

    from toolkit.check import run_check
    from toolkit.lint.diagnostics import LintReport
    from toolkit.lint.render.text import render as render_text
    from toolkit.parity.harness import ParityReport
    from toolkit.parity.render import render_text as render_parity
    from toolkit.simulate.render import render_text as render_replay
    from toolkit.sync.findings import SyncReport, render_text as render_sync

    results = run_check(_load_config(config), strict)
    worst = max(r.exit_code for r in results)
    if output_format is SimpleFormat.json:
        typer.echo(json.dumps({
            "gates": [{"name": r.name, "exit_code": r.exit_code, "detail": r.detail,
                       "findings": r.findings_json()} for r in results],
            "exit_code": worst,
        }, indent=2))
    else:
        for result in results:
            if isinstance(result.report, LintReport) and result.report.findings:
                typer.echo(render_text(result.report, colour=_colour()))
                typer.echo("")
            elif isinstance(result.report, ParityReport) and result.exit_code:
                typer.echo(render_parity(result.report))
                typer.echo("")
            elif isinstance(result.report, SyncReport) and result.report.findings:
                typer.echo(render_sync(result.report))
                typer.echo("")
            elif isinstance(result.report, list):
                for replayed in result.report:
                    if replayed.exit_code:
                        typer.echo(render_replay(replayed))
                        typer.echo("")
            elif result.name == "test" and result.exit_code and result.report is not None:
                from toolkit.policytests.render import render_text as render_tests

                typer.echo(render_tests(result.report))
                typer.echo("")
        typer.echo("cedar-gates check")
        for result in results:
            status = {0: "PASS", 1: "FAIL", 2: "ERROR"}[result.exit_code]
            typer.echo(f"  {result.name:<14} {status:<6} {result.detail}")
    raise typer.Exit(worst)


@app.command("test")
@_input_errors_exit_2
def test_(
    paths: Optional[List[Path]] = typer.Argument(None, metavar="PATH", help="Test files (*.tests.yaml) and "
                                                 "blueprints with a `tests:` list. Default: [test] files, else the "
                                                 "bundled example blueprint and the built-in tiers' tests."),
    coverage: bool = typer.Option(False, "--coverage", help="Report, per tested blueprint, how many tests (and "
                                  "trace calls) reach each of its rules."),
    builtins: bool = typer.Option(False, "--builtins", help="Count the built-in rules in the coverage too."),
    min_coverage: Optional[float] = typer.Option(None, "--min-coverage", min=0, max=100, metavar="PCT",
                                                 help="Fail (exit 1) when a blueprint's rule coverage is below PCT "
                                                 "percent; names the rules no test reaches. Implies --coverage."),
    traces: Optional[List[Path]] = typer.Option(None, "--trace", metavar="TRACE", help="A trace whose calls count "
                                                "towards coverage (repeatable); gates are answered by timeout."),
    wasm: bool = typer.Option(True, "--wasm/--no-wasm", help="Also decide every test in cedar-wasm and report "
                              "where the engines disagree (default on; needs the Node runner)."),
    output_format: ReportFormat = typer.Option(ReportFormat.text, "--format", "-f", help="text, json or junit."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report to this file."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Run policy tests: tool calls with the outcome (and rules) the gate must give them.

    Each test runs through the runtime gate — built-in tiers and the blueprint together, a fresh task with the
    test's `task` settings — exactly as a live call would be decided, and again in cedar-wasm. Failures name the
    file and line of the test entry, what was expected and what the gate did. See docs/policy-tests.md.

    Exit codes: 0 every test passes (and coverage is at least --min-coverage), 1 a failure or low coverage,
    2 a test file or blueprint the tool cannot use.
    """
    from toolkit.policytests.render import render_json, render_junit, render_text
    from toolkit.policytests.session import default_paths, run_paths

    cfg = _load_config(config)
    targets = list(paths or []) or default_paths(cfg)
    minimum = min_coverage if min_coverage is not None else cfg.test_min_coverage
    runner = _runner_or_exit(cfg, None) if wasm else None
    try:
        report = run_paths(targets, cfg, runner=runner, coverage=coverage or builtins or bool(traces),
                           include_builtins=builtins, traces=list(traces or []), min_coverage=minimum)
    finally:
        if runner is not None:
            runner.close()
    render = {ReportFormat.json: render_json, ReportFormat.junit: render_junit}.get(output_format, render_text)
    if report.problems and output_format is ReportFormat.text:
        typer.echo(render(report), err=True)
    else:
        _emit(render(report), output)
    raise typer.Exit(report.exit_code)


@app.command()
def rule(code: Optional[str] = typer.Argument(None, help="A rule code such as CG031. Omit to list every rule.")) -> None:
    """Explain a lint rule (or list them all): level, what it catches, and how to fix it."""
    from toolkit.lint.catalogue import all_rules, rule_by_code

    if code is None:
        for r in all_rules():
            typer.echo(f"{r.code}  {r.level:<7}  {r.name:<30} {r.summary}")
        return
    found = rule_by_code().get(code.upper())
    if found is None:
        _fail(f"unknown rule code {code!r}; `cedar-gates rule` lists them")
    typer.echo(f"{found.code} {found.name} ({found.level})\n\n{found.summary}\n\n{found.docs}\n\nFix: {found.hint}")


def _ruleset(blueprint: Optional[Path], config: Optional[Path]):
    from toolkit.ruleset import load_ruleset

    loaded = load_ruleset(_load_config(config), blueprint)
    if loaded.incomplete:
        typer.echo(f"warning: {blueprint} has lint errors; run `cedar-gates lint {blueprint}`. "
                   "Showing the rules that loaded.", err=True)
    return loaded.rules


@policies_app.command("list")
@_input_errors_exit_2
def policies_list(
    tier: Optional[Tier] = typer.Option(None, "--tier", help="Only rules of this tier."),
    blueprint: Optional[Path] = typer.Option(None, "--blueprint", "-b", help="Add this blueprint's rules and apply its `disable:` list."),
    output_format: SimpleFormat = typer.Option(SimpleFormat.text, "--format", "-f", help="text table or json."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """List the effective rules: id, tier, timeout, severity, category, origin, and whether it is disabled.

    These ids are what `disable:` entries and `rule:<id>` approval scopes refer to.
    """
    import json

    rules = [r for r in _ruleset(blueprint, config) if tier is None or r.tier == tier.value]
    if output_format is SimpleFormat.json:
        typer.echo(json.dumps([r.to_dict() for r in rules], indent=2))
        return
    header = f"{'RULE ID':<32} {'TIER':<5} {'TIMEOUT':>7} {'SEVERITY':<8} {'CATEGORY':<12} {'STATE':<8} ORIGIN"
    typer.echo(header)
    for r in rules:
        timeout = f"{r.approval_timeout_s}s" if r.approval_timeout_s is not None else "-"
        state = "disabled" if r.disabled else "active"
        typer.echo(f"{r.rule_id:<32} {r.tier:<5} {timeout:>7} {r.severity or '-':<8} {r.category or '-':<12} "
                   f"{state:<8} {r.origin}:{r.line}")


@policies_app.command("show")
@_input_errors_exit_2
def policies_show(
    rule_id: str = typer.Argument(..., help="The @rule_id to show."),
    blueprint: Optional[Path] = typer.Option(None, "--blueprint", "-b", help="Also look in this blueprint."),
    output_format: SimpleFormat = typer.Option(SimpleFormat.text, "--format", "-f", help="text or json."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Show one rule with all its annotations and where it is defined."""
    import json

    matches = [r for r in _ruleset(blueprint, config) if r.rule_id == rule_id]
    if not matches:
        _fail(f"no rule {rule_id!r}; `cedar-gates policies list` shows the ids")
    rule_ = matches[0]
    if output_format is SimpleFormat.json:
        typer.echo(json.dumps(rule_.to_dict(), indent=2))
        return
    typer.echo(f"{rule_.rule_id}\n  tier:      {rule_.tier}\n  defined:   {rule_.origin}:{rule_.line}")
    typer.echo(f"  state:     {'disabled by the blueprint' if rule_.disabled else 'active'}")
    if rule_.tier == "soft":
        typer.echo(f"  timeout:   {rule_.approval_timeout_s}s\n  severity:  {rule_.severity}")
    typer.echo(f"  category:  {rule_.category or '-'}")
    for key, value in rule_.annotations.items():
        typer.echo(f"  @{key}({json.dumps(value) if value is not None else ''})")


@app.command()
def doctor(
    output_format: SimpleFormat = typer.Option(SimpleFormat.text, "--format", "-f", help="text or json."),
) -> None:
    """Report the engines and the runner: cedarpy and its Cedar core, cedar-wasm and its core, Node, runner state.

    Exit 1 when something is wrong (a Cedar core mismatch between the engines, an installed version that differs
    from the pin, a runner that does not start); the report says what to fix.
    """
    import json

    from toolkit.doctor import diagnose

    report = diagnose()
    if output_format is SimpleFormat.json:
        typer.echo(json.dumps(report.to_json(), indent=2))
        raise typer.Exit(report.exit_code)
    rows = [
        ("cedarpy", f"{report.cedarpy_version} (pinned {report.cedarpy_pin}), Cedar core {report.cedarpy_core or '?'}"),
        ("cedar-wasm", f"{report.wasm_version or '-'} (pinned {report.wasm_pin}), Cedar core {report.wasm_core or '?'}"
                       f", language {report.wasm_lang or '?'}"),
        ("node", f"{report.node_version or '-'} at {report.node_path or '-'}"),
        ("runner", f"{report.runner_state}\n{'':14}{report.runner_script}"),
    ]
    for name, value in rows:
        typer.echo(f"{name:<12}  {value}")
    if report.problems:
        typer.echo("")
        for problem in report.problems:
            typer.echo(f"problem: {problem}")
    else:
        typer.echo("\nok: both engines share one Cedar core and the runner answers")
    raise typer.Exit(report.exit_code)


@app.command("eval")
def eval_(
    tool: str = typer.Option(..., "--tool", "-t", help="Tool name, e.g. Bash, Write, Edit, WebFetch, mcp__github__create_issue."),
    tool_input: str = typer.Option(
        "{}", "--input", "-i", help="Tool input as a JSON object; `@file.json` reads a file, `-` reads stdin."
    ),
    blueprint: Optional[Path] = typer.Option(
        None, "--blueprint", "-b", help="Blueprint YAML whose policies join the built-in tiers. Default: built-ins only."
    ),
    task_settings: Optional[str] = typer.Option(
        None, "--task-settings", "-s",
        help='Task settings as JSON (or @file): task_type, repo, read_only, approval_timeout_s, initial_approvals, '
        'gate_cap, max_lifetime_s, write_tools. Example: \'{"read_only": true}\'.',
    ),
    output_format: SimpleFormat = typer.Option(SimpleFormat.text, "--format", "-f", help="text or json."),
    config: Optional[Path] = ConfigOption,
    no_cache: bool = typer.Option(False, "--no-cache", help="Lint and compile the policies even when the cached "
                                  "bundle ($XDG_CACHE_HOME/cedar-gates/bundles.sqlite3) is current."),
) -> None:
    """Run one tool call through the runtime gate and print the decision.

    The policies are linted first; a blueprint with lint errors is refused. Every applicable Cedar action is
    evaluated (invoke_tool, write_file per path, execute_bash) and all matches are merged.

    Example: cedar-gates eval --tool Bash --input '{"command": "git push --force origin main"}'

    Exit codes: 0 allow, 2 deny, 3 require approval, 1 error (bad JSON, unreadable blueprint, lint errors),
    64 usage error (an unknown option, a missing --tool): never a code that reads as a decision.
    """
    import json

    from toolkit.engine.oneshot import EXIT_ERROR, evaluate_once, read_json_arg, render_text
    from toolkit.errors import InputError

    try:
        tool.encode("utf-8")
    except UnicodeEncodeError:
        typer.echo("cedar-gates: error: --tool must be valid UTF-8 text", err=True)
        raise typer.Exit(EVAL_USAGE) from None
    try:
        cfg = _load_config(config)
        data = read_json_arg("--input", tool_input, cfg.max_file_bytes)
        settings = (read_json_arg("--task-settings", task_settings, cfg.max_file_bytes)
                    if task_settings is not None else None)
        from toolkit.hook.bundles import user_cache

        result = evaluate_once(tool, data, blueprint, settings, cfg, None if no_cache else user_cache(os.environ))
    except InputError as exc:
        typer.echo(f"cedar-gates: error: {exc}", err=True)
        raise typer.Exit(EXIT_ERROR) from None
    if output_format is SimpleFormat.json:
        typer.echo(json.dumps(result.to_json(), indent=2, sort_keys=True, ensure_ascii=False))
    else:
        typer.echo(render_text(result))
    raise typer.Exit(result.exit_code)


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
@_input_errors_exit_2
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
@_input_errors_exit_2
def hook_uninstall_claude_code(
    user: bool = typer.Option(False, "--user/--project", help="~/.claude/settings.json or the project's "
                              ".claude/settings.json (default)."),
) -> None:
    """Remove exactly the cedar-gates hook entries from Claude Code's settings (a backup is kept)."""
    from toolkit.hook.install import uninstall

    change = uninstall(_hook_settings(user))
    typer.echo(f"removed from {change.path}" if change.changed else f"not installed in {change.path}; nothing changed")


def _runner_or_exit(cfg, timeout: Optional[float]):
    """A started runner, or exit 2 naming what is missing: a parity claim needs both engines."""
    from toolkit.cedar.node import RunnerUnavailable
    from toolkit.cedar.wasm import RunnerError
    from toolkit.parity.gate import make_runner

    runner = make_runner(cfg)
    if timeout is not None:
        runner.timeout_s = timeout
    try:
        runner.start()
    except RunnerUnavailable as exc:
        _fail(f"the Node runner is not available: {exc}\n  hint: {exc.hint}")
    except RunnerError as exc:
        _fail(f"the Node runner does not start: {exc}\n  hint: run `cedar-gates doctor`")
    return runner


TimeoutOption = typer.Option(
    None, "--timeout", min=0.1, help="Seconds the Node runner may take for one call (default 10, or parity.timeout-s)."
)


@parity_app.command("run")
@_input_errors_exit_2
def parity_run(
    paths: List[Path] = typer.Argument(
        None, metavar="PATH", help="Fixture files or directories (searched for *.json). Default: parity.fixtures from the "
        "configuration, else the bundled golden fixtures.", show_default=False,
    ),
    policies: Optional[bool] = typer.Option(
        None, "--policies/--no-policies",
        help="Also run the built-in tiers and configured blueprints over the bundled tool-call corpus. "
        "Default: on when no PATH is given.",
    ),
    output_format: ReportFormat = typer.Option(
        ReportFormat.text, "--format", "-f", help="text: failing cases and a summary; json: every case; junit: JUnit XML."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List passing cases too (text format)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report to this file instead of stdout."),
    timeout: Optional[float] = TimeoutOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """Run every fixture in cedarpy and cedar-wasm and compare expected vs cedarpy vs cedar-wasm.

    Compared: the decision, the set of determining @rule_ids and the set of errored @rule_ids (never error
    wording). A case passes only when both engines processed the same input and match `expected`; divergences
    are classed (decision, reasons, errors, input_error_one_side, runner_crash, timeout, annotations,
    js_integer_precision). Exit 0 when every case passes, 1 on any mismatch or divergence, 2 on unusable input.
    """
    from toolkit.parity.gate import run_parity
    from toolkit.parity.render import RENDERERS, render_text

    cfg = _load_config(config)
    include_policies = policies if policies is not None else (not paths and cfg.parity_policies)
    with _runner_or_exit(cfg, timeout) as runner:
        report = run_parity(cfg, paths or [], include_policies=include_policies, runner=runner)
    if output_format is ReportFormat.text:
        text = render_text(report, verbose=verbose)
    else:
        text = RENDERERS[output_format.value](report)
    _emit(text, output)
    raise typer.Exit(report.exit_code)


@parity_app.command("record")
@_input_errors_exit_2
def parity_record(
    paths: List[Path] = typer.Argument(..., metavar="PATH", help="Fixture files or directories to (re)write `expected` in."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change without writing."),
    timeout: Optional[float] = TimeoutOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """Write or refresh each fixture's `expected` from the engines' answer, only where both engines agree.

    A fixture where the engines disagree (or both reject the input) is left untouched and reported; exit 1 then.
    Other fields of the file are kept as they are.
    """
    from toolkit.parity.gate import record

    cfg = _load_config(config)
    with _runner_or_exit(cfg, timeout) as runner:
        report = record(paths, runner, dry_run=dry_run)
    verb = "would write" if dry_run else "written"
    for outcome in report.outcomes:
        if outcome.action == "unchanged":
            continue
        label = verb if outcome.action == "written" else "REFUSED"
        typer.echo(f"{label:<11} {outcome.fixture.display}: {outcome.detail}")
        if outcome.action == "refused" and outcome.result is not None:
            typer.echo(f"{'':12}cedarpy     {outcome.result.cedarpy.summary()}")
            typer.echo(f"{'':12}cedar-wasm  {outcome.result.wasm.summary()}")
    typer.echo(
        f"{len(report.outcomes)} fixtures: {report.count('written')} {verb}, "
        f"{report.count('unchanged')} unchanged, {report.count('refused')} refused"
    )
    raise typer.Exit(report.exit_code)


@parity_app.command("fuzz")
@_input_errors_exit_2
def parity_fuzz(
    cases: int = typer.Option(500, "--cases", "-n", min=1, help="How many generated cases to run."),
    seed: int = typer.Option(0, "--seed", "-s", help="Seed; the same seed replays the same cases."),
    save_failures: Optional[Path] = typer.Option(
        None, "--save-failures", file_okay=False,
        help="Write each shrunk divergence here as parity fixtures (re-run them with `cedar-gates parity DIR`).",
    ),
    output_format: SimpleFormat = typer.Option(SimpleFormat.text, "--format", "-f", help="text or json."),
    timeout: Optional[float] = TimeoutOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """Differential testing: generated policy sets and requests through cedarpy and cedar-wasm.

    Policies use the vocabulary (permit/forbid, action and resource scopes, when/unless, has guards, like
    patterns with wildcards and escapes, &&/||/!, comparisons, sets, `in` over entity hierarchies, integer
    extremes beyond ±2^53, unicode). Every divergence of an unknown class is shrunk by hypothesis to a minimal
    case. Known classes (js_integer_precision) are counted and shown, not failed. Exit 0 when no unknown
    divergence was found, 1 otherwise.
    """
    import json

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from toolkit.parity.compare import CLASS_HELP
    from toolkit.parity.fuzz import run_fuzz, save_failures as save

    cfg = _load_config(config)
    console = Console(stderr=True)
    bar = Progress(
        TextColumn("fuzz"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=console, transient=True, disable=not console.is_terminal,
    )
    with _runner_or_exit(cfg, timeout) as runner, bar:
        task = bar.add_task("fuzz", total=cases)
        report = run_fuzz(runner, cases, seed, progress=lambda n: bar.advance(task, n))
    if save_failures is not None and report.divergences:
        try:
            save(report, save_failures)
        except OSError as exc:
            _fail(f"{save_failures}: cannot save the failing cases: {exc.strerror}")
    if output_format is SimpleFormat.json:
        typer.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
        raise typer.Exit(report.exit_code)
    typer.echo(
        f"seed {report.seed}: {report.generated} cases ({report.requests} requests) in {report.duration_s:.1f} s, "
        f"{report.cases_per_s:.0f} cases/s"
    )
    typer.echo(f"  {'agree':<22} {report.passed}")
    for name, count in report.known.items():
        typer.echo(f"  {name:<22} {count}  ({CLASS_HELP[name]})")
    for divergence in report.divergences:
        result = divergence.result
        typer.echo(f"\nDIVERGENCE {', '.join(result.classes)} (shrunk):")
        typer.echo("  policies:\n" + "\n".join(f"    {line}" for line in divergence.case.policies.splitlines()))
        if divergence.case.entities:
            typer.echo(f"  entities: {json.dumps(divergence.case.entities, ensure_ascii=False)}")
        for request in divergence.case.requests:
            typer.echo(f"  request: {json.dumps(request, ensure_ascii=False)}")
        typer.echo(f"  cedarpy:    {result.cedarpy.summary()}")
        typer.echo(f"  cedar-wasm: {result.wasm.summary()}")
        for note in result.notes:
            typer.echo(f"  - {note}")
    if report.generated < report.requested and report.divergences:
        typer.echo(f"\nstopped after {report.generated} cases to shrink what it found")
    for path in report.saved:
        typer.echo(f"saved {path}")
    if report.divergences:
        typer.echo(f"\n{len(report.divergences)} divergence(s); replay with --seed {report.seed}")
    raise typer.Exit(report.exit_code)


RespondOption = typer.Option(
    Answer.timeout, "--respond", "-r",
    help="How gates the trace does not answer are answered: approve (scope this_call), deny, or timeout "
    "(the gate waits its full timeout, then denies). Default: timeout.",
)
TraceFormatOption = typer.Option(TraceFormat.auto, "--input-format", help="auto, native or claude (Claude Code "
                                 "transcript). auto looks at the first line.")
SkipBadOption = typer.Option(False, "--skip-bad-lines", help="Report bad lines and go on instead of stopping "
                             "(the run then exits 1).")


def _progress(label: str):
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    bar = Progress(SpinnerColumn(), TextColumn(label + " {task.completed} calls"), TimeElapsedColumn(),
                   console=console, transient=True, disable=not console.is_terminal)
    return bar


def _bundle(blueprint: Optional[Path], cfg):
    from toolkit.engine import load_policies

    return load_policies(blueprint, cfg)


@simulate_app.command("run")
@_input_errors_exit_2
def simulate_run(
    trace: Path = typer.Argument(..., metavar="TRACE", help="Trace file: native JSONL or a Claude Code transcript.", dir_okay=False),
    blueprint: Optional[Path] = typer.Option(None, "--blueprint", "-b", help="Blueprint whose policies join the "
                                             "built-in tiers. Default: built-ins only."),
    respond: Answer = RespondOption,
    out: Optional[Path] = typer.Option(None, "--out", metavar="RECORDS", help="Write one decision record per call "
                                       "(JSONL) to RECORDS."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report to this file."),
    output_format: ReportFormat = typer.Option(ReportFormat.text, "--format", "-f", help="text, json or junit."),
    baseline: Optional[Path] = typer.Option(None, "--baseline", help="Check every call against a baseline from "
                                            "`simulate record`."),
    skip_bad_lines: bool = SkipBadOption,
    input_format: TraceFormat = TraceFormatOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """Replay TRACE through the gate: every call, every approval gate, cap and rate-limit hit, on virtual time.

    Gates are answered by each call's `respond` or by --respond; answers change later decisions exactly as in
    the engine (scopes, caches, counters, rate window, lifetime). Each call's `expect` is checked.

    Exit codes: 0 every expectation (and the baseline) holds, 1 mismatches or skipped bad lines,
    2 bad input (the line is named) or an unusable blueprint.
    """
    from toolkit.simulate import Respond, simulate
    from toolkit.simulate.render import render_json, render_junit, render_text

    cfg = _load_config(config)
    bundle, constants = _bundle(blueprint, cfg)
    handle = None
    if out is not None:
        try:
            handle = out.open("w", encoding="utf-8")
        except OSError as exc:
            _fail(f"{out}: cannot write the decisions: {exc.strerror}")
    try:
        with _progress("replay") as bar:
            task = bar.add_task("replay", total=None)
            report = simulate(trace, bundle, constants, default=Respond(respond.value), fmt=input_format.value,
                              out=handle, skip_bad_lines=skip_bad_lines, baseline=baseline,
                              progress=lambda n: n % 1000 or bar.update(task, completed=n))
    finally:
        if handle is not None:
            handle.close()
    render = {ReportFormat.json: render_json, ReportFormat.junit: render_junit}.get(output_format, render_text)
    _emit(render(report), output)
    if report.stopped is not None and output_format is ReportFormat.text:
        bad = report.stopped
        typer.echo(f"cedar-gates: error: {trace}:{bad.line}: {bad.message}" + (f"\n  hint: {bad.hint}" if bad.hint
                   else ""), err=True)
    raise typer.Exit(report.exit_code)


@simulate_app.command("record")
@_input_errors_exit_2
def simulate_record(
    trace: Path = typer.Argument(..., metavar="TRACE", help="Trace file to replay.", dir_okay=False),
    output: Path = typer.Option(..., "--output", "-o", help="Baseline file to write, e.g. TRACE.expected.jsonl."),
    blueprint: Optional[Path] = typer.Option(None, "--blueprint", "-b", help="Blueprint on top of the built-ins."),
    respond: Answer = RespondOption,
    skip_bad_lines: bool = SkipBadOption,
    input_format: TraceFormat = TraceFormatOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """Pin the current decisions of TRACE as a baseline (one line per call: outcome, stage, rule ids, severity,
    timeout, final outcome). Check later with `simulate TRACE --baseline FILE`.

    A bad line stops the recording (exit 2) and nothing is written, so a baseline never hides one.
    """
    import io

    from toolkit.simulate import Respond, record

    cfg = _load_config(config)
    bundle, constants = _bundle(blueprint, cfg)
    buffer = io.StringIO()
    with _progress("record") as bar:
        task = bar.add_task("record", total=None)
        report = record(trace, bundle, constants, buffer, default=Respond(respond.value), fmt=input_format.value,
                        skip_bad_lines=skip_bad_lines, progress=lambda n: n % 1000 or bar.update(task, completed=n))
    if report.stopped is not None:
        _fail(f"{trace}:{report.stopped.line}: {report.stopped.message}; nothing written")
    try:
        output.write_text(buffer.getvalue(), encoding="utf-8")
    except OSError as exc:
        _fail(f"{output}: cannot write the baseline: {exc.strerror}")
    typer.echo(f"recorded {report.summary.calls} calls from {trace} to {output}")
    for bad in report.summary.bad_lines:
        typer.echo(f"  skipped {trace}:{bad.line}: {bad.message}")


@simulate_app.command("diff")
@_input_errors_exit_2
def simulate_diff(
    trace: Path = typer.Argument(..., metavar="TRACE", help="Trace file to replay under both policy versions.", dir_okay=False),
    baseline_blueprint: Optional[Path] = typer.Option(None, "--baseline-blueprint", "-a",
                                                      help="The current blueprint. Default: built-ins only."),
    candidate_blueprint: Optional[Path] = typer.Option(None, "--candidate-blueprint", "-c",
                                                       help="The proposed blueprint. Default: built-ins only."),
    respond: Answer = RespondOption,
    fail_on_change: bool = typer.Option(False, "--fail-on-change", help="Exit 1 when any call changes (for CI)."),
    output_format: SimpleFormat = typer.Option(SimpleFormat.text, "--format", "-f", help="text or json."),
    skip_bad_lines: bool = SkipBadOption,
    input_format: TraceFormat = TraceFormatOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """What a policy change would have done to real traffic: every call whose outcome, rule ids, severity or
    timeout changes between two blueprints, grouped by rule, with counts.

    Each side keeps its own task state, so a changed gate also changes what follows (caches, cap, rate window).
    Exit codes: 0 done (or no change with --fail-on-change), 1 changes with --fail-on-change or skipped bad
    lines, 2 bad input.
    """
    import json

    from toolkit.simulate import Respond, diff
    from toolkit.simulate.render import render_diff_text

    cfg = _load_config(config)
    base, constants = _bundle(baseline_blueprint, cfg)
    candidate, _ = _bundle(candidate_blueprint, cfg)
    with _progress("diff") as bar:
        task = bar.add_task("diff", total=None)
        report = diff(trace, base, candidate, constants, default=Respond(respond.value), fmt=input_format.value,
                      skip_bad_lines=skip_bad_lines, progress=lambda n: n % 1000 or bar.update(task, completed=n))
    if output_format is SimpleFormat.json:
        typer.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        typer.echo(render_diff_text(report))
    raise typer.Exit(report.exit_code(fail_on_change))


def _sync_exit(report, output_format: SyncFormat) -> None:
    from toolkit.sync.findings import RENDERERS

    typer.echo(RENDERERS[output_format.value](report))
    raise typer.Exit(report.exit_code)


def _sync_settings(config: Optional[Path]):
    from toolkit.sync.settings import SyncSettings

    cfg = _load_config(config)
    return cfg.sync or SyncSettings(max_file_bytes=cfg.max_file_bytes)


@sync_app.command("constants")
@_input_errors_exit_2
def sync_constants(
    contract: Optional[Path] = typer.Option(None, "--contract", help="Constants contract: any JSON object (scalars, "
                                            "nested objects, ranges). Default: from [sync] contract, else the "
                                            "bundled contracts/constants.json."),
    schema: Optional[Path] = typer.Option(None, "--schema", help="Your JSON Schema for the contract (default: "
                                          "[sync] schema; without one, JSON syntax and range invariants only)."),
    python: List[Path] = typer.Option([], "--python", help="A Python consumer (repeatable)."),
    typescript: List[Path] = typer.Option([], "--typescript", help="A TypeScript consumer (repeatable)."),
    mode: SyncMode = typer.Option(SyncMode.mirror, "--mode", help="For consumers given as options: `mirror` "
                                  "(literals allowed, must equal the contract) or `derive` (any literal of an owned "
                                  "name is drift)."),
    output_format: SyncFormat = typer.Option(SyncFormat.text, "--format", "-f", help="text, json or github."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Check Python and TypeScript consumers against the constants contract.

    The contract is checked first (every problem in one list): JSON syntax, your --schema if given, and for
    every range (an object with numeric min/max/default members, any of them) min <= default <= max. Python is
    parsed with `ast`, TypeScript with the TypeScript compiler in the bundled runner. Owned names map to
    contract keys through [sync.names] (also for files given as options), by default the upper-snake-case of
    each leaf path (max_budget_usd.max -> MAX_BUDGET_USD_MAX). Numbers compare as numbers (1 == 1.0).
    Findings: CG202 literal where a derived value is required, CG203 mirrored value differs, CG204 contract key no
    consumer uses (warning). Files given as options replace the configured consumers.
    """
    from dataclasses import replace

    from toolkit.sync import check_constants
    from toolkit.sync.settings import Consumer

    settings = _sync_settings(config)
    given = [Consumer(p, "python", mode.value) for p in python] + [Consumer(p, "typescript", mode.value)
                                                                   for p in typescript]
    for consumer in given:
        if not consumer.path.is_file():
            _fail(f"{consumer.path}: file not found")
    if given:
        settings = replace(settings, consumers=tuple(given))
    if contract is not None:
        settings = replace(settings, contract=contract)
    if schema is not None:
        settings = replace(settings, schema=schema)
    if not settings.consumers:
        _fail("no consumers to check; configure [[sync.consumers]] or pass --python / --typescript")
    _sync_exit(check_constants(settings), output_format)


@sync_app.command("types")
@_input_errors_exit_2
def sync_types(
    canonical: Optional[Path] = typer.Option(None, "--canonical", help="The TypeScript file that defines the types."),
    mirror: Optional[Path] = typer.Option(None, "--mirror", help="The TypeScript file that copies them."),
    canonical_only: List[str] = typer.Option([], "--canonical-only", help="A name only the canonical side exports "
                                             "(repeatable)."),
    mirror_only: List[str] = typer.Option([], "--mirror-only", help="A name only the mirror exports (repeatable)."),
    functions: bool = typer.Option(False, "--functions", help="Also compare exported functions (signatures) and "
                                   "classes; by default they are outside the type contract and never reported."),
    output_format: SyncFormat = typer.Option(SyncFormat.text, "--format", "-f", help="text, json or github."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Compare the exported declarations of a canonical and a mirror TypeScript file, structurally.

    Interfaces member by member (name, optional, readonly, type) with local `extends` chains flattened; type
    aliases structurally (unions as sets, also nested inside objects and generics); consts by value, resolving
    values read from a JSON import; enums by members. Re-exports are followed into relative modules, to any
    depth (`export {X} from './m'`, `import type {X} from './m'; export type {X}`, `export * from './m'`);
    names from packages are reported once as not followed (warning). Findings CG301-CG311 say which side is
    canonical and what to change.
    """
    from dataclasses import replace

    from toolkit.sync import check_types

    settings = _sync_settings(config)
    if canonical or mirror:
        if not (canonical and mirror):
            _fail("give both --canonical and --mirror")
        settings = replace(settings, canonical=canonical, mirror=mirror)
    if canonical_only or mirror_only:
        settings = replace(settings, canonical_only=tuple(canonical_only), mirror_only=tuple(mirror_only))
    if functions:
        settings = replace(settings, include_functions=True)
    if not settings.has_types:
        _fail("nothing to compare; configure [sync.types] or pass --canonical and --mirror")
    _sync_exit(check_types(settings), output_format)


EVAL_USAGE = 64
"""`eval` exits 0/2/3 for its decisions, so its usage errors take EX_USAGE instead of click's 2."""


def main() -> None:
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
