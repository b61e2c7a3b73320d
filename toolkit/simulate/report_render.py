"""The many-session report as text (CI formats: toolkit.simulate.ci).

Tool inputs, paths and labels come from transcripts, which anyone may have
written: text output replaces control characters (a terminal escape in a
recorded command must not repaint the reader's terminal).
"""

from __future__ import annotations

from typing import Any

from toolkit.simulate.diffreport import DiffCorpus
from toolkit.simulate.report import Corpus, per_100
from toolkit.simulate.visible import clean

ROWS = 10
SHADOW_EXAMPLES = 3


def _rate(count: int, calls: int) -> str:
    return f"{per_100(count, calls):g}"


def _table(rows: list[dict[str, Any]], limit: int = ROWS) -> list[str]:
    lines = [f"    {'asks':>7} {'/100':>6} {'denies':>7} {'/100':>6} {'calls':>8}  name"]
    for row in rows[:limit]:
        lines.append(f"    {row['asks']:>7} {row['asks_per_100']:>6g} {row['denies']:>7} {row['denies_per_100']:>6g} "
                     f"{row['calls']:>8}  {clean(row['name'])}")
    if len(rows) > limit:
        lines.append(f"    ... and {len(rows) - limit} more (in --format json and the HTML page)")
    return lines


def _sessions(sessions: int, files: int, failed: int) -> str:
    """Failed files are counted apart: a file that did not replay is no session."""
    text = f"{sessions} session(s) from {files} file(s)"
    return text + (f", {failed} file(s) failed" if failed else "")


def verdict(report: Corpus) -> str:
    problems = []
    if report.failure_count:
        problems.append(f"{report.failure_count} file(s) failed")
    if report.mismatches:
        problems.append(f"{report.mismatches} mismatch(es)")
    if report.bad_lines:
        problems.append(f"{report.bad_lines} bad line(s) skipped")
    return "FAIL: " + ", ".join(problems) if problems else "PASS"


def render_text(report: Corpus, html: str | None = None) -> str:
    j = report.to_json()
    lines = [
        f"{_sessions(report.sessions, report.replayed_files, report.failed_files)}  "
        f"(policy sha256:{report.policy_hash[:16]})",
        f"  calls            {report.calls}",
        f"  asks             {report.asks}  ({_rate(report.asks, report.calls)} per 100 calls)",
        f"  denies           {report.denies}  ({_rate(report.denies, report.calls)} per 100 calls)",
        f"  final            {', '.join(f'{k} {v}' for k, v in j['final'].items()) or '-'}",
        f"  shadow rules     {report.shadow_flips} call(s) would have flipped",
    ]
    if j["notes"]:
        lines.append(f"  notes            {', '.join(f'{clean(k)} {v}' for k, v in j['notes'].items())}")
        for key, where in j["note_sessions"].items():
            if key.startswith("unknown_tool:"):
                more = where["sessions"] - len(where["first"])
                lines.append(f"    {clean(key)} in {', '.join(map(clean, where['first']))}"
                             + (f" and {more} more session(s)" if more else ""))
    if j["rules"]:
        lines += ["per rule:", *_table(j["rules"])]
    if j["tools"]:
        lines += ["per tool:", *_table(j["tools"])]
    sessions = [{**row, "name": row["session"]} for row in j["sessions_top"]]
    if len(sessions) > 1:
        lines += ["sessions with the most asks and denies:", *_table(sessions)]
    if j["repeated_asks"]:
        lines.append("asked again and again (same tool and input):")
        for row in j["repeated_asks"][:ROWS]:
            lines.append(f"    {row['asks']:>5}x in {row['sessions']} session(s)  {clean(row['tool'])}: "
                         f"{clean(row['input'])}")
    stopped = [row for row in j["rules"] if row["stopped"]]
    if stopped:
        lines.append("what each rule stopped (first examples):")
        for row in stopped[:ROWS]:
            lines.append(f"  {clean(row['name'])}")
            for e in row["stopped"][:3]:
                lines.append(f"    {clean(e['session'])}:{e['line']}: {e['outcome']} {clean(e['tool'])}: "
                             f"{clean(e['input'])}")
    for name, tally in j["shadow"]["rules"].items():
        lines.append(f"shadow {clean(name)}: matched {tally['matches']}, would have flipped "
                     f"{tally['would_have_flipped']}")
    if j["shadow"]["examples"]:
        lines.append("calls the shadow rules would have flipped (first examples):")
        for e in j["shadow"]["examples"][:SHADOW_EXAMPLES]:
            lines.append(f"    {clean(e['session'])}:{e['line']}: {e['outcome']} {clean(e['tool'])}: "
                         f"{clean(e['input'])}")
    for p in report.problems[:ROWS]:
        lines.append(f"{clean(p.source)}:{p.line}: {p.kind}: {clean(p.message)}")
    if len(report.problems) > ROWS or report.mismatches + report.bad_lines > len(report.problems):
        lines.append(f"  ... {report.mismatches} mismatch(es) and {report.bad_lines} bad line(s) in all")
    for f in report.failures:
        where = f"{f.source}:{f.line}" if f.line else f.source
        lines.append(f"failed: {clean(where)}: {clean(f.reason)}")
    if report.failure_count > len(report.failures):
        lines.append(f"  ... and {report.failure_count - len(report.failures)} more failed file(s)")
    if report.skipped_count:
        lines.append("skipped lines (damaged, not replayed):")
        lines.extend(f"  {clean(p.source)}:{p.line}: {clean(p.message)}" for p in report.skipped[:ROWS])
        if report.skipped_count > min(ROWS, len(report.skipped)):
            lines.append(f"  ... {report.skipped_count} in all (the first {len(report.skipped)} in --format json "
                         "and the HTML page)")
    if html:
        lines.append(f"HTML report: {html}")
    lines.append(verdict(report))
    if report.skipped_count:
        lines.append(f"warning: {report.skipped_count} damaged line(s) skipped; --strict makes them errors")
    return "\n".join(lines)


def render_diff_text(report: DiffCorpus, html: str | None = None) -> str:
    j = report.to_json()
    lines = [
        _sessions(report.sessions, report.replayed_files, report.failed_files),
        f"  baseline policy   sha256:{report.baseline_hash[:16]}",
        f"  candidate policy  sha256:{report.candidate_hash[:16]}",
        f"  {report.changed} of {report.calls} call(s) change ({j['changed_per_100']:g} per 100), "
        f"in {report.sessions_changed} session(s)",
    ]
    if report.transitions:
        lines.append("  transitions       " + ", ".join(f"{k} {v}" for k, v in j["transitions"].items()))
    if j["changes"]:
        lines.append("changes, most frequent first:")
        for row in j["changes"][:ROWS * 2]:
            lines.append(f"  {row['calls']:>6}x in {row['sessions']} session(s)  {clean(row['rule'])}  "
                         f"{row['transition']}  {clean(row['tool'])}")
            e = row["example"]
            if e:
                lines.append(f"          e.g. {clean(e['session'])}:{e['line']}: {clean(e['input'])}")
    for f in report.failures:
        where = f"{f.source}:{f.line}" if f.line else f.source
        lines.append(f"failed: {clean(where)}: {clean(f.reason)}")
    if html:
        lines.append(f"HTML report: {html}")
    return "\n".join(lines)
