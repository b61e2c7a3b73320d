"""Replay reports in the CI formats every command shares: JUnit XML, GitHub annotations, SARIF.

A single-trace report and a many-session report both become the same
problems (a mismatch, a skipped bad line, a file that did not replay), each
at its file and line; toolkit.report writes them, so paths and escaping
agree with `lint` and `check`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from toolkit import __version__
from toolkit.report import Case, Issue, RuleInfo
from toolkit.simulate.report import Corpus
from toolkit.simulate.session import SimulationReport

MISMATCH, BAD_LINE, FAILED = "SIM001", "SIM002", "SIM003"
RULES = (
    RuleInfo(MISMATCH, "replay-mismatch", "A replayed call's decision differs from its expect or the baseline.",
             "error", help="Fix the policy, or re-record the baseline with `cedar-gates simulate record`."),
    RuleInfo(BAD_LINE, "trace-bad-line", "A trace line could not be replayed and was skipped.", "warning"),
    RuleInfo(FAILED, "trace-not-replayed", "A trace file could not be replayed (unreadable, not a trace, or it "
             "stopped at a bad line).", "error"),
)
INFORMATION_URI = "https://github.com/cedar-gates/cedar-gates/blob/main/docs/simulate.md"


@dataclass(frozen=True)
class Problem:
    code: str
    path: str
    line: int
    message: str
    hint: str = ""


def _single(report: SimulationReport) -> Iterator[Problem]:
    s = report.summary
    for line, message in s.mismatches:
        yield Problem(MISMATCH, report.trace, line, message)
    stopped = report.stopped.line if report.stopped is not None else None
    for bad in s.bad_lines:
        if bad.line != stopped:
            yield Problem(BAD_LINE, report.trace, bad.line, bad.message, bad.hint or "")
    if report.stopped is not None:
        yield Problem(FAILED, report.trace, report.stopped.line, report.stopped.message, report.stopped.hint or "")


def _corpus(report: Corpus) -> Iterator[Problem]:
    for p in report.problems:
        yield Problem(MISMATCH if p.kind == "mismatch" else BAD_LINE, p.source, p.line, p.message)
    for f in report.failures:
        yield Problem(FAILED, f.source, f.line or 0, f.reason)


def problems(report: SimulationReport | Corpus) -> list[Problem]:
    return list(_single(report) if isinstance(report, SimulationReport) else _corpus(report))


def _issue(p: Problem) -> Issue:
    level = {MISMATCH: "error", BAD_LINE: "warning", FAILED: "error"}[p.code]
    title = {MISMATCH: "replay mismatch", BAD_LINE: "bad trace line", FAILED: "trace not replayed"}[p.code]
    return Issue(p.code, level, p.path, max(p.line, 1), 1, p.message, title=title, hint=p.hint)


def _summary(report: SimulationReport | Corpus) -> str:
    if isinstance(report, SimulationReport):
        from toolkit.simulate.render import verdict

        return verdict(report)
    from toolkit.simulate.report_render import verdict

    return verdict(report)


def _calls(report: SimulationReport | Corpus) -> int:
    return report.summary.calls if isinstance(report, SimulationReport) else report.calls


def render_junit(report: SimulationReport | Corpus) -> str:
    """One test case for the replay and one per problem: every one, so a CI counts them all."""
    from toolkit.report import junit

    suite = "cedar-gates simulate"
    cases = [Case(suite, "simulate", f"replay of {_calls(report)} calls")]
    for p in problems(report):
        text = p.message + (f"\nhint: {p.hint}" if p.hint else "")
        if p.code == MISMATCH:
            cases.append(Case(suite, p.path, f"line {p.line}", failure=p.message, detail=text))
        else:
            cases.append(Case(suite, p.path, f"line {p.line}" if p.line else "file", error=p.message, detail=text))
    return junit.render(cases, "cedar-gates simulate")


def render_github(report: SimulationReport | Corpus) -> str:
    from toolkit.report import github

    return github.render([_issue(p) for p in problems(report)], _summary(report))


def render_sarif(report: SimulationReport | Corpus) -> str:
    from toolkit.report import sarif

    exit_code = report.exit_code
    failed = [p.message for p in problems(report) if p.code == FAILED]
    return sarif.render([_issue(p) for p in problems(report)], RULES, tool="cedar-gates", version=__version__,
                        information_uri=INFORMATION_URI, exit_code=exit_code, successful=exit_code != 2,
                        notifications=failed)
