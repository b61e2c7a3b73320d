"""One set of conventions across the CLI (docs/cli.md), checked over every command typer knows about.

The walk goes through the command tree itself, so a command added later is held to the same rules:
one meaning per short option, word placeholders, text/json/-o wherever a command reports, the CI formats
where findings or test results are reported. Then the formats themselves: SARIF uris and invocations,
GitHub annotation paths, JUnit counts, colour variables, a closed pipe.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.cli.options import FORMAT_HELP, REPORT_FORMATS

from .conftest import FIXTURES, REPO

runner = CliRunner()

CI_REPORTERS = {"check", "lint", "test", "parity run", "simulate run", "sync constants", "sync types"}
"""Commands whose report is findings or test results: every CI format."""

NO_OUTPUT_FILE = {"approvals watch": "streams events as they happen; a report file would only appear at the end"}

WORD = re.compile(r"^[A-Z][A-Z0-9_]*(/[A-Z][A-Z0-9_]*)?$")


def _commands():
    root = typer.main.get_command(app)
    pending = [([], root)]
    while pending:
        path, command = pending.pop()
        children = getattr(command, "commands", None)
        if children:
            pending.extend(([*path, name], child) for name, child in children.items())
        else:
            yield " ".join(path), command


COMMANDS = dict(_commands())


def _options(command):
    return [p for p in command.params if p.param_type_name == "option"]


def _option(command, long: str):
    return next((p for p in _options(command) if long in p.opts), None)


def _choices(option) -> list[str]:
    descriptor = option.type_descriptor
    return [str(getattr(c, "value", c)) for c in descriptor.choices or ()] if descriptor.is_choice else []


def test_the_walk_sees_every_command_group():
    assert {"lint", "check", "test", "eval", "doctor", "parity run", "parity fuzz", "simulate run", "sync types",
            "approvals list", "hook check", "policies list"} <= set(COMMANDS)


def test_each_short_option_means_one_thing_everywhere():
    meaning: dict[str, set[str]] = {}
    for name, command in COMMANDS.items():
        for option in _options(command):
            shorts = [o for o in option.opts if re.fullmatch(r"-[A-Za-z]", o)]
            longs = [o for o in option.opts if o.startswith("--")]
            for short in shorts:
                meaning.setdefault(short, set()).add(longs[0] if longs else f"{short} alone in {name}")
    clashes = {short: sorted(longs) for short, longs in meaning.items() if len(longs) > 1}
    assert clashes == {}, f"a short option with two meanings: {clashes}"
    assert meaning.get("-o") == {"--output"} and meaning.get("-f") == {"--format"}


def _letters() -> dict[str, tuple[str, set[str]]]:
    found: dict[str, tuple[str, set[str]]] = {}
    for name, command in COMMANDS.items():
        for option in _options(command):
            for short in (o for o in option.opts if re.fullmatch(r"-[A-Za-z]", o)):
                found.setdefault(short, (option.opts[0] if option.opts[0].startswith("--") else
                                         next(o for o in option.opts if o.startswith("--")), set()))[1].add(name)
    return found


def test_the_letter_table_in_the_docs_is_the_cli_s():
    rows = re.findall(r"^\| `(-[A-Za-z])` \| `(--[a-z-]+)` \| [^|]+ \| ([^|]+) \|$",
                      (REPO / "docs" / "cli.md").read_text(), re.M)
    documented = {short: (long, commands.strip()) for short, long, commands in rows}
    letters = _letters()
    assert set(documented) - {"-h"} == set(letters)
    for short, (long, commands) in letters.items():
        assert documented[short][0] == long, short
        if documented[short][1] != "every command that reports":
            assert set(re.findall(r"`([^`]+)`", documented[short][1])) == commands, short


def test_help_placeholders_are_words_not_types():
    bad = []
    for name, command in COMMANDS.items():
        for param in command.params:
            record = param.get_help_record(_context(command, name))
            if record is None:
                continue
            shown = record[0]
            if param.param_type_name == "argument":
                placeholder = shown
            elif getattr(param, "is_flag", False):
                continue
            else:
                placeholder = shown.rsplit(" ", 1)[-1]
            if placeholder.startswith("<"):
                choices = _choices(param)
                if not choices or placeholder != f"<{'|'.join(choices)}>":
                    bad.append(f"{name}: {shown}")
            elif not WORD.match(placeholder):
                bad.append(f"{name}: {shown}")
    assert bad == []


def _context(command, name):
    from typer._click.core import Context

    return Context(command, info_name=name)


MUST_REPORT = {"rule", "parity record", "policies list", "policies show", "doctor"}
"""Commands that print a result a script may want; the walk over `--format` alone would not notice one losing it."""


def test_every_reporting_command_offers_text_json_and_an_output_file():
    reporting = {name: c for name, c in COMMANDS.items() if _option(c, "--format") is not None}
    assert len(reporting) > 20
    assert MUST_REPORT <= set(reporting), sorted(MUST_REPORT - set(reporting))
    for name, command in reporting.items():
        fmt = _option(command, "--format")
        assert {"text", "json"} <= set(_choices(fmt)), name
        assert fmt.opts == ["--format", "-f"] or set(fmt.opts) == {"--format", "-f"}, name
        if name in NO_OUTPUT_FILE:
            assert _option(command, "--output") is None
            continue
        output = _option(command, "--output")
        assert output is not None and "-o" in output.opts, f"{name} reports but has no -o/--output"


def test_rule_explains_one_code_or_lists_them_all_in_json(tmp_path):
    one = json.loads(run("rule", "cg031", "-f", "json").stdout)
    assert one["code"] == "CG031" and one["level"] == "error" and one["hint"]
    out = tmp_path / "rules.json"
    assert run("rule", "-f", "json", "-o", str(out)).exit_code == 0
    listed = json.loads(out.read_text())
    assert one in listed and [r["code"] for r in listed] == sorted(r["code"] for r in listed)
    unknown = run("rule", "CG999", "-f", "json")
    assert unknown.exit_code == 2 and unknown.stdout == "" and "CG999" in unknown.stderr


def test_the_format_choices_and_their_wording_are_shared():
    for name, command in COMMANDS.items():
        fmt = _option(command, "--format")
        if fmt is None:
            continue
        choices = _choices(fmt)
        assert set(choices) <= set(FORMAT_HELP), name
        assert choices == [f for f in FORMAT_HELP if f in choices], f"{name}: formats out of the shared order"
        assert fmt.help == "; ".join(f"{c}: {FORMAT_HELP[c]}" for c in choices) + ".", name
        if name in CI_REPORTERS:
            assert choices == list(REPORT_FORMATS), name


def run(*args: str, **kwargs):
    return runner.invoke(app, list(args), catch_exceptions=False, **kwargs)


def _bad_blueprint(path: Path) -> Path:
    shutil.copy(FIXTURES / "bad" / "CG021-invalid-rule-id.yaml", path)
    return path


SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "runs": {"type": "array", "minItems": 1, "items": {
            "type": "object",
            "required": ["tool", "results", "invocations"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {
                    "driver": {"type": "object", "required": ["name"], "properties": {
                        "rules": {"type": "array", "items": {"type": "object", "required": ["id"]}}}}}},
                "invocations": {"type": "array", "minItems": 1, "items": {
                    "type": "object", "required": ["executionSuccessful"],
                    "properties": {"executionSuccessful": {"type": "boolean"}}}},
                "results": {"type": "array", "items": {
                    "type": "object", "required": ["message", "ruleId", "locations"],
                    "properties": {
                        "message": {"type": "object", "required": ["text"]},
                        "level": {"enum": ["none", "note", "warning", "error"]},
                        "locations": {"type": "array", "items": {"type": "object", "properties": {
                            "physicalLocation": {"type": "object", "required": ["artifactLocation"], "properties": {
                                "artifactLocation": {"type": "object", "required": ["uri"]},
                                "region": {"type": "object", "required": ["startLine"], "properties": {
                                    "startLine": {"type": "integer", "minimum": 1},
                                    "startColumn": {"type": "integer", "minimum": 1}}}}}}}}}}},
            }}},
    },
}
"""The parts of the SARIF 2.1.0 schema code scanning relies on (no copy of the full schema is installed)."""

URI_REFERENCE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*:)?[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$")
"""RFC 3986 characters of a uri-reference without query or fragment: a space or `#` must be percent-encoded."""


def _valid_sarif(text: str) -> dict:
    doc = json.loads(text)
    jsonschema.validate(doc, SARIF_SUBSET)
    for result in doc["runs"][0]["results"]:
        for location in result["locations"]:
            uri = location["physicalLocation"]["artifactLocation"]["uri"]
            assert URI_REFERENCE.match(uri), uri
            assert re.fullmatch(r"([^%]|%[0-9A-F]{2})*", uri), uri
    return doc


def test_sarif_uris_are_percent_encoded_and_repository_relative(tmp_path):
    folder = tmp_path / "policies dir"
    folder.mkdir()
    _bad_blueprint(folder / "a #1.yaml")
    os.chdir(folder)  # the repository root (tmp_path, with .git) is above: uris are relative to it, not to here
    result = run("lint", "a #1.yaml", "-f", "sarif")
    assert result.exit_code == 1
    doc = _valid_sarif(result.stdout)
    location = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "policies%20dir/a%20%231.yaml", "uriBaseId": "%SRCROOT%"}
    assert doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    assert doc["runs"][0]["invocations"][0] == {"executionSuccessful": True, "exitCode": 1}
    github = run("lint", "a #1.yaml", "-f", "github").stdout.splitlines()[0]
    assert github.startswith("::error file=policies dir/a #1.yaml,line=6,col=7,")


def test_sarif_for_stdin_names_no_file_and_github_marks_none():
    text = (FIXTURES / "bad" / "CG021-invalid-rule-id.yaml").read_text()
    doc = _valid_sarif(run("lint", "-", "-f", "sarif", input=text).stdout)
    location = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uri"] == "stdin" and "standard input" in location["description"]["text"]
    line = run("lint", "-", "-f", "github", input=text).stdout.splitlines()[0]
    assert line.startswith("::error title=CG021") and "file=" not in line and "::stdin: " in line


def test_a_missing_path_is_named_on_stderr_and_sarif_says_the_run_did_not_succeed(tmp_path):
    result = run("lint", "nothere/", "--format", "sarif", "-o", "x.sarif")
    assert result.exit_code == 2
    assert "nothere" in result.stderr and "not found" in result.stderr
    doc = _valid_sarif((tmp_path / "x.sarif").read_text())
    invocation = doc["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 2
    assert "nothere" in invocation["toolExecutionNotifications"][0]["message"]["text"]


def test_junit_lists_every_failure(tmp_path):
    bad = sorted((FIXTURES / "bad").glob("CG0[2-5]*.yaml"))
    for path in bad:
        shutil.copy(path, tmp_path / path.name)
    report = json.loads(run("lint", ".", "-f", "json").stdout)
    errors = sum(1 for f in report["findings"] if f["level"] == "error")
    suites = ET.fromstring(run("lint", ".", "-f", "junit").stdout.encode())
    failures = suites.findall(".//testcase/failure")
    assert errors > 10 and len(failures) == errors == int(suites.get("failures"))
    assert not any("more" in (f.get("message") or "") for f in failures)


def test_output_file_holds_what_stdout_would_and_dash_is_stdout(tmp_path):
    _bad_blueprint(tmp_path / "bp.yaml")
    shown = run("lint", "bp.yaml", "-f", "json")
    written = run("lint", "bp.yaml", "-f", "json", "-o", "report.json")
    assert written.stdout == "" and (tmp_path / "report.json").read_text() == shown.stdout
    assert run("lint", "bp.yaml", "-f", "json", "-o", "-").stdout == shown.stdout
    listed = run("policies", "list", "-o", "rules.txt")
    assert listed.exit_code == 0 and "RULE ID" in (tmp_path / "rules.txt").read_text()
    store = str(tmp_path / "asks.sqlite3")
    pending = run("approvals", "list", "--store", store, "-f", "json", "-o", "asks.json")
    assert pending.stdout == "" and json.loads((tmp_path / "asks.json").read_text())["requests"] == []
    (tmp_path / "kept.json").write_text("old report\n")
    failed = run("approvals", "show", "ap-nothere", "--store", store, "-o", "kept.json")
    assert failed.exit_code == 1 and (tmp_path / "kept.json").read_text() == "old report\n"


@pytest.mark.parametrize("env, coloured", [
    ({}, False),
    ({"FORCE_COLOR": "1"}, True),
    ({"FORCE_COLOR": "0"}, False),
    ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
    ({"NO_COLOR": ""}, False),
])
def test_colour_follows_force_color_and_no_color(tmp_path, monkeypatch, env, coloured):
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    _bad_blueprint(tmp_path / "bp.yaml")
    assert ("\x1b[" in run("lint", "bp.yaml").stdout) is coloured
    run("lint", "bp.yaml", "-o", "report.txt")
    assert "\x1b[" not in (tmp_path / "report.txt").read_text()


def test_coverage_failure_is_named_in_the_last_line_and_in_junit():
    tests = REPO / "fixtures" / "policy-tests" / "agent.tests.yaml"
    result = run("test", str(tests), "--no-wasm", "--min-coverage", "100")
    assert result.exit_code == 1
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("FAIL: ") and "0 failed" in last
    assert "coverage" in last and "below the minimum 100%" in last and "lockfile_edit" in last
    suites = ET.fromstring(run("test", str(tests), "--no-wasm", "--min-coverage", "100", "-f", "junit").stdout.encode())
    assert int(suites.find("testsuite[@name='coverage']").get("failures")) == 1


def _closed_pipe(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run the installed command with stdout a pipe whose reader has already gone."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run([sys.executable, "-m", "toolkit", *args], stdout=write, stderr=subprocess.PIPE,
                              cwd=cwd, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    finally:
        os.close(write)


@pytest.mark.parametrize("args, usual", [
    (["lint", str(FIXTURES / "good")], 0),
    (["lint", str(FIXTURES / "bad")], 2),
    (["rule"], 0),
])
def test_a_closed_pipe_ends_quietly_with_the_usual_exit_code(tmp_path, args, usual):
    done = _closed_pipe(args, tmp_path)
    assert done.returncode == usual
    assert done.stderr == b""


def test_head_reads_one_line_and_the_command_ends_quietly(tmp_path):
    shell = f"{sys.executable} -m toolkit lint {FIXTURES / 'bad'} | head -1; echo \"status ${{PIPESTATUS[0]}}\""
    done = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, cwd=tmp_path, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and "CG001" in lines[0] and lines[1] == "status 2"
    assert done.stderr == ""


SYNC = REPO / "fixtures" / "sync"


def test_dash_reads_stdin_wherever_a_file_is_read():
    mirror = (SYNC / "types" / "mirror_optional.ts").read_text()
    synced = run("sync", "types", "--canonical", str(SYNC / "types" / "canonical.ts"), "--mirror", "-",
                 "-f", "json", input=mirror)
    assert synced.exit_code == 1
    assert {f["path"] for f in json.loads(synced.stdout)["findings"]} == {"-"}
    tests = REPO / "fixtures" / "policy-tests"
    os.chdir(tests)  # a test file's blueprint: is relative to the working directory when it comes from stdin
    tested = run("test", "-", "--no-wasm", input=(tests / "agent.tests.yaml").read_text())
    assert tested.exit_code == 0 and tested.stdout.strip().endswith("PASS: 4 test(s), 0 failed")
    blueprint = (tests / "agent.yaml").read_text()
    decided = run("eval", "-t", "Bash", "-i", '{"command": "npm publish"}', "-b", "-", "-f", "json", input=blueprint)
    assert json.loads(decided.stdout)["decision"]["outcome"] == "require_approval"


def test_a_stdin_blueprint_is_never_served_from_the_bundle_cache():
    """The cache keys on file contents; stdin has no file, so every `-b -` is compiled afresh."""
    blueprint = (REPO / "fixtures" / "policy-tests" / "agent.yaml").read_text()
    call = ("eval", "-t", "Bash", "-i", '{"command": "npm publish"}', "-b", "-", "-f", "json")
    assert json.loads(run(*call, input=blueprint).stdout)["decision"]["outcome"] == "require_approval"
    empty = "security:\n  cedarPolicies: {}\n"
    assert json.loads(run(*call, input=empty).stdout)["decision"]["outcome"] == "allow"


def test_stdin_that_is_a_directory_stops_python_before_the_tool_as_docs_cli_says(tmp_path):
    """Python refuses it while starting up (init_sys_streams), before any code of ours can run; docs/cli.md
    says so rather than claiming the tool refuses it. If Python ever lets it through, this test shows it."""
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        proc = subprocess.run([sys.executable, "-m", "toolkit", "lint", "-"], stdin=fd, capture_output=True,
                              text=True, timeout=60)
    finally:
        os.close(fd)
    assert proc.returncode == 1 and "<stdin> is a directory, cannot continue" in proc.stderr
    assert "<stdin> is a directory, cannot continue" in (REPO / "docs" / "cli.md").read_text(encoding="utf-8")


def test_two_options_cannot_both_read_stdin():
    assert run("eval", "-t", "Bash", "-i", "-", "-b", "-", input="{}").exit_code == 64
    both = run("sync", "types", "--canonical", "-", "--mirror", "-", input="")
    assert both.exit_code == 2 and "both read stdin" in both.stderr


def test_check_reports_every_gate_in_each_ci_format(tmp_path):
    (tmp_path / "blueprints").mkdir()
    _bad_blueprint(tmp_path / "blueprints" / "agent.yaml")
    doc = _valid_sarif(run("check", "-f", "sarif").stdout)
    assert "CG021" in {r["ruleId"] for r in doc["runs"][0]["results"]}
    assert doc["runs"][0]["invocations"][0]["exitCode"] == 1
    suites = ET.fromstring(run("check", "-f", "junit").stdout.encode())
    assert {"lint", "parity"} <= {s.get("name") for s in suites.findall("testsuite")}
    assert int(suites.get("failures")) >= 1
    annotations = run("check", "-f", "github").stdout.splitlines()
    assert any(line.startswith("::error file=blueprints/agent.yaml,line=6,") for line in annotations)
    assert annotations[-1].startswith("cedar-gates check: lint FAIL")
    text = run("check", "-o", "check.txt")
    assert text.stdout == "" and "cedar-gates check" in (tmp_path / "check.txt").read_text()


NAMES = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"), min_size=1, max_size=20)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(folder=NAMES, name=NAMES)
def test_any_file_name_gives_a_valid_sarif_uri_naming_the_same_file(tmp_path, folder, name):
    from urllib.parse import unquote

    from toolkit.report.paths import annotation_path, artifact_location

    if folder in (".", "..") or name in (".", ".."):
        return
    location = artifact_location(f"{folder}/{name}", tmp_path, cwd=tmp_path)
    assert URI_REFERENCE.match(location["uri"]) and location["uriBaseId"] == "%SRCROOT%"
    assert unquote(location["uri"]) == f"{folder}/{name}" == annotation_path(f"{folder}/{name}", tmp_path, tmp_path)


@settings(max_examples=200, deadline=None)
@given(messages=st.lists(st.text(max_size=40), min_size=1, max_size=8))
def test_junit_counts_every_failure_whatever_the_messages_hold(messages):
    from toolkit.report import Case, junit

    cases = [Case("s", "c", f"case {i}", failure=m if i % 2 == 0 else None) for i, m in enumerate(messages)]
    root = ET.fromstring(junit.render(cases, "suite").encode())
    expected = sum(1 for c in cases if c.failure is not None)
    assert int(root.get("failures")) == len(root.findall(".//failure")) == expected
    assert int(root.get("tests")) == len(messages)


@settings(max_examples=200, deadline=None)
@given(message=st.text(max_size=60), path=NAMES)
def test_a_github_annotation_is_one_line_whatever_the_message(message, path):
    from toolkit.report import Issue, github

    line = github.annotation(Issue("X1", "error", path, 3, 1, message, "t,i:t"), Path("/repo"))
    assert "\n" not in line and "\r" not in line and line.startswith("::error file=")


def test_check_says_which_coverage_failed_not_only_how_many_tests(tmp_path):
    (tmp_path / "blueprints").mkdir()
    for name in ("agent.yaml", "agent.tests.yaml"):
        shutil.copy(REPO / "fixtures" / "policy-tests" / name, tmp_path / "blueprints" / name)
    (tmp_path / "cedar-gates.toml").write_text("[test]\nmin-coverage = 100\n")
    result = run("check")
    assert result.exit_code == 1
    line = next(x for x in result.stdout.splitlines() if x.strip().startswith("test "))
    assert "FAIL" in line and "0 failed" in line and "below the minimum 100%" in line and "lockfile_edit" in line


def test_hook_install_refuses_stdin_for_what_the_hook_would_read_later(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    result = run("hook", "install", "claude-code", "--blueprint", "-")
    assert result.exit_code == 2 and "event on stdin" in result.stderr
    assert not (tmp_path / ".claude").exists()
