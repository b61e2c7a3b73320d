"""Replay and diff reports as text, JSON or JUnit XML."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from toolkit.simulate.visible import clean
from toolkit.simulate.session import DiffReport, SimulationReport


def _table(counter: dict[str, int]) -> str:
    return ", ".join(f"{key} {value}" for key, value in counter.items()) or "-"


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def verdict(report: SimulationReport) -> str:
    s = report.summary
    if report.stopped is not None:
        stop = report.stopped
        more = "" if report.summary.calls == 0 and not report.summary.bad_line_count and stop.line == 1 else \
            " (use --skip-bad-lines to report and go on)"
        return f"STOPPED at line {stop.line}: {stop.message}{more}"
    problems = []
    if s.mismatch_count:
        problems.append(f"{s.mismatch_count} mismatch(es)")
    if s.bad_line_count:
        problems.append(f"{s.bad_line_count} bad line(s) skipped")
    return "FAIL: " + ", ".join(problems) if problems else "PASS"


def render_text(report: SimulationReport) -> str:
    s = report.summary
    j = s.to_json()
    lines = [
        f"trace {report.trace}  (policy sha256:{report.policy_hash[:16]})",
        f"  calls            {s.calls} over {_duration(s.virtual_duration_s)} of virtual time",
        f"  outcomes         {_table(j['outcomes'])}",
        f"  final            {_table(j['final'])}",
        f"  gates per rule   {_table(j['gates_per_rule'])}",
        f"  approvals        {_table(j['approvals_by_scope'])}",
        f"  human denials    {s.human_denials}   timeouts {s.timeouts} (answered late {s.late_answers})",
        f"  limits           gate cap {j['gate_cap_hits']}   rate limit {j['rate_limit_hits']}   "
        f"lifetime {j['lifetime_denials']}",
        f"  cache hits       input {j['cache_hits']['input']}   rule {j['cache_hits']['rule']}",
        f"  fail-closed      {s.fail_closed}",
    ]
    if s.shadow_matched:
        flips = sum(s.shadow_flips.values())
        lines.append(f"  shadow rules     would have flipped {flips} call(s)"
                     + (f" ({_table(dict(sorted(s.shadow_flips.items())))})" if flips else "")
                     + f"; matched {s.shadow_matched} (log-only, never enforced)")
    if report.baseline:
        lines.append(f"  baseline         {report.baseline}")
    if report.streams:
        lines.append(f"streams ({len(report.streams)}, each replayed with its own gate and clock from t = 0):")
        lines.extend(f"  {clean(row.label)}: {row.calls} call(s), {_table(row.outcomes)}" for row in report.streams)
    if s.mismatches:
        lines.append("mismatches:")
        lines.extend(f"  {report.trace}:{line}: {message}" for line, message in s.mismatches)
        if s.mismatch_count > len(s.mismatches):
            lines.append(f"  ... and {s.mismatch_count - len(s.mismatches)} more")
    if s.bad_lines:
        lines.append("bad lines:")
        for bad in s.bad_lines:
            lines.append(f"  {report.trace}:{bad.line}: {bad.message}" + (f"\n    hint: {bad.hint}" if bad.hint else ""))
        if s.bad_line_count > len(s.bad_lines):
            lines.append(f"  ... and {s.bad_line_count - len(s.bad_lines)} more")
    if s.notes:
        lines.append(f"  notes            {_table(dict(s.notes.most_common()))}")
    if s.skipped_lines:
        lines.append("skipped lines (damaged, not replayed):")
        lines.extend(f"  {report.trace}:{line}: {why}" for line, why in s.skipped_lines)
        if s.skipped_line_count > len(s.skipped_lines):
            lines.append(f"  ... and {s.skipped_line_count - len(s.skipped_lines)} more")
        lines.append(f"warning: {s.skipped_line_count} damaged line(s) skipped; --strict makes them errors")
    lines.append(verdict(report))
    return "\n".join(lines)


def to_json(report: SimulationReport) -> dict[str, Any]:
    s = report.summary
    return {
        "trace": report.trace,
        "policy_hash": report.policy_hash,
        "baseline": report.baseline,
        "summary": s.to_json(),
        "streams": [row.to_json() for row in report.streams],
        "mismatches": [{"line": line, "message": message} for line, message in s.mismatches],
        "bad_lines": [{"line": b.line, "message": b.message, "hint": b.hint} for b in s.bad_lines],
        "skipped_lines": [{"line": line, "reason": why} for line, why in s.skipped_lines],
        "stopped": {"line": report.stopped.line, "message": report.stopped.message} if report.stopped else None,
        "exit_code": report.exit_code,
    }


def render_json(report: SimulationReport) -> str:
    return json.dumps(to_json(report), indent=2, ensure_ascii=False)


def render_junit(report: SimulationReport) -> str:
    """Counts are taken from the elements written, so they always agree with them."""
    s = report.summary
    suite = ET.Element("testsuite", name="cedar-gates simulate")
    case = ET.SubElement(suite, "testcase", classname=report.trace, name=f"replay of {s.calls} calls")
    if report.stopped is not None:
        ET.SubElement(case, "error", message=f"line {report.stopped.line}: {report.stopped.message}")
    for line, message in s.mismatches:
        failure = ET.SubElement(ET.SubElement(suite, "testcase", classname=report.trace, name=f"line {line}"),
                                "failure", message=message)
        failure.text = message
    unlisted = s.mismatch_count - len(s.mismatches)
    if unlisted > 0:
        ET.SubElement(ET.SubElement(suite, "testcase", classname=report.trace, name="more mismatches"),
                      "failure", message=f"{unlisted} more mismatch(es) not listed")
    stopped_line = report.stopped.line if report.stopped is not None else None
    for bad in s.bad_lines:
        if bad.line == stopped_line:
            continue
        ET.SubElement(ET.SubElement(suite, "testcase", classname=report.trace, name=f"line {bad.line}"),
                      "error", message=bad.message)
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    suite.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)


def render_diff_text(report: DiffReport) -> str:
    lines = [
        f"trace {report.trace}",
        f"  baseline policy   sha256:{report.baseline_hash[:16]}",
        f"  candidate policy  sha256:{report.candidate_hash[:16]}",
        f"  {report.changed} of {report.calls} call(s) change",
    ]
    if report.transitions:
        lines.append(f"  transitions       {_table(dict(report.transitions.most_common()))}")
    for rule, count in report.by_rule.most_common():
        lines.append(f"{rule}: {count} call(s)")
        for change in report.examples.get(rule, []):
            b, a = change.before, change.after
            fields = [f"{key} {json.dumps(b[key])} -> {json.dumps(a[key])}" for key in b if b[key] != a[key]]
            lines.append(f"  {report.trace}:{change.line}: {change.tool_name}: {'; '.join(fields)}")
        if count > len(report.examples.get(rule, [])):
            lines.append(f"  ... and {count - len(report.examples.get(rule, []))} more")
    for bad in report.bad_lines:
        lines.append(f"{report.trace}:{bad.line}: skipped: {bad.message}")
    if report.stopped is not None:
        lines.append(f"STOPPED at line {report.stopped.line}: {report.stopped.message}")
    return "\n".join(lines)
