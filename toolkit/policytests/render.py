"""Policy test reports as text, JSON, JUnit XML, SARIF or GitHub annotations."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from toolkit.blueprint.source import display_path
from toolkit.policytests.session import Group, TestReport


def _label(group: Group) -> str:
    return f"blueprint {_name(group)}" if group.blueprint else "built-in tiers"


def _name(group: Group) -> str | None:
    """The blueprint as reports show it: `<stdin>` for one read from stdin, like its findings."""
    if group.blueprint is None:
        return None
    return "<stdin>" if str(group.blueprint) == "-" else display_path(group.blueprint)


def render_text(report: TestReport) -> str:
    if report.problems:
        return "\n".join(f"cedar-gates: error: {p}" for p in report.problems)
    lines: list[str] = []
    for result in report.results:
        if result.passed:
            continue
        t = result.test
        for message in (*result.failures, *(f"cedar-wasm: {m}" for m in result.wasm or ())):
            lines.append(f"{t.path}:{t.line}:{t.column}: FAIL {t.name}: {message}")
    for group in report.groups:
        if group.lint_errors:
            lines.extend(_blocked_lines(group))
            continue
        failed = sum(not r.passed for r in group.results)
        engines = ""
        if report.wasm:
            differ = sum(bool(r.wasm) for r in group.results)
            engines = "; cedar-wasm agrees on every test" if not differ else f"; cedar-wasm differs on {differ}"
        lines.append(f"{_label(group)}: {len(group.results)} test(s), {len(group.results) - failed} passed, "
                     f"{failed} failed{engines}")
        cov = group.coverage
        if cov is not None:
            lines.append(f"  coverage {cov.percent:.1f}% ({len(cov.covered)} of {len(cov.rules)} rules)"
                         + (f"; not reached: {', '.join(cov.uncovered)}" if cov.uncovered else ""))
            width = max((len(r) for r in cov.rules), default=4)
            lines.append(f"    {'rule':<{width}}  tests  traces")
            for rule in cov.rules:
                mark = "  (log-only)" if rule in cov.log_only else ""
                lines.append(f"    {rule:<{width}}  {cov.by_tests[rule]:>5}  {cov.by_traces[rule]:>6}{mark}")
    shadowed = [r for r in report.results if r.shadow]
    if shadowed:
        lines.append("shadow rules (log-only; matched, never enforced):")
        for r in shadowed:
            t = r.test
            flip = f"; enforced, the call would {r.shadow_flip} instead of {r.outcome}" if r.shadow_flip else ""
            lines.append(f"  {t.path}:{t.line}:{t.column}: {t.name}: "
                         f"{', '.join(f'{m.rule_id} (would {m.would_have})' for m in r.shadow)}{flip}")
    for group in report.below_minimum:
        lines.append(f"coverage of {_label(group)} is {group.coverage.percent:.1f}%, below --min-coverage "
                     f"{report.min_coverage:g}%; add tests for: {', '.join(group.coverage.uncovered)}")
    lines.append(verdict(report))
    return "\n".join(lines)


def _blocked_lines(group: Group) -> list[str]:
    lines = [f"{f.path}:{f.line}:{f.column}: {f.code} error: {f.message}" for f in group.lint_errors]
    lines.append(f"{_label(group)}: {group.not_run} test(s) not run: {blocked_reason(group)}")
    return lines


def blocked_reason(group: Group) -> str:
    first = group.lint_errors[0]
    return (f"{len(group.lint_errors)} lint error(s), first {first.path}:{first.line}:{first.column} {first.code} "
            f"(fix: cedar-gates lint {'-' if first.path == '<stdin>' else first.path})")


def verdict(report: TestReport) -> str:
    """The last line: PASS or FAIL with what failed, tests and coverage alike (never "FAIL ... 0 failed" alone)."""
    total, failed = len(report.results), len(report.failed)
    line = f"{'PASS' if report.exit_code == 0 else 'FAIL'}: {total} test(s), {failed} failed"
    blocked = report.blocked
    if blocked:
        line += (f"; {sum(g.not_run for g in blocked)} not run: "
                 + ", ".join(f"{_label(g)} has {len(g.lint_errors)} lint error(s)" for g in blocked))
    low = report.below_minimum
    if low:
        line += "; " + "; ".join(coverage_shortfall(report, g) for g in low)
    return line


def coverage_shortfall(report: TestReport, group: Group) -> str:
    cov = group.coverage
    assert cov is not None
    return (f"coverage of {_label(group)} {cov.percent:.1f}% is below the minimum {report.min_coverage:g}% "
            f"(no test reaches {', '.join(cov.uncovered) or '-'})")


def to_json(report: TestReport) -> dict[str, Any]:
    return {
        "exit_code": report.exit_code,
        "problems": [p.__dict__ for p in report.problems],
        "wasm": report.wasm,
        "groups": [{
            "blueprint": _name(g),
            "tests": [{
                "name": r.test.name, "path": r.test.path, "line": r.test.line, "passed": r.passed,
                "expect": r.test.expect, "expect_rules": list(r.test.rules) if r.test.rules is not None else None,
                "outcome": r.outcome, "rules": list(r.rules), "stage": r.stage, "reason": r.reason,
                "expect_shadow": list(r.test.shadow) if r.test.shadow is not None else None,
                "shadow": [m.to_json() for m in r.shadow], "shadow_flip": r.shadow_flip,
                "failures": list(r.failures), "wasm_differences": list(r.wasm) if r.wasm is not None else None,
            } for r in g.results],
            "lint_errors": [f.to_dict() for f in g.lint_errors],
            "not_run": g.not_run,
            "coverage": None if g.coverage is None else {
                "percent": round(g.coverage.percent, 2), "uncovered": g.coverage.uncovered,
                "rules": {rule: {"tests": g.coverage.by_tests[rule], "traces": g.coverage.by_traces[rule],
                                 "log_only": rule in g.coverage.log_only}
                          for rule in g.coverage.rules},
            },
        } for g in report.groups],
    }


def render_json(report: TestReport) -> str:
    return json.dumps(to_json(report), indent=2, ensure_ascii=False)


def render_junit(report: TestReport) -> str:
    """One <testsuite> per file (and one for coverage below the minimum); counts from the elements written."""
    suites = ET.Element("testsuites", name="cedar-gates test")
    for problem in report.problems:
        suite = ET.SubElement(suites, "testsuite", name=problem.path, tests="1", failures="0", errors="1")
        ET.SubElement(ET.SubElement(suite, "testcase", classname=problem.path, name=f"line {problem.line}"),
                      "error", message=problem.message)
    by_file: dict[str, list] = {}
    for result in report.results:
        by_file.setdefault(result.test.path, []).append(result)
    for path, results in by_file.items():
        failures = [r for r in results if not r.passed]
        suite = ET.SubElement(suites, "testsuite", name=path, tests=str(len(results)), failures=str(len(failures)),
                              errors="0")
        for r in results:
            case = ET.SubElement(suite, "testcase", classname=path, name=r.test.name)
            if not r.passed:
                message = "; ".join((*r.failures, *(f"cedar-wasm: {m}" for m in r.wasm or ())))
                failure = ET.SubElement(case, "failure", message=message)
                failure.text = f"{path}:{r.test.line}: {message}"
            if r.shadow:
                ET.SubElement(case, "system-out").text = "log-only rules matched (never enforced): " + ", ".join(
                    f"{m.rule_id} (would {m.would_have})" for m in r.shadow)
    for group in report.blocked:
        name = _name(group) or "built-in tiers"
        suite = ET.SubElement(suites, "testsuite", name=name, tests=str(len(group.lint_errors) + group.not_run),
                              failures=str(len(group.lint_errors)), errors="0", skipped=str(group.not_run))
        for f in group.lint_errors:
            case = ET.SubElement(suite, "testcase", classname=f.path, name=f"{f.code} at line {f.line}")
            ET.SubElement(case, "failure", message=f"{f.code} {f.message}").text = (
                f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}")
        for test in (t for s in group.suites for t in s.tests):
            case = ET.SubElement(suite, "testcase", classname=test.path, name=test.name)
            ET.SubElement(case, "skipped", message=f"not run: {blocked_reason(group)}")
    low = report.below_minimum
    if low:
        suite = ET.SubElement(suites, "testsuite", name="coverage", tests=str(len(low)), failures=str(len(low)),
                              errors="0")
        for group in low:
            message = coverage_shortfall(report, group)
            case = ET.SubElement(suite, "testcase", classname="coverage", name=_label(group))
            ET.SubElement(case, "failure", message=message).text = message
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


TESTS_DOCS = "https://github.com/cedar-gates/cedar-gates/blob/main/docs/policy-tests.md"


def issues(report: TestReport) -> list:
    """Unusable entries, failing tests (at their YAML line) and coverage below the minimum, as findings."""
    from toolkit.report import Issue

    out = [Issue("test-input-error", "error", p.path, p.line, p.column, p.message, "unusable test entry",
                 p.hint or "") for p in report.problems]
    for r in report.failed:
        t = r.test
        message = "; ".join((*r.failures, *(f"cedar-wasm: {m}" for m in r.wasm or ())))
        out.append(Issue("test-failed", "error", t.path, t.line, t.column, f"{t.name}: {message}", "policy test failed"))
    for group in report.blocked:
        out.extend(Issue("blueprint-lint-error", "error", f.path, f.line, f.column,
                         f"{f.code} {f.message}; {group.not_run} policy test(s) not run",
                         "blueprint does not lint clean", f.hint or "", f.end_line, f.end_column)
                   for f in group.lint_errors)
    for group in report.below_minimum:
        where = _name(group) or (group.suites[0].display if group.suites else "-")
        out.append(Issue("coverage-below-minimum", "error", str(where), 1, 1, coverage_shortfall(report, group),
                         "rule coverage below the minimum"))
    return out


def rules() -> list:
    from toolkit.report import RuleInfo

    return [
        RuleInfo("test-failed", "test failed", "the gate's outcome or rules differ from the test's", help_uri=TESTS_DOCS),
        RuleInfo("test-input-error", "unusable test entry", "a test file or entry the runner cannot use",
                 help_uri=TESTS_DOCS),
        RuleInfo("blueprint-lint-error", "blueprint does not lint clean", "the tested blueprint (or the built-in "
                 "tiers) has lint errors, so no gate can be built and its tests do not run; `cedar-gates lint` "
                 "explains each code", help_uri=TESTS_DOCS),
        RuleInfo("coverage-below-minimum", "coverage below minimum",
                 "fewer of a blueprint's rules are reached by a test than --min-coverage asks", help_uri=TESTS_DOCS),
    ]


def render_sarif(report: TestReport) -> str:
    from toolkit import __version__
    from toolkit.report import sarif

    return sarif.render(issues(report), rules(), tool="cedar-gates test", version=__version__,
                        information_uri=TESTS_DOCS, exit_code=report.exit_code, successful=not report.problems,
                        notifications=[str(p) for p in report.problems])


def render_github(report: TestReport) -> str:
    from toolkit.report import github

    return github.render(issues(report), verdict(report))


RENDERERS = {"text": render_text, "json": render_json, "junit": render_junit, "sarif": render_sarif,
             "github": render_github}
