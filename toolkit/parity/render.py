"""Parity reports as text, JSON, JUnit XML (for CI test tabs), SARIF or GitHub annotations."""

from __future__ import annotations

import json
from typing import Any, Iterator
from xml.sax.saxutils import escape

from toolkit.parity.compare import CLASS_HELP, DIVERGENCE, KNOWN, MISMATCH, PASS, CaseResult
from toolkit.parity.harness import ParityReport
from toolkit.report.junit import xml_text as _xml_text

LABEL = {PASS: "ok", MISMATCH: "MISMATCH", DIVERGENCE: "DIVERGE", KNOWN: "KNOWN"}


def engines_line(report: ParityReport) -> str:
    wasm = f"cedar-wasm {report.runner.package} (Cedar {report.runner.cedar}) on Node {report.runner.node}" \
        if report.runner else "cedar-wasm (runner not available)"
    return f"cedarpy {report.cedarpy_version} vs {wasm}"


def _case_lines(result: CaseResult) -> list[str]:
    lines = [f"{LABEL[result.status]:<9} {result.name}  ({result.source})"]
    if result.classes:
        lines.append(f"          classes: {', '.join(result.classes)}")
    if result.expected is not None:
        e = result.expected
        text = f"{e.decision} [{', '.join(e.matching_rule_ids)}]"
        if e.errored_rule_ids:
            text += f" errored [{', '.join(e.errored_rule_ids)}]"
        lines.append(f"          expected    {text}")
    lines.append(f"          cedarpy     {result.cedarpy.summary()}")
    lines.append(f"          cedar-wasm  {result.wasm.summary()}")
    lines.extend(f"          - {note}" for note in result.notes)
    return lines


def summary_line(report: ParityReport) -> str:
    parts = [f"{report.count(PASS)} pass"]
    for status, one, many in (
        (MISMATCH, "mismatch", "mismatches"),
        (DIVERGENCE, "divergence", "divergences"),
        (KNOWN, "known divergence", "known divergences"),
    ):
        count = report.count(status)
        if count:
            parts.append(f"{count} {one if count == 1 else many}")
    where = f" in shard {report.shard.shard[0]}/{report.shard.shard[1]}" if report.shard is not None else ""
    return f"{len(report.results)} cases{where}: {', '.join(parts)} ({report.duration_s:.2f} s)"


def render_text(report: ParityReport, verbose: bool = False) -> str:
    lines = [engines_line(report)]
    if report.shard is not None:
        lines.append(report.shard.describe())
    lines.append("")
    for result in report.results:
        if verbose or not result.passed:
            lines.extend(_case_lines(result))
    classes = report.classes()
    if classes:
        lines.append("")
        lines.append("divergence classes:")
        for name, count in classes.items():
            lines.append(f"  {name:<22} {count:>6}  {CLASS_HELP.get(name, '')}")
    if report.runner_failures:
        lines.append("")
        lines.append(f"runner: started {report.runner_starts} time(s); failures:")
        lines.extend(f"  {f}" for f in report.runner_failures)
    if len(lines) > 2 + (report.shard is not None):
        lines.append("")
    lines.append(summary_line(report))
    return "\n".join(lines)


def _head(report: ParityReport) -> dict[str, Any]:
    return {
        "engines": {
            "cedarpy": report.cedarpy_version,
            "cedar_wasm": report.runner.package if report.runner else None,
            "cedar_wasm_core": report.runner.cedar if report.runner else None,
            "node": report.runner.node if report.runner else None,
        },
        "shard": report.shard.to_json() if report.shard is not None else None,
        "summary": {
            "cases": len(report.results),
            **{status: report.count(status) for status in (PASS, MISMATCH, DIVERGENCE, KNOWN)},
            "classes": report.classes(),
            "duration_s": round(report.duration_s, 3),
            "runner_starts": report.runner_starts,
            "runner_failures": report.runner_failures,
        },
    }


def to_json(report: ParityReport) -> dict[str, Any]:
    return {**_head(report), "cases": [r.to_json() for r in report.results], "exit_code": report.exit_code}


_CASES = "\u0000cases\u0000"


def iter_json(report: ParityReport) -> Iterator[str]:
    """The JSON report in pieces, one case per line, so a corpus-sized report is never one string.

    A case is one compact line (json's C encoder) rather than indented: the
    indenting encoder is pure Python and took a tenth of a corpus run.
    """
    skeleton = json.dumps({**_head(report), "cases": _CASES, "exit_code": report.exit_code},
                          indent=2, ensure_ascii=False)
    before, _, after = skeleton.partition(json.dumps(_CASES))
    yield before + "["
    for index, result in enumerate(report.results):
        yield ("," if index else "") + "\n    " + _case_line(result.to_json())
    yield ("\n  ]" if report.results else "]") + after


_case_line = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


def render_json(report: ParityReport) -> str:
    return "".join(iter_json(report))


def _xml_attr(value: str) -> str:
    return escape(_xml_text(value), {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#09;"})


def iter_junit(report: ParityReport) -> Iterator[str]:
    """JUnit XML in pieces: a failure element per failing case, written as its case comes."""
    yield "<?xml version='1.0' encoding='utf-8'?>\n"
    failures = len(report.results) - report.count(PASS)
    suite = "cedar-gates parity" + (f" (shard {report.shard.shard[0]}/{report.shard.shard[1]})"
                                     if report.shard is not None else "")
    yield (f'<testsuite name="{suite}" tests="{len(report.results)}" failures="{failures}" errors="0" '
           f'time="{report.duration_s:.3f}">\n')
    shard = (f'    <property name="shard" value="{_xml_attr(report.shard.describe())}" />\n'
             if report.shard is not None else "")
    yield (f'  <properties>\n    <property name="engines" value="{_xml_attr(engines_line(report))}" />\n{shard}'
           '  </properties>\n')
    for result in report.results:
        head = f'  <testcase classname="{_xml_attr(result.source)}" name="{_xml_attr(result.name)}"'
        if result.passed:
            yield head + " />\n"
            continue
        message = result.status + (f" ({', '.join(result.classes)})" if result.classes else "")
        text = escape(_xml_text("\n".join(_case_lines(result))))
        yield (f'{head}>\n    <failure message="{_xml_attr(message)}" type="{result.status}">'
               f"{text}</failure>\n  </testcase>\n")
    yield "</testsuite>"


def render_junit(report: ParityReport) -> str:
    return "".join(iter_junit(report))


RENDERERS = {"json": iter_json, "junit": iter_junit}


PARITY_DOCS = "https://github.com/cedar-gates/cedar-gates/blob/main/docs/parity.md"


def issues(report: ParityReport) -> list:
    """Each failing case as a finding on its fixture or policy file (line 1: a case has no line of its own)."""
    from toolkit.report import Issue

    out = []
    for result in report.results:
        if result.passed:
            continue
        message = f"{result.name}: {LABEL[result.status]}" + (f" ({', '.join(result.classes)})" if result.classes
                                                              else "")
        detail = "; ".join(line.strip() for line in _case_lines(result)[1:])
        out.append(Issue(code=f"parity-{result.status.replace('_', '-')}", level="error", path=result.source,
                         line=1, column=1, message=f"{message}: {detail}", title=LABEL[result.status].lower()))
    return out


def rules() -> list:
    from toolkit.report import RuleInfo

    return [
        RuleInfo(f"parity-{MISMATCH}", "mismatch", "both engines agree, but not with the fixture's `expected`",
                 help_uri=PARITY_DOCS),
        RuleInfo(f"parity-{DIVERGENCE}", "divergence", "cedarpy and cedar-wasm answer the same input differently",
                 help_uri=PARITY_DOCS),
        RuleInfo("parity-known-divergence", "known divergence",
                 "an engine difference of a known class (js_integer_precision)", help_uri=PARITY_DOCS),
    ]


def render_sarif(report: ParityReport) -> Iterator[str]:
    from toolkit import __version__
    from toolkit.report import sarif

    yield sarif.render(issues(report), rules(), tool="cedar-gates parity", version=__version__,
                       information_uri=PARITY_DOCS, exit_code=report.exit_code, successful=True)


def render_github(report: ParityReport) -> Iterator[str]:
    from toolkit.report import github

    yield github.render(issues(report), summary_line(report))


RENDERERS.update({"sarif": render_sarif, "github": render_github})


def record_text(report: Any, dry_run: bool) -> str:
    """`parity record`: each fixture written or refused (with both engines' answers), then the counts."""
    verb = "would write" if dry_run else "written"
    lines = []
    for outcome in report.outcomes:
        if outcome.action == "unchanged":
            continue
        label = verb if outcome.action == "written" else "REFUSED"
        lines.append(f"{label:<11} {outcome.fixture.display}: {outcome.detail}")
        if outcome.action == "refused" and outcome.result is not None:
            lines.append(f"{'':12}cedarpy     {outcome.result.cedarpy.summary()}")
            lines.append(f"{'':12}cedar-wasm  {outcome.result.wasm.summary()}")
    lines.append(f"{len(report.outcomes)} fixtures: {report.count('written')} {verb}, "
                 f"{report.count('unchanged')} unchanged, {report.count('refused')} refused")
    return "\n".join(lines)


def record_json(report: Any, dry_run: bool) -> str:
    """Every fixture with what record did to it (`written`, `unchanged`, `refused`; `written` means "would
    write" under --dry-run) and, where the engines ran, their answers."""
    return json.dumps({
        "dry_run": dry_run,
        "exit_code": report.exit_code,
        "counts": {action: report.count(action) for action in ("written", "unchanged", "refused")},
        "fixtures": [{
            "path": o.fixture.display, "name": o.fixture.name, "action": o.action, "detail": o.detail,
            "cedarpy": o.result.cedarpy.to_json() if o.result is not None else None,
            "cedar_wasm": o.result.wasm.to_json() if o.result is not None else None,
        } for o in report.outcomes],
    }, indent=2)
