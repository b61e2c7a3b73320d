"""The replay report people read: JSON keys, the HTML page (self-contained, hostile input escaped), diff ranking,
JUnit listing every failure, shadow flips."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from toolkit.simulate.visible import INVISIBLE, clean

from toolkit.cli import app

runner = CliRunner()
HOSTILE = 'git push --force origin main # <script>alert("x")</script> <img src=x onerror=alert(1)> \x1b[2J'


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def native(path: Path, calls: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps({"t": i * 10, **c}) + "\n" for i, c in enumerate(calls)))
    return path


def bash(command: str, **extra) -> dict:
    return {"tool_name": "Bash", "tool_input": {"command": command}, **extra}


@pytest.fixture
def sessions(tmp_path: Path) -> Path:
    root = tmp_path / "sessions"
    native(root / "a.jsonl", [bash(HOSTILE), bash("git status"), {"tool_name": "Write",
                                                                  "tool_input": {"file_path": ".env"}}])
    native(root / "b.jsonl", [bash(HOSTILE), bash("rm -rf / --no-preserve-root")])
    native(root / "c.jsonl", [bash(HOSTILE), bash("ls")])
    return root


def test_json_report_has_every_section(sessions):
    data = json.loads(run("simulate", str(sessions), "-f", "json").stdout)
    assert {"report", "policy_hash", "files", "sessions", "calls", "asks", "denies", "asks_per_100",
            "denies_per_100", "outcomes", "final", "rules", "tools", "sessions_top", "repeated_asks", "shadow",
            "mismatches", "bad_lines", "problems", "notes", "failed", "failures", "exit_code"} <= set(data)
    assert data["calls"] == 7 and data["asks_per_100"] == round(100 * data["asks"] / 7, 2)
    rule = next(r for r in data["rules"] if r["name"] == "rm_slash")
    assert rule["denies"] == 1 and rule["stopped"][0]["session"] == "b.jsonl"
    assert set(data["tools"][0]) >= {"name", "calls", "asks", "denies", "asks_per_100", "denies_per_100"}
    assert data["repeated_asks"][0] == {"tool": "Bash", "input": " ".join(HOSTILE.split()), "asks": 3, "sessions": 3}
    assert data["shadow"] == {"would_have_flipped": 0, "rules": {}, "examples": []}


def test_html_page_is_self_contained_and_escapes_what_traces_hold(sessions, tmp_path):
    page = tmp_path / "report.html"
    result = run("simulate", str(sessions), "--html", str(page))
    assert result.exit_code == 0 and f"HTML report: {page}" in result.stdout
    html = page.read_text()
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert "<svg" in html and "Per rule" in html and "Asked again and again" in html


def test_text_report_does_not_pass_terminal_escapes_through(sessions):
    out = run("simulate", str(sessions)).stdout
    assert "\x1b" not in out and "\\u001b[2J" in out


def test_one_trace_gets_the_html_page_too(sessions, tmp_path):
    page = tmp_path / "one.html"
    result = run("simulate", str(sessions / "a.jsonl"), "--html", str(page))
    assert result.exit_code == 0 and "calls            3" in result.stdout and f"HTML report: {page}" in result.stdout
    assert "write_env_files" in page.read_text()


def test_diff_over_a_directory_ranks_changes_by_how_often(tmp_path):
    root = tmp_path / "traffic"
    env = {"tool_name": "Write", "tool_input": {"file_path": ".env"}}
    for n in range(3):
        native(root / f"s{n}.jsonl", [env, env, env, bash("git push --force origin main")])
    candidate = tmp_path / "candidate.yaml"
    candidate.write_text("security:\n  approvalGateCap: 50\n  cedarPolicies:\n    disable: [write_env_files, "
                         "force_push_any, force_push_main, push_to_protected_branch]\n")
    result = run("simulate", "diff", str(root), "--candidate-blueprint", str(candidate), "-f", "json")
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["sessions"] == 3 and data["sessions_changed"] == 3
    counts = [c["calls"] for c in data["changes"]]
    assert counts == sorted(counts, reverse=True)
    top = data["changes"][0]
    # The first .env write asks and times out; the two repeats are denied from the cache: 2 x 3 sessions.
    assert (top["rule"], top["transition"], top["calls"], top["sessions"]) == ("write_env_files", "deny -> allow", 6, 3)
    assert top["calls"] > data["changes"][-1]["calls"]
    page = tmp_path / "diff.html"
    text = run("simulate", "diff", str(root), "--candidate-blueprint", str(candidate), "--html", str(page)).stdout
    assert "changes, most frequent first:" in text and f"HTML report: {page}" in text
    assert text.index("write_env_files") < text.index("force_push_any")
    assert "What the policy change would change" in page.read_text()


@pytest.mark.parametrize("many", [False, True])
def test_junit_lists_every_mismatch(tmp_path, many):
    calls = [{"tool_name": "Read", "tool_input": {"file_path": f"f{i}"}, "expect": {"outcome": "deny"}}
             for i in range(250)]
    trace = native(tmp_path / "dir" / "t.jsonl", calls)
    target = trace.parent if many else trace
    result = run("simulate", str(target), "-f", "junit")
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout)
    failures = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert len(failures) == 250 and root.get("failures") == "250"


def test_github_and_sarif_list_the_mismatches(tmp_path):
    trace = native(tmp_path / "t.jsonl", [{"tool_name": "Read", "tool_input": {"file_path": "x"},
                                           "expect": {"outcome": "deny"}}])
    github = run("simulate", str(trace), "-f", "github").stdout
    assert re.search(r"^::error file=.*t\.jsonl,line=1,.*::outcome is allow, expected deny", github, re.M)
    sarif = json.loads(run("simulate", str(trace), "-f", "sarif").stdout)
    results = sarif["runs"][0]["results"]
    assert len(results) == 1 and results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 1
    assert sarif["runs"][0]["invocations"][0]["exitCode"] == 1


def test_shadow_rules_would_have_flipped_calls_are_reported(tmp_path):
    blueprint = tmp_path / "agent.yaml"
    blueprint.write_text('security:\n  approvalGateCap: 50\n  cedarPolicies:\n    soft: |\n'
                         '      @tier("soft")\n      @rule_id("ask_npm_publish")\n      @enforcement("log_only")\n'
                         '      forbid (principal, action == Agent::Action::"run_command", resource)\n'
                         '      when { context.program == "npm" && context.subcommand == "publish" };\n')
    root = tmp_path / "s"
    native(root / "a.jsonl", [bash("npm publish"), bash("npm test")])
    native(root / "b.jsonl", [bash("npm publish")])
    data = json.loads(run("simulate", str(root), "-b", str(blueprint), "-f", "json").stdout)
    assert data["shadow"]["would_have_flipped"] == 2
    assert data["shadow"]["rules"]["ask_npm_publish"]["would_have_flipped"] == 2
    assert data["asks"] == 0 and data["shadow"]["examples"][0]["input"] == "npm publish"
    text = run("simulate", str(root), "-b", str(blueprint)).stdout
    examples = text.split("calls the shadow rules would have flipped (first examples):\n", 1)[1].splitlines()
    assert examples[:2] == ["    a.jsonl:1: allow -> ask Bash: npm publish",
                            "    b.jsonl:1: allow -> ask Bash: npm publish"]


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_no_text_from_a_trace_reaches_the_page_unescaped(text):
    from toolkit.simulate.page import render_corpus
    from toolkit.simulate.report import Corpus, Example, SessionFacts, Tally

    facts = SessionFacts(text, text, text, calls=1, asks=1)
    facts.rules[text] = Tally(1, 1, 0)
    facts.tools[text] = Tally(1, 1, 0)
    facts.rule_examples[text] = [Example(text, 1, text, text, "require_approval")]
    facts.asked[(text, "digest")] = 2
    facts.asked_inputs[(text, "digest")] = text
    corpus = Corpus("hash")
    corpus.add(facts)
    corpus.fail(text, text, 1)
    page = render_corpus(corpus.to_json())
    seen = _Page()
    seen.feed(page)
    assert seen.tags <= ALLOWED_TAGS
    assert any(clean(text) in data for data in seen.data)


INVISIBLE_CHARS = st.sampled_from(["\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200f", "\u061c",
                                   "\x1b", "\x00", "\x07", "\x9b", "\u2028", "\ufeff", "\r", "\n"])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=5), INVISIBLE_CHARS), min_size=1, max_size=8).map("".join))
def test_property_the_page_shows_control_and_bidi_characters_from_a_trace_as_visible_escapes(text):
    from toolkit.simulate.page import render_corpus, render_diff
    from toolkit.simulate.report import Corpus, Example, SessionFacts, Tally

    facts = SessionFacts(text, text, text, calls=1, asks=1)
    facts.rules[text] = Tally(1, 1, 0)
    facts.rule_examples[text] = [Example(text, 1, text, text, "require_approval")]
    facts.shadow_examples.append(Example(text, 2, text, text, "allow -> deny"))
    corpus = Corpus("hash")
    corpus.add(facts)
    corpus.fail(text + "x", text, 1)
    diff = {"baseline_policy_hash": text, "candidate_policy_hash": "c", "sessions": 1, "calls": 1, "changed": 1,
            "changed_per_100": 100.0, "sessions_changed": 1, "failed": 0, "transitions": {text: 1},
            "failures": [], "changes": [{"calls": 1, "sessions": 1, "rule": text, "transition": text, "tool": text,
                                         "example": {"session": text, "line": 1, "input": text}}]}
    for page in (render_corpus(corpus.to_json()), render_diff(diff)):
        body = page.split("<body>", 1)[1]
        assert not INVISIBLE.search(body.rstrip("\n")), "a control or bidi character reached the page"
        escapes = {f"\\u{ord(c):04x}" for c in text if INVISIBLE.match(c)}
        assert all(e in body for e in escapes)


ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "div", "b", "table", "thead",
                "tbody", "tr", "th", "td", "code", "svg", "text", "rect", "span", "br"}


class _Page(HTMLParser):
    """The tags a browser would build and the text it would show."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.data: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)

    def handle_data(self, data):
        self.data.append(data)


def test_diff_of_one_trace_from_stdin_draws_the_page_too(tmp_path):
    trace = native(tmp_path / "t.jsonl", [{"tool_name": "Write", "tool_input": {"file_path": ".env"}}])
    candidate = tmp_path / "candidate.yaml"
    candidate.write_text("security:\n  approvalGateCap: 50\n  cedarPolicies:\n    disable: [write_env_files]\n")
    page = tmp_path / "diff.html"
    result = runner.invoke(app, ["simulate", "diff", "-", "--candidate-blueprint", str(candidate), "--html", str(page)],
                           input=trace.read_text(), catch_exceptions=False)
    assert result.exit_code == 0 and "trace <stdin>" in result.stdout and f"HTML report: {page}" in result.stdout
    assert "write_env_files" in page.read_text() and "require_approval -&gt; allow" in page.read_text()
