"""`lint`, `rule` and `policies`: parse, call the linter or the rule set, render."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from toolkit.cli.app import (
    ConfigOption,
    Tier,
    app,
    colour,
    config_from,
    emit,
    fail,
    input_errors_exit_2,
    policies_app,
)
from toolkit.cli.options import REPORT_FORMATS, FormatOption, OutputOption, TextFormat, format_option, formats, to_stdout


LintFormat = formats("LintFormat", *REPORT_FORMATS)


@app.command()
@input_errors_exit_2
def lint(
    paths: List[Path] = typer.Argument(
        None, metavar="PATH", help="Blueprint YAML files, .cedar files or directories (searched for *.yaml, *.yml, *.cedar); "
        "`-` reads one blueprint from stdin. "
        "Default: `blueprints` in the configuration, else every blueprints/**/*.yaml and **/*.blueprint.yaml "
        "under the configuration's directory or the git repository.", show_default=False,
    ),
    output_format: LintFormat = format_option(LintFormat),  # type: ignore[valid-type]
    strict: bool = typer.Option(False, "--strict", help="Exit 1 on warnings too, not only on errors."),
    output: Optional[Path] = OutputOption,
    config: Optional[Path] = ConfigOption,
    example: bool = typer.Option(False, "--example", help="Lint the bundled example blueprint (a demonstration)."),
) -> None:
    """Lint blueprints and .cedar files: annotations, tiers, settings, vocabulary and bypass-prone patterns.

    Every finding has a stable code (see `cedar-gates rule CODE`), a level, the file:line:column in the file you
    edit (positions inside `hard:`/`soft:` blocks point at the YAML line) and a hint. Silence a warning on one
    policy with @lint_allow("CG070"); change levels in the configuration. Exit 0 clean (warnings allowed unless
    --strict), 1 errors, 2 unreadable input or usage error.
    """
    from toolkit.lint.render import renderer
    from toolkit.lint.render.issues import fatal_messages
    from toolkit.policytests.linting import linter as full_linter

    from toolkit.discovery import blueprint_selection, example_selection, nothing_found

    cfg = config_from(config)
    targets = list(paths or [])
    if targets and example:
        fail("--example checks the bundled example instead of paths: pass one or the other")
    if not targets:
        selection = example_selection(cfg) if example else blueprint_selection(cfg)
        if not selection.paths:
            fail(nothing_found("blueprints", selection))
        targets = list(selection.paths)
    linter = full_linter(cfg)
    report = linter.lint_paths(targets)
    if not report.files:
        fail(f"no blueprint (.yaml, .yml) or .cedar files in {', '.join(str(t) for t in targets)}")
    if output_format.value == "text":
        from toolkit.lint.render.text import render as render_text

        text = render_text(report, colour=colour() and to_stdout(output))
    else:
        text = renderer(output_format.value)(report, strict=strict)
    emit(text, output)
    if output_format.value != "text" or not to_stdout(output):
        for message in fatal_messages(report):  # the report went to a machine format or a file: say it here too
            typer.echo(f"cedar-gates: error: {message}", err=True)
    raise typer.Exit(report.exit_code(strict))


@app.command()
def rule(
    code: Optional[str] = typer.Argument(None, metavar="CODE", help="A rule code such as CG031. Omit to list "
                                         "every rule."),
    output_format: TextFormat = FormatOption,  # type: ignore[valid-type]
    output: Optional[Path] = OutputOption,
) -> None:
    """Explain a lint rule (or list them all): level, what it catches, and how to fix it.

    JSON: one object (code, name, level, summary, docs, hint, fatal) for CODE, a list of them without it.
    """
    import json

    from toolkit.lint.catalogue import all_rules, rule_by_code

    def as_json(r) -> dict:
        return {"code": r.code, "name": r.name, "level": r.level, "summary": r.summary, "docs": r.docs,
                "hint": r.hint, "fatal": r.fatal}

    if code is None:
        if output_format.value == "json":
            emit(json.dumps([as_json(r) for r in all_rules()], indent=2), output)
        else:
            emit("\n".join(f"{r.code}  {r.level:<7}  {r.name:<30} {r.summary}" for r in all_rules()), output)
        return
    found = rule_by_code().get(code.upper())
    if found is None:
        fail(f"unknown rule code {code!r}; `cedar-gates rule` lists them")
    if output_format.value == "json":
        emit(json.dumps(as_json(found), indent=2), output)
    else:
        emit(f"{found.code} {found.name} ({found.level})\n\n{found.summary}\n\n{found.docs}\n\nFix: {found.hint}",
             output)


def _ruleset(blueprint: Optional[Path], config: Optional[Path]):
    from toolkit.ruleset import load_ruleset

    loaded = load_ruleset(config_from(config), blueprint)
    if loaded.incomplete:
        typer.echo(f"warning: {blueprint} has lint errors; run `cedar-gates lint {blueprint}`. "
                   "Showing the rules that loaded.", err=True)
    return loaded.rules


@policies_app.command("list")
@input_errors_exit_2
def policies_list(
    tier: Optional[Tier] = typer.Option(None, "--tier", help="Only rules of this tier."),
    blueprint: Optional[Path] = typer.Option(None, "--blueprint", "-b", metavar="FILE",
                                             help="Add this blueprint's rules and apply its `disable:` list "
                                             "(`-` reads it from stdin)."),
    output_format: TextFormat = FormatOption,  # type: ignore[valid-type]
    output: Optional[Path] = OutputOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """List the effective rules: id, tier, timeout, severity, category, origin, and whether it is disabled or
    log-only (a shadow rule: reported, never enforced).

    These ids are what `disable:` entries and `rule:<id>` approval scopes refer to.
    """
    import json

    rules = [r for r in _ruleset(blueprint, config) if tier is None or r.tier == tier.value]
    if output_format.value == "json":
        emit(json.dumps([r.to_dict() for r in rules], indent=2), output)
        return
    lines = [f"{'RULE ID':<32} {'TIER':<5} {'TIMEOUT':>7} {'SEVERITY':<8} {'CATEGORY':<12} {'STATE':<8} ORIGIN"]
    for r in rules:
        timeout = f"{r.approval_timeout_s}s" if r.approval_timeout_s is not None else "-"
        state = "disabled" if r.disabled else "log-only" if r.enforcement == "log_only" else "active"
        lines.append(f"{r.rule_id:<32} {r.tier:<5} {timeout:>7} {r.severity or '-':<8} {r.category or '-':<12} "
                     f"{state:<8} {r.origin}:{r.line}")
    emit("\n".join(lines), output)


@policies_app.command("show")
@input_errors_exit_2
def policies_show(
    rule_id: str = typer.Argument(..., metavar="RULE_ID", help="The @rule_id to show."),
    blueprint: Optional[Path] = typer.Option(None, "--blueprint", "-b", metavar="FILE",
                                             help="Also look in this blueprint (`-`: stdin)."),
    output_format: TextFormat = FormatOption,  # type: ignore[valid-type]
    output: Optional[Path] = OutputOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """Show one rule with all its annotations and where it is defined."""
    import json

    matches = [r for r in _ruleset(blueprint, config) if r.rule_id == rule_id]
    if not matches:
        fail(f"no rule {rule_id!r}; `cedar-gates policies list` shows the ids")
    rule_ = matches[0]
    if output_format.value == "json":
        emit(json.dumps(rule_.to_dict(), indent=2), output)
        return
    lines = [f"{rule_.rule_id}\n  tier:      {rule_.tier}\n  defined:   {rule_.origin}:{rule_.line}",
             f"  state:     {'disabled by the blueprint' if rule_.disabled else 'active'}"]
    if rule_.tier == "soft":
        lines.append(f"  timeout:   {rule_.approval_timeout_s}s\n  severity:  {rule_.severity}")
    lines.append(f"  category:  {rule_.category or '-'}")
    for key, value in rule_.annotations.items():
        lines.append(f"  @{key}({json.dumps(value) if value is not None else ''})")
    emit("\n".join(lines), output)
