"""Parity reports as text, JSON or JUnit XML (for CI test tabs)."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from toolkit.parity.compare import CLASS_HELP, DIVERGENCE, KNOWN, MISMATCH, PASS, CaseResult
from toolkit.parity.harness import ParityReport

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
    return f"{len(report.results)} cases: {', '.join(parts)} ({report.duration_s:.2f} s)"


def render_text(report: ParityReport, verbose: bool = False) -> str:
    lines = [engines_line(report), ""]
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
    if len(lines) > 2:
        lines.append("")
    lines.append(summary_line(report))
    return "\n".join(lines)


def to_json(report: ParityReport) -> dict[str, Any]:
    return {
        "engines": {
            "cedarpy": report.cedarpy_version,
            "cedar_wasm": report.runner.package if report.runner else None,
            "cedar_wasm_core": report.runner.cedar if report.runner else None,
            "node": report.runner.node if report.runner else None,
        },
        "summary": {
            "cases": len(report.results),
            **{status: report.count(status) for status in (PASS, MISMATCH, DIVERGENCE, KNOWN)},
            "classes": report.classes(),
            "duration_s": round(report.duration_s, 3),
            "runner_starts": report.runner_starts,
            "runner_failures": report.runner_failures,
        },
        "cases": [r.to_json() for r in report.results],
        "exit_code": report.exit_code,
    }


def render_json(report: ParityReport) -> str:
    return json.dumps(to_json(report), indent=2, ensure_ascii=False)


def render_junit(report: ParityReport) -> str:
    suite = ET.Element(
        "testsuite",
        name="cedar-gates parity",
        tests=str(len(report.results)),
        failures=str(len(report.results) - report.count(PASS)),
        errors="0",
        time=f"{report.duration_s:.3f}",
    )
    ET.SubElement(ET.SubElement(suite, "properties"), "property", name="engines", value=engines_line(report))
    for result in report.results:
        case = ET.SubElement(suite, "testcase", classname=result.source, name=result.name)
        if result.passed:
            continue
        message = result.status + (f" ({', '.join(result.classes)})" if result.classes else "")
        failure = ET.SubElement(case, "failure", message=message, type=result.status)
        failure.text = "\n".join(_case_lines(result))
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)


RENDERERS = {"json": render_json, "junit": render_junit}
