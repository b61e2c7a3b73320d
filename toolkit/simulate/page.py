"""The replay report as one self-contained HTML page: inline CSS and SVG charts, no script, no outside asset.

Everything shown from a trace (tool inputs, paths, rule ids, session names)
is hostile input: it goes through `esc` (control and bidirectional characters
made visible, then `html.escape`) and nowhere else, and the
page's Content-Security-Policy forbids scripts and every remote load, so
even a missed escape could not run code or call out.
"""

from __future__ import annotations

import html
from typing import Any, Iterable, Sequence

from toolkit.simulate.visible import clean

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STYLE = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:72rem;
padding:0 1rem;color:#1d2430;background:#fff}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d8dee8;padding-bottom:.2rem}
.cards{display:flex;flex-wrap:wrap;gap:.75rem}.card{border:1px solid #d8dee8;border-radius:6px;padding:.6rem .9rem;
min-width:9rem}.card b{display:block;font-size:1.35rem}.muted{color:#5b6678}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;padding:.25rem .5rem;
border-bottom:1px solid #eef1f5;vertical-align:top}th{background:#f5f7fa}td.n{text-align:right;
font-variant-numeric:tabular-nums}code{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;
word-break:break-all}.ok{color:#1a7f37}.bad{color:#cf222e}svg text{font:12px system-ui,sans-serif}
"""
COLOURS = {"allow": "#2da44e", "require_approval": "#d29922", "deny": "#cf222e", "asks": "#d29922",
           "denies": "#cf222e", "changed": "#8250df"}


def esc(value: Any) -> str:
    """HTML-escaped, with control and bidirectional characters shown as `\\uXXXX` (as the text report does)."""
    return html.escape(clean(value), quote=True)


def bars(rows: Sequence[tuple[str, Sequence[tuple[str, int]]]], width: int = 640) -> str:
    """A horizontal stacked bar chart: one bar per row, one segment per (series, value)."""
    if not rows:
        return '<p class="muted">nothing to chart</p>'
    label_w, bar_h, gap = 220, 16, 6
    top = max(sum(v for _, v in segments) for _, segments in rows) or 1
    height = len(rows) * (bar_h + gap) + gap
    parts = [f'<svg role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}">']
    for i, (label, segments) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        short = label if len(label) <= 32 else label[:31] + "…"
        parts.append(f'<text x="0" y="{y + bar_h - 4}"><title>{esc(label)}</title>{esc(short)}</text>')
        x = float(label_w)
        for series, value in segments:
            w = (width - label_w - 60) * value / top
            if w > 0:
                colour = COLOURS.get(series, "#6e7781")
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}">'
                             f'<title>{esc(series)}: {value}</title></rect>')
                x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + bar_h - 4}">{sum(v for _, v in segments)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def legend(*series: str) -> str:
    """Which colour is which series, as inline CSS swatches."""
    names = {"allow": "allowed", "require_approval": "asked", "deny": "denied", "asks": "asked", "denies": "denied",
             "changed": "changed"}
    return '<p class="muted">' + " ".join(
        f'<span style="display:inline-block;width:.8em;height:.8em;background:{COLOURS[s]}"></span> '
        f'{esc(names.get(s, s))}&nbsp;&nbsp;' for s in series) + "</p>"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Iterable[int] = ()) -> str:
    numbers = set(numeric)
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = "".join(f'<td class="n">{_cell(c)}</td>' if i in numbers else f"<td>{_cell(c)}</td>"
                        for i, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    if not body:
        return '<p class="muted">none</p>'
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return esc(f"{value:g}")
    if isinstance(value, Code):
        return f"<code>{esc(value.text)}</code>"
    return esc("" if value is None else value)


class Code:
    """A table cell shown as code (a tool input)."""

    def __init__(self, text: Any):
        self.text = str(text)


def document(title: str, sections: Iterable[str]) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
            f"<h1>{esc(title)}</h1>{''.join(sections)}</body></html>\n")


def cards(items: Iterable[tuple[str, Any]]) -> str:
    return '<div class="cards">' + "".join(f'<div class="card"><b>{_cell(v)}</b>{esc(k)}</div>'
                                             for k, v in items) + "</div>"


def section(title: str, *parts: str) -> str:
    return f"<h2>{esc(title)}</h2>" + "".join(parts)


def _tally_rows(rows: list[dict[str, Any]]) -> list[tuple[str, list[tuple[str, int]]]]:
    return [(row["name"], [("asks", row["asks"]), ("denies", row["denies"])]) for row in rows[:20]]


def _tally_table(rows: list[dict[str, Any]], name: str) -> str:
    return table([name, "calls", "asks", "asks /100", "denies", "denies /100"],
                 ([r["name"], r["calls"], r["asks"], r["asks_per_100"], r["denies"], r["denies_per_100"]]
                  for r in rows), numeric=range(1, 6))


def render_corpus(j: dict[str, Any]) -> str:
    """The page for `Corpus.to_json()`."""
    verdict = "PASS" if j["exit_code"] == 0 else "FAIL"
    overview = cards([("sessions", j["sessions"]), ("files", j["files"]), ("calls", j["calls"]),
                      ("asks per 100 calls", j["asks_per_100"]), ("denies per 100 calls", j["denies_per_100"]),
                      ("shadow flips", j["shadow"]["would_have_flipped"]),
                      ("failed files", j.get("failed_files", j["failed"])),
                      ("verdict", verdict)])
    outcome_chart = bars([("decisions", [(k, v) for k, v in j["outcomes"].items()])]) + legend(
        "allow", "require_approval", "deny")
    stops = legend("asks", "denies")
    sessions = [dict(r, name=r["session"]) for r in j["sessions_top"]]
    stopped = []
    for rule in j["rules"]:
        if rule["stopped"]:
            stopped.append(f"<h3>{esc(rule['name'])}</h3>" + table(
                ["session", "line", "outcome", "tool", "input"],
                ([e["session"], e["line"], e["outcome"], e["tool"], Code(e["input"])] for e in rule["stopped"]),
                numeric=[1]))
    shadow = j["shadow"]
    parts = [
        f'<p class="muted">policy sha256:{esc(j["policy_hash"])}</p>', overview,
        section("Decisions", outcome_chart,
                table(["final outcome", "calls"], j["final"].items(), numeric=[1])),
        section("Per rule", bars(_tally_rows(j["rules"])), stops, _tally_table(j["rules"], "rule")),
        section("Per tool", bars(_tally_rows(j["tools"])), stops, _tally_table(j["tools"], "tool")),
        section("Sessions with the most asks and denies", bars(_tally_rows(sessions)), stops,
                _tally_table(sessions, "session")),
        section("Asked again and again (same tool and input)", table(
            ["asks", "sessions", "tool", "input"],
            ([r["asks"], r["sessions"], r["tool"], Code(r["input"])] for r in j["repeated_asks"]), numeric=[0, 1])),
        section("What each rule stopped", "".join(stopped) or '<p class="muted">nothing was stopped</p>'),
        section("Shadow rules (log only): calls they would have flipped",
                cards([("would have flipped", shadow["would_have_flipped"])]),
                table(["rule", "matched", "would have flipped"],
                      ([name, t["matches"], t["would_have_flipped"]] for name, t in shadow["rules"].items()),
                      numeric=[1, 2]),
                table(["session", "line", "tool", "input", "flip"],
                      ([e["session"], e["line"], e["tool"], Code(e["input"]), e["outcome"]]
                       for e in shadow["examples"]), numeric=[1])),
        section("Notes (unknown tools replayed as generic calls, skipped lines, ...)", table(
            ["note", "count", "sessions", "first sessions"],
            ([note, count, j.get("note_sessions", {}).get(note, {}).get("sessions", ""),
              ", ".join(j.get("note_sessions", {}).get(note, {}).get("first", []))]
             for note, count in j["notes"].items()), numeric=[1, 2])),
        section("Mismatches and bad lines", table(
            ["file", "line", "kind", "message"],
            ([p["file"], p["line"], p["kind"], p["message"]] for p in j["problems"]), numeric=[1])),
        section(f"Skipped lines (damaged, not replayed): {j.get('skipped_lines', 0)}", table(
            ["file", "line", "reason"], ([p["file"], p["line"], p["message"]] for p in j.get("skipped", [])),
            numeric=[1]), _more(j.get("skipped_lines", 0), len(j.get("skipped", [])))),
        section("Files that did not replay", table(
            ["file", "line", "reason"], ([f["file"], f["line"], f["reason"]] for f in j["failures"]),
            numeric=[1])),
    ]
    return document("cedar-gates simulate: replay report", parts)


def _more(total: int, shown: int) -> str:
    return f'<p class="muted">the first {shown} of {total} are listed</p>' if total > shown else ""


def render_diff(j: dict[str, Any]) -> str:
    """The page for `DiffCorpus.to_json()`: what the candidate policy would change, most frequent first."""
    overview = cards([("sessions", j["sessions"]), ("calls", j["calls"]), ("calls that change", j["changed"]),
                      ("per 100 calls", j["changed_per_100"]), ("sessions that change", j["sessions_changed"]),
                      ("failed files", j.get("failed_files", j["failed"]))])
    chart = bars([(f"{c['rule']} {c['transition']} ({c['tool']})", [("changed", c["calls"])])
                  for c in j["changes"][:20]])
    parts = [
        f'<p class="muted">baseline sha256:{esc(j["baseline_policy_hash"])}<br>'
        f'candidate sha256:{esc(j["candidate_policy_hash"])}</p>', overview,
        section("What the policy change would change, most frequent first", chart, table(
            ["calls", "sessions", "rule", "change", "tool", "example"],
            ([c["calls"], c["sessions"], c["rule"], c["transition"], c["tool"],
              Code(f"{c['example']['session']}:{c['example']['line']}: {c['example']['input']}")
              if c["example"] else ""] for c in j["changes"]), numeric=[0, 1])),
        section("Transitions", table(["change", "calls"], j["transitions"].items(), numeric=[1])),
        section("Files that did not replay", table(
            ["file", "line", "reason"], ([f["file"], f["line"], f["reason"]] for f in j["failures"]),
            numeric=[1])),
    ]
    return document("cedar-gates simulate diff: change impact", parts)
