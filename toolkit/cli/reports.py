"""`check`'s gates in the CI formats: JUnit (a suite per gate), GitHub annotations and SARIF.

Each gate's report is turned into the shared records by its own package
(lint, parity, policytests, sync, simulate); this module only gathers them.
A gate that could not run (exit 2, no report) is an error case in JUnit, an
annotation without a file on GitHub and a tool notification in SARIF.
"""

from __future__ import annotations

from typing import Any, Sequence

from toolkit.report import Case, Issue

CHECK_DOCS = "https://github.com/cedar-gates/cedar-gates/blob/main/docs/ci.md"


def _kind(result: Any) -> str:
    from toolkit.lint.diagnostics import LintReport
    from toolkit.parity.harness import ParityReport
    from toolkit.sync.findings import SyncReport

    report = result.report
    if isinstance(report, LintReport):
        return "lint"
    if isinstance(report, ParityReport):
        return "parity"
    if isinstance(report, SyncReport):
        return "sync"
    if isinstance(report, list):
        return "simulate"
    if result.name == "test" and report is not None:
        return "test"
    return "none"


def _simulate_issues(reports: Sequence[Any]) -> list[Issue]:
    out = []
    for replayed in reports:
        for line, message in replayed.summary.mismatches:
            out.append(Issue("simulate-mismatch", "error", replayed.trace, line, 1, message, "expectation not met"))
        for bad in replayed.summary.bad_lines:
            out.append(Issue("simulate-bad-line", "error", replayed.trace, bad.line, 1, bad.message, "bad trace line",
                             bad.hint or ""))
    return out


def gate_issues(result: Any, strict: bool) -> list[Issue]:
    kind = _kind(result)
    if kind == "lint":
        from toolkit.lint.render.issues import issues

        return issues(result.report, strict)
    if kind == "parity":
        from toolkit.parity.render import issues as parity_issues

        return parity_issues(result.report)
    if kind == "sync":
        from toolkit.sync.findings import issues as sync_issues

        return sync_issues(result.report)
    if kind == "simulate":
        return _simulate_issues(result.report)
    if kind == "test":
        from toolkit.policytests.render import issues as test_issues

        return test_issues(result.report)
    return []


def issues(results: Sequence[Any], strict: bool) -> list[Issue]:
    return [issue for result in results for issue in gate_issues(result, strict)]


def not_run(results: Sequence[Any]) -> list[str]:
    """Gates that could not do their job (exit 2): what SARIF's notifications and stderr say."""
    return [f"{r.name}: {r.detail}" for r in results if r.exit_code == 2]


def _gate_cases(result: Any, strict: bool) -> list[Case]:
    kind, suite = _kind(result), result.name
    if getattr(result, "skipped", False):
        return [Case(suite, suite, result.name, skipped=result.detail)]
    if kind == "lint":
        from toolkit.lint.render.junit import cases

        return cases(result.report, strict, suite)
    if kind == "parity":
        return [Case(suite, r.source, r.name, failure=None if r.passed else f"{r.status}: {', '.join(r.classes)}",
                     detail="" if r.passed else "\n".join(_parity_lines(r))) for r in result.report.results]
    if kind == "test":
        return _test_cases(result, suite)
    found = gate_issues(result, strict)
    cases = [Case(suite, i.path, f"{i.code} at line {i.line}", failure=i.message if i.failing else None,
                  output="" if i.failing else i.message) for i in found]
    if result.exit_code == 2 and not cases:
        return [Case(suite, suite, result.name, error=result.detail)]
    if result.exit_code and not any(c.failure for c in cases):
        cases.append(Case(suite, suite, result.name, failure=result.detail))
    return cases or [Case(suite, suite, result.detail or result.name)]


def _parity_lines(result: Any) -> list[str]:
    from toolkit.parity.render import _case_lines

    return _case_lines(result)


def _test_cases(result: Any, suite: str) -> list[Case]:
    report = result.report
    cases = [Case(suite, p.path, f"line {p.line}", error=p.message) for p in report.problems]
    for r in report.results:
        message = "; ".join((*r.failures, *(f"cedar-wasm: {m}" for m in r.wasm or ())))
        cases.append(Case(suite, r.test.path, r.test.name, failure=None if r.passed else message,
                          detail="" if r.passed else f"{r.test.path}:{r.test.line}: {message}"))
    from toolkit.policytests.render import blocked_reason, coverage_shortfall

    for group in report.blocked:
        cases.extend(Case(suite, f.path, f"{f.code} at line {f.line}", failure=f"{f.code} {f.message}",
                          detail=f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}") for f in group.lint_errors)
        cases.extend(Case(suite, t.path, t.name, skipped=f"not run: {blocked_reason(group)}")
                     for s in group.suites for t in s.tests)
    for group in report.below_minimum:
        message = coverage_shortfall(report, group)
        cases.append(Case(suite, "coverage", message.split(" is below")[0], failure=message))
    return cases


def render_junit(results: Sequence[Any], strict: bool) -> str:
    from toolkit.report import junit

    return junit.render([case for result in results for case in _gate_cases(result, strict)], "cedar-gates check")


def render_github(results: Sequence[Any], strict: bool, summary: str) -> str:
    from toolkit.report import github

    lines = [github.render(issues(results, strict), summary)]
    lines[0:0] = [f"::error title=cedar-gates check::{github.escape_data(text)}" for text in not_run(results)]
    return "\n".join(lines)


def render_sarif(results: Sequence[Any], strict: bool, exit_code: int) -> str:
    from toolkit import __version__
    from toolkit.lint.render.issues import rules as lint_rules
    from toolkit.parity.render import rules as parity_rules
    from toolkit.policytests.render import rules as test_rules
    from toolkit.report import sarif
    from toolkit.sync.findings import rules as sync_rules

    return sarif.render(issues(results, strict), [*lint_rules(), *sync_rules(), *parity_rules(), *test_rules()],
                        tool="cedar-gates", version=__version__, information_uri=CHECK_DOCS, exit_code=exit_code,
                        successful=not not_run(results), notifications=not_run(results))
