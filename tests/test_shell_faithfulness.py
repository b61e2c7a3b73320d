"""Parser faithfulness (issue 21, class 1): the analysis rebuilds words as Bash and the kernel would.

Multi-line double-quoted strings keep their newlines, NUL cuts a word where
the kernel stops, `for` loops over literal words run their body per word, and
GNU long options are read however they are shortened. Checked through
ShellAnalyser().analyse and through the gate with the built-in tiers.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.engine import Gate
from toolkit.shell import ShellAnalyser
from toolkit.shell.longopts import complete_options
from toolkit.shell.options import OptionSpec, complete, expand_long
from toolkit.shell.words import braces, c_string

ANALYSER = ShellAnalyser()


def commands(text: str) -> list[tuple[str, tuple[str, ...], bool]]:
    return [(c.program, c.args, c.dynamic) for c in ANALYSER.analyse(text).commands]


@pytest.fixture(scope="module")
def gate(builtin_bundle):
    bundle, constants = builtin_bundle
    return lambda: Gate(bundle, constants)


# -- a. newlines inside double-quoted strings -----------------------------------------------------------------

@pytest.mark.parametrize("text", ['bash -c "echo hi\nrm -rf /"', 'ssh host "uptime\nrm -rf /"',
                                  'eval "true\nrm -rf /"', 'sh -c "if true; then\n  rm -rf /\nfi"'])
def test_a_newline_in_a_nested_string_separates_the_commands(text, gate):
    assert ("rm", ("-rf", "/"), False) in commands(text)
    decision = gate().evaluate("Bash", {"command": text})
    assert decision.outcome == "deny" and "rm_slash" in decision.hard_rule_ids


def test_a_multi_line_argument_keeps_its_lines():
    assert commands('git commit -m "subject\n\nbody line"') == [("git", ("commit", "-m", "subject\n\nbody line"), False)]
    assert commands('echo "a\n$(echo b)\nc"')[-1] == ("echo", ("a\nb\nc",), False)
    assert commands('echo "$"') == [("echo", ("$",), False)]


def test_heredoc_text_before_an_expansion_is_kept():
    assert ("rm", ("-rf", "/", "1"), False) in commands("X=1; bash <<EOF\nrm -rf / $X\nEOF")


def test_a_commit_message_from_a_quoted_heredoc_is_static(gate):
    text = "git commit -m \"$(cat <<'EOF'\nAdd tests\n\nCo-Authored-By: Claude <noreply@anthropic.com>\nEOF\n)\""
    analysis = ANALYSER.analyse(text)
    assert analysis.complete and not any(c.dynamic for c in analysis.commands)
    assert gate().evaluate("Bash", {"command": text}).outcome == "allow"


def test_a_command_that_cannot_be_read_still_asks(gate):
    for text in ('bash -c "$SCRIPT"', 'bash -c "echo \'unterminated\n"', "for x in $(ls); do rm -rf $x; done"):
        assert gate().evaluate("Bash", {"command": text}).outcome != "allow", text


SIMPLE = ["ls -la", "git status", "echo hello world", "make -j4", "cd build", "mkdir -p out/x", "rm -f out/a.o",
          "grep -rn TODO src", "cat README.md", "git diff --stat", "npm test", "touch out/.stamp", "wc -l src/app.py"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.sampled_from(SIMPLE), min_size=1, max_size=8),
       wrap=st.sampled_from(["{}", 'bash -c "{}"', 'sh -c "set -e\n{}"', 'ssh host "{}"', "bash -c '{}'",
                             "bash <<'EOF'\n{}\nEOF"]),
       indent=st.sampled_from(["", "  ", "\t"]))
def test_static_multi_line_scripts_are_complete_and_never_dynamic(lines, wrap, indent, gate):
    script = "\n".join(indent + line for line in lines)
    analysis = ANALYSER.analyse(wrap.format(script))
    assert analysis.complete and analysis.failure is None
    assert not any(c.dynamic for c in analysis.commands)
    found = [" ".join((c.program, *c.args)) for c in analysis.commands]
    for line in lines:
        assert line in found
    assert gate().evaluate("Bash", {"command": wrap.format(script)}).outcome == "allow"


# -- b. NUL, control characters, lone surrogates ----------------------------------------------------------------

def test_c_string_stops_at_nul():
    assert c_string("/\x00foo") == "/" and c_string("plain") == "plain" and c_string("\x00") == ""


@pytest.mark.parametrize("text", ['rm -rf "/\x00foo"', "rm -rf /\x00tmp", "rm -rf $'/\\x00tmp'", "r\x00m -rf /",
                                  "true\r\nrm -rf /"])
def test_nul_and_control_characters_do_not_hide_a_delete_of_root(text, gate):
    decision = gate().evaluate("Bash", {"command": text})
    assert decision.outcome == "deny" and "rm_slash" in decision.hard_rule_ids and not decision.fail_closed


def test_a_path_cut_at_nul_is_the_path_the_kernel_opens(gate):
    assert ("rm", ("-rf", "/"), False) in commands("rm -rf $'/\\x00tmp'")
    decision = gate().evaluate("Bash", {"command": "cp evil $'.git/config\\x00.bak'"})
    assert "write_git_internals" in decision.hard_rule_ids


def test_both_readings_of_a_raw_nul_are_walked():
    found = commands("r\x00m -rf /")
    assert ("rm", ("-rf", "/"), False) in found  # Bash drops NUL bytes from the script it reads
    assert any(c[0] == "r" for c in found)  # argv cut at the NUL


@pytest.mark.parametrize("text", ["echo \ud800", "rm -rf /\udfff /", "r\ud800m -rf /", "echo '\ud83d' && ls",
                                  "bash -c \"echo \ud800\nrm -rf /\""])
def test_lone_surrogates_neither_crash_nor_bypass(text, gate):
    analysis = ANALYSER.analyse(text)
    assert analysis.failure is None
    decision = gate().evaluate("Bash", {"command": text})
    assert not decision.fail_closed
    if "rm -rf /" in text.replace("\udfff ", ""):
        assert decision.outcome == "deny"


# -- c. for loops over literal words ----------------------------------------------------------------------------

def test_for_over_literal_words_runs_the_body_once_per_word():
    assert commands("for d in / /tmp; do rm -rf $d; done") == [("rm", ("-rf", "/"), False), ("rm", ("-rf", "/tmp"), False)]
    assert commands('R="a b"; for x in $R {1..2}; do echo "$x"; done') == [
        ("echo", (w,), False) for w in ("a", "b", "1", "2")]
    assert commands("for a in x y; do for b in 1; do echo $a$b; done; done") == [("echo", ("x1",), False),
                                                                                  ("echo", ("y1",), False)]


@pytest.mark.parametrize("text", ["for d in $(ls); do rm -rf $d; done", 'for d in "$@"; do rm -rf "$d"; done',
                                  "for d; do rm -rf $d; done", "for d in $UNSET; do rm -rf $d; done",
                                  "for i in {1..1000}; do rm -rf /tmp/$i; done"])
def test_for_over_a_list_that_is_not_literal_stays_dynamic(text, gate):
    assert any(p == "rm" and dyn for p, _, dyn in commands(text))
    assert gate().evaluate("Bash", {"command": text}).outcome == "require_approval"


def test_the_loop_variable_is_unknown_after_the_loop():
    assert commands("for d in /; do :; done; rm -rf $d")[-1] == ("rm", ("-rf", "$d"), True)


def test_brace_sequences_expand():
    assert braces("{1..3}") == ["1", "2", "3"]
    assert braces("a{01..10..4}") == ["a01", "a05", "a09"]
    assert braces("{c..a}") == ["c", "b", "a"]
    assert braces("{1..1000}") == ["{1..1000}"]


def test_for_denies_through_the_gate(gate):
    decision = gate().evaluate("Bash", {"command": "for d in /tmp /; do rm -rf \"$d\"; done"})
    assert decision.outcome == "deny" and "rm_slash" in decision.hard_rule_ids
    assert gate().evaluate("Bash", {"command": "for d in build dist; do rm -rf $d; done"}).outcome == "allow"


# -- d. GNU long-option abbreviations ---------------------------------------------------------------------------

def test_complete_takes_only_an_unambiguous_prefix():
    names = frozenset({"--recursive", "--reference", "--force", "--force-with-lease"})
    assert complete("--rec", names) == "--recursive"
    assert complete("--re", names) == "--re"
    assert complete("--force", names) == "--force"
    assert complete("--force-w", names) == "--force-with-lease"
    assert complete("--", names) == "--"


def test_values_and_operands_are_never_completed():
    names = frozenset({"--recursive"})
    assert expand_long(["-m", "--rec", "--", "--rec"], names, OptionSpec("m")) == ["-m", "--rec", "--", "--rec"]
    assert expand_long(["-x", "--rec", "--", "--rec"], names) == ["-x", "--recursive", "--", "--rec"]
    assert complete_options("git", ["commit", "-m", "--no-veri"]) == ("commit", "-m", "--no-veri")
    assert complete_options("git", ["commit", "--no-veri", "-m", "x"]) == ("commit", "--no-verify", "-m", "x")
    assert complete_options("sed", ["--in=.bak", "s/a/b/", "f"]) == ("--in-place=.bak", "s/a/b/", "f")
    assert complete_options("cp", ["--target-dir", "--rec", "x"]) == ("--target-directory", "--rec", "x")


@pytest.mark.parametrize("text,rule", [("rm --rec --forc /", "rm_slash"), ("rm -f --recur /", "rm_slash"),
                                       ("sudo --us root rm -rf /", "rm_slash"),
                                       ('env --split-str "rm -rf /"', "rm_slash"),
                                       ("timeout --sig KILL 5 rm -rf /", "rm_slash"),
                                       ("sed --in-pl s/a/b/ .git/config", "write_git_internals"),
                                       ('psql --comm "DROP TABLE x"', "drop_table")])
def test_abbreviated_options_are_read_in_full(text, rule, gate):
    decision = gate().evaluate("Bash", {"command": text})
    assert decision.outcome == "deny" and rule in decision.hard_rule_ids


def test_abbreviated_push_options_ask_and_ambiguous_ones_stay_as_written(gate):
    assert "force_push_any" in gate().evaluate("Bash", {"command": "git push --force-w origin x"}).soft_rule_ids
    assert gate().evaluate("Bash", {"command": "git push --mir backup"}).outcome == "require_approval"
    # git itself refuses `--forc` (ambiguous: --force, --force-with-lease, --force-if-includes)
    assert complete_options("git", ["push", "--forc"]) == ("push", "--forc")
    assert complete_options("chmod", ["--r", "644", "f"]) == ("--r", "644", "f")
