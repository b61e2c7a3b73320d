"""Gate soundness: shell rewriting cannot walk past the built-in rules, and benign look-alikes stay allowed.

The bypass corpus (fixtures/bypass/corpus.jsonl) is the pinned record of every
attack class; the property tests below check the same guarantees on generated
input.
"""

from __future__ import annotations

import shlex
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.engine import Gate, TaskSettings
from toolkit.engine import soundness as S
from toolkit.shell import ShellAnalyser
from toolkit.shell.paths import normalise
from toolkit.shell.programs import normalise_sql
from toolkit.toolcall import TaskFacts, requests_for

from .conftest import REPO

CORPUS = REPO / "fixtures" / "bypass" / "corpus.jsonl"
ENTRIES = list(S.read_corpus(CORPUS))
BENIGN_ASKED = {"benign-031"}  # cp .env.example .env.example.bak: `.env.*` files are asked for by design


@pytest.fixture(scope="module")
def tally(builtin_bundle):
    bundle, constants = builtin_bundle
    return S.run(bundle, constants, ENTRIES)


def test_corpus_is_large_and_covers_every_attack_class():
    classes = Counter(e.cls for e in ENTRIES)
    assert len(ENTRIES) >= 400
    for cls in ("rm_root_spelling", "argv0", "wrapper", "layout", "shell_wrapping", "variables", "find_delete",
                "bash_git_write", "file_tool_case", "bash_env_write", "bash_credential_write", "read_only_bash", "sql",
                "git_push", "dynamic", "benign", "benign_read_only", "benign_file_tool"):
        assert classes[cls] >= 5, cls


@pytest.mark.parametrize("cls", sorted({e.cls for e in ENTRIES if e.intent != "allow"}))
def test_every_attack_spelling_of_the_class_is_gated_as_intended(tally, cls):
    failures = [(v.entry.ident, v.verdict, v.decision.outcome, v.entry.tool_input)
                for v in tally.verdicts if v.entry.cls == cls and v.verdict != S.GATED]
    assert failures == []


def test_no_benign_near_miss_is_hard_denied_and_only_the_known_one_is_asked(tally):
    benign = [v for v in tally.verdicts if v.entry.intent == "allow"]
    assert [v.entry.ident for v in benign if v.verdict == S.FALSE_HARD_DENY] == []
    assert {v.entry.ident for v in benign if v.verdict == S.ASKED} == BENIGN_ASKED


def test_no_corpus_call_fails_closed(tally):
    assert tally.count(S.CRASH) == 0


def test_the_analysis_never_fails_internally_on_the_corpus():
    analyser = ShellAnalyser()
    failures = [(e.ident, analyser.analyse(e.tool_input["command"]).failure) for e in ENTRIES if e.tool == "Bash"]
    assert [f for f in failures if f[1] is not None] == []


def test_the_raw_execute_bash_request_is_kept_unchanged():
    requests = requests_for("Bash", {"command": "sudo  rm -rf /"}, TaskFacts())
    raw = [r for r in requests if r["action"]["id"] == "execute_bash"]
    assert raw[0]["context"]["command"] == "sudo  rm -rf /"
    assert {r["context"]["command"] for r in raw[1:]} == {"sudo rm -rf /", "rm -rf /"}


def test_run_command_context_carries_the_structured_attributes():
    requests = requests_for("Bash", {"command": "git -C app push -fu origin HEAD:refs/heads/release/2.1"}, TaskFacts())
    ctx = next(r["context"] for r in requests if r["action"]["id"] == "run_command")
    assert ctx["program"] == "git" and ctx["subcommand"] == "push"
    assert {"-f", "-u", "-C"} <= set(ctx["flags"])
    assert ctx["refs"] == ["release/*", "release/2.1"] and ctx["forced_refs"] == []
    assert ctx["command"] == "git -C app push -fu origin HEAD:refs/heads/release/2.1"
    assert ctx["dynamic"] is False


def test_existing_command_policies_also_see_each_canonical_simple_command(tmp_path):
    blueprint = tmp_path / "b.yaml"
    blueprint.write_text(
        "security:\n  cedarPolicies:\n    soft: |\n      @tier(\"soft\")\n      @rule_id(\"npm_publish\")\n"
        "      forbid (principal, action == Agent::Action::\"execute_bash\", resource)\n"
        "      when { context.command like \"npm publish*\" };\n"
    )
    gate = Gate.from_blueprint(blueprint)
    assert gate.evaluate("Bash", {"command": "bash -c 'npm  publish --tag next'"}).soft_rule_ids == ("npm_publish",)
    assert gate.evaluate("Bash", {"command": "npm test"}).outcome == "allow"


def test_unparseable_command_keeps_the_raw_request_and_is_asked(builtin_bundle):
    bundle, constants = builtin_bundle
    decision = Gate(bundle, constants).evaluate("Bash", {"command": "ls ) ("})
    assert decision.outcome == "require_approval" and "dynamic_command" in decision.soft_rule_ids


def test_parse_failure_inside_the_analyser_is_gated_not_raised(builtin_bundle, monkeypatch):
    bundle, constants = builtin_bundle
    analyser = ShellAnalyser()
    monkeypatch.setattr("toolkit.shell.parse._Walker.command", lambda *a, **k: 1 / 0)
    decision = Gate(bundle, constants, analyser=analyser).evaluate("Bash", {"command": "git status"})
    assert decision.outcome == "require_approval" and not decision.fail_closed


def test_nesting_beyond_the_depth_limit_is_asked(builtin_bundle):
    bundle, constants = builtin_bundle
    command = "ls"
    for _ in range(10):
        command = "bash -c " + shlex.quote(command)
    decision = Gate(bundle, constants).evaluate("Bash", {"command": command})
    assert decision.outcome == "require_approval"


def test_bash_pattern_grant_must_cover_commands_hidden_in_nested_shells(builtin_bundle):
    bundle, constants = builtin_bundle
    gate = Gate(bundle, constants, TaskSettings(initial_approvals=("bash_pattern:git push origin *",)))
    assert gate.evaluate("Bash", {"command": "git push origin main"}).outcome == "allow"
    hidden = gate.evaluate("Bash", {"command": "git push origin \"$(bash -c 'git push -f origin main')\""})
    assert hidden.outcome != "allow"


def test_task_working_directory_resolves_relative_paths():
    facts = TaskFacts(cwd="/work/repo")
    requests = requests_for("Write", {"file_path": "../other/.env"}, facts)
    assert requests[1]["context"]["file_path"] == "/work/other/.env"
    requests = requests_for("Write", {"file_path": "src/./a//b.py"}, facts)
    assert requests[1]["context"]["file_path"] == "src/a/b.py"


def test_task_settings_refuse_a_relative_working_directory():
    from toolkit.engine import TaskSettingsError

    with pytest.raises(TaskSettingsError, match="absolute path"):
        TaskSettings.from_mapping({"cwd": "repo"})


@pytest.mark.parametrize(("sql", "fires"), [
    ("COMMENT ON TABLE x IS 'drop table later'", False),
    ("INSERT INTO t VALUES ('drop table')", False),
    ("DO $$ BEGIN EXECUTE 'DROP TABLE x'; END $$", True),
    ("EXEC('DROP TABLE x')", True),
    ("SELECT 'a\\' ; DROP TABLE x; --'", True),
    ("drop/**/table x", True),
])
def test_sql_literals_hide_nothing_that_executes(sql, fires):
    assert ("drop table" in normalise_sql(sql)) is fires


DANGEROUS = ["rm -rf /", "find / -delete", "psql -c 'DROP TABLE users'", "echo x > .git/config"]
PREFIXES = st.sampled_from([
    lambda c: f"sudo {c}", lambda c: f"env {c}", lambda c: f"nohup {c}", lambda c: f"timeout 5 {c}",
    lambda c: f"command {c}", lambda c: f"nice -n 5 {c}", lambda c: f"bash -c {shlex.quote(c)}",
])
WRAPPINGS = st.sampled_from([
    lambda c: f"bash -c {shlex.quote(c)}", lambda c: f"sh -c {shlex.quote(c)}", lambda c: f"eval {shlex.quote(c)}",
    lambda c: f"echo $( {c} )", lambda c: f"( {c} )", lambda c: f"{{ {c}; }}", lambda c: f"true && {c}",
    lambda c: f"false || {c}", lambda c: f"ls | {c}", lambda c: f"{c} &", lambda c: f"\n\t{c}\n",
    lambda c: f"if true; then {c}; fi", lambda c: f"{c} 2>/dev/null",
])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(DANGEROUS), st.lists(PREFIXES, max_size=3), st.booleans(),
       st.lists(WRAPPINGS, min_size=1, max_size=3))
def test_property_wrapping_a_hard_denied_command_never_lifts_the_deny(builtin_bundle, command, prefixes, assign,
                                                                       wrappings):
    bundle, constants = builtin_bundle
    assignment = [lambda c: f"X=1 {c}"] if assign else []
    for wrap in [*prefixes, *assignment, *wrappings]:
        command = wrap(command)
    decision = Gate(bundle, constants).evaluate("Bash", {"command": command})
    assert decision.outcome == "deny" and decision.hard_rule_ids and not decision.fail_closed, command


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_property_analysis_never_raises_or_fails_on_any_text(text):
    analysis = ShellAnalyser().analyse(text)
    assert all(isinstance(c.program, str) for c in analysis.commands)
    assert analysis.failure is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list("rm -f/.;|&$(){}'\"\\`<>\n\t*~=abcgit")), max_size=80))
def test_property_any_shell_soup_is_decided_and_never_crashes(builtin_bundle, command):
    bundle, constants = builtin_bundle
    decision = Gate(bundle, constants).evaluate("Bash", {"command": command})
    assert decision.outcome in ("allow", "deny", "require_approval")
    assert not decision.fail_closed, (command, decision.reason)


@given(st.lists(st.sampled_from(["a", "b", ".", "..", "", "*", ".git", "~"]), max_size=8), st.booleans())
def test_property_normalised_paths_have_no_dot_segments_and_are_stable(parts, absolute):
    path = ("/" if absolute else "") + "/".join(parts)
    norm = normalise(path)
    segments = norm.split("/")
    assert ".." not in segments and ("." not in segments or norm == ".")
    assert "" not in segments[1:] or norm == "/"
    assert normalise(norm) == norm
