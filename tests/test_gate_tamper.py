"""The agent cannot switch the gate off: settings, state, configuration, nested agents, uninstalling.

Calls go through the public engine (`Gate.evaluate`) with the built-in tiers,
and through `requests_for` where the vocabulary itself (`gate_file`,
`gate_files`) is the subject. docs/builtin-rules.md ("Tamper protection")
describes what the rules catch and what stays out of reach.
"""

from __future__ import annotations

import dataclasses

import pytest

from toolkit.engine import Gate, TaskSettings, TaskSettingsError
from toolkit.toolcall import TaskFacts, requests_for

GATES = {"conf/gates.toml": "config", "/srv/gate/state": "state", "security": "policy"}


def decide(bundle, tool: str, tool_input: dict, **task):
    gate = Gate(*bundle, TaskSettings.from_mapping(task))
    return gate.evaluate(tool, tool_input)


def bash(bundle, command: str, **task):
    return decide(bundle, "Bash", {"command": command}, **task)


def hard(decision) -> set[str]:
    assert not decision.fail_closed, decision.reason
    return set(decision.hard_rule_ids) if decision.outcome == "deny" else set()


def contexts(tool: str, tool_input: dict, action: str, **facts) -> list[dict]:
    return [r["context"] for r in requests_for(tool, tool_input, TaskFacts(**facts)) if r["action"]["id"] == action]


# --- protect_agent_settings -------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    ".claude/settings.json", ".claude/settings.local.json", ".CLAUDE/Settings.Local.JSON", "apps/web/.claude/settings.json",
    "./.claude//settings.json", "src/../.claude/settings.json", "~/.claude/settings.json", "/root/.claude/settings.json",
    "/home/dev/.claude/settings.json", "/Users/dev/.claude/settings.local.json", "/etc/claude-code/managed-settings.json",
    "/Library/Application Support/ClaudeCode/managed-settings.json",
    "C:\\ProgramData\\ClaudeCode\\managed-settings.json", "C:\\Users\\dev\\.claude\\settings.json",
])
@pytest.mark.parametrize("tool", ["Write", "Edit", "MultiEdit"])
def test_every_file_tool_is_denied_claude_settings(builtin_bundle, tool, path):
    assert "protect_agent_settings" in hard(decide(builtin_bundle, tool, {"file_path": path, "content": "{}"}))


def test_notebook_edit_of_a_settings_path_is_denied_too(builtin_bundle):
    decision = decide(builtin_bundle, "NotebookEdit", {"notebook_path": ".claude/settings.json", "new_source": ""})
    assert "protect_agent_settings" in hard(decision)


@pytest.mark.parametrize("command", [
    "echo '{\"disableAllHooks\": true}' > .claude/settings.json", "tee -a .claude/settings.local.json < x",
    "cp evil.json ~/.claude/settings.json", "mv .claude/settings.json /tmp/", "rm -f .claude/settings.json",
    "ln -sf /tmp/evil.json .claude/settings.json", "sed -i 's/PreToolUse/Nothing/' .claude/settings.json",
    "jq . s.json | sponge $HOME/.claude/settings.json", "yq -i 'del(.hooks)' .claude/settings.json",
    "rm -rf .claude", "mv .claude .claude.off", "sudo rm -rf /home/dev/.claude",
    "bash -c \"echo {} > .claude/settings.json\"", "cd .claude && rm settings.json",
    "env X=1 cp a /etc/claude-code/managed-settings.json",
])
def test_bash_writes_moves_and_deletes_of_claude_settings_are_denied(builtin_bundle, command):
    assert "protect_agent_settings" in hard(bash(builtin_bundle, command))


@pytest.mark.parametrize("command", [
    "cat .claude/settings.json", "jq .hooks ~/.claude/settings.json", "cp .claude/settings.json /tmp/review.json",
    "echo notes > docs/claude-settings.md", "mkdir -p .claude/commands", "echo x > .claude/agents/reviewer.md",
    "git diff -- .claude/settings.json", "ls -la ~/.claude",
])
def test_reading_claude_settings_and_look_alikes_stay_allowed(builtin_bundle, command):
    assert bash(builtin_bundle, command).outcome == "allow"


# --- protect_gate_state / protect_gate_state_db --------------------------------------------------------------

@pytest.mark.parametrize("command", [
    "rm -rf .cedar-gates", "rm .cedar-gates/hook-state.sqlite3-wal", "mv .cedar-gates /tmp/", "echo > .cedar-gates/hook.log",
    "cp /dev/null .CEDAR-GATES/hook-state.sqlite3", "tee .cedar-gates/hook.log < /dev/null", "ln -sf /dev/null .cedar-gates/hook.log",
    "sudo rm -r deep/dir/.cedar-gates",
])
def test_the_state_directory_cannot_be_written_moved_or_deleted(builtin_bundle, command):
    assert "protect_gate_state" in hard(bash(builtin_bundle, command))


@pytest.mark.parametrize("command", [
    "sqlite3 .cedar-gates/hook-state.sqlite3 'DELETE FROM decisions'", "sqlite3 .cedar-gates/hook-state.sqlite3 .dump",
    "sqlite3 -readonly .cedar-gates/hook-state.sqlite3 'select 1'", "echo 'delete from t;' | sqlite3 .cedar-gates/hook-state.sqlite3",
    "sqlite3 'file:.cedar-gates/hook-state.sqlite3?mode=rw' 'delete from t'", "cd .cedar-gates && sqlite3 hook-state.sqlite3",
    "sudo -u root litecli .cedar-gates/hook-state.sqlite3", "find .cedar-gates -type f -delete",
])
def test_an_sqlite_client_on_the_state_database_is_denied_whatever_the_sql(builtin_bundle, command):
    assert "protect_gate_state_db" in hard(bash(builtin_bundle, command))


@pytest.mark.parametrize("command", [
    "cat .cedar-gates/hook.log", "tail -n 5 .cedar-gates/hook.log > build/last.txt", "ls .cedar-gates",
    "sqlite3 app.db 'DELETE FROM sessions'", "find .cedar-gates -name '*.log'", "echo x > docs/cedar-gates/usage.md",
])
def test_reading_the_state_and_other_databases_stay_allowed(builtin_bundle, command):
    assert bash(builtin_bundle, command).outcome == "allow"


# --- protect_gate_config ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    ("Write", {"file_path": "cedar-gates.toml", "content": "x"}),
    ("Edit", {"file_path": "ops/Cedar-Gates.TOML", "old_string": "a", "new_string": "b"}),
    ("Bash", {"command": "sed -i s/hard/soft/ cedar-gates.toml"}),
    ("Bash", {"command": "rm cedar-gates.toml"}),
])
def test_the_default_config_file_cannot_be_changed(builtin_bundle, call):
    assert "protect_gate_config" in hard(decide(builtin_bundle, *call))


def test_pyproject_is_gated_only_when_listed_as_config(builtin_bundle):
    edit = {"file_path": "pyproject.toml", "old_string": "a", "new_string": "b"}
    assert decide(builtin_bundle, "Edit", edit).outcome == "allow"
    listed = decide(builtin_bundle, "Edit", edit, gate_files={"pyproject.toml": "config"})
    assert hard(listed) == {"protect_gate_config"}


# --- configured gate files: the vocabulary ---------------------------------------------------------------------

def test_gate_file_names_the_kind_of_each_write_and_empty_otherwise():
    facts = {"gate_files": tuple(GATES.items())}
    kind = {path: contexts("Write", {"file_path": path, "content": "x"}, "write_file", **facts)[0]["gate_file"]
            for path in ("conf/gates.toml", "./conf//GATES.toml", "/srv/gate/state", "/srv/gate/state/db.sqlite3",
                         "security/blueprint.yaml", "security", "securityx/a", "conf/gates.toml.bak", "src/app.py",
                         ".cedar-gates/hook.log", "x/cedar-gates.toml")}
    assert kind == {"conf/gates.toml": "config", "./conf//GATES.toml": "config", "/srv/gate/state": "state",
                    "/srv/gate/state/db.sqlite3": "state", "security/blueprint.yaml": "policy", "security": "policy",
                    "securityx/a": "", "conf/gates.toml.bak": "", "src/app.py": "", ".cedar-gates/hook.log": "state",
                    "x/cedar-gates.toml": "config"}


def test_relative_and_absolute_spellings_meet_through_the_task_cwd():
    facts = {"cwd": "/work/repo", "gate_files": (("/work/repo/conf/gates.toml", "config"), ("policies", "policy"))}
    writes = contexts("Bash", {"command": "echo x > conf/gates.toml; cp a /work/repo/policies/p.cedar; cd conf && rm gates.toml"},
                      "write_file", **facts)
    assert {(c["file_path"], c["gate_file"]) for c in writes} == {
        ("conf/gates.toml", "config"), ("/work/repo/policies/p.cedar", "policy"),
        ("/work/repo/policies/p.cedar/a", "policy")}  # cp into a directory named p.cedar writes p.cedar/a


def test_gate_files_lists_the_kinds_of_a_commands_path_operands():
    facts = {"gate_files": tuple(GATES.items())}
    run = contexts("Bash", {"command": "sqlite3 /srv/gate/state/db.sqlite3 .dump; diff conf/gates.toml security/x.yaml; ls"},
                   "run_command", **facts)
    assert [c["gate_files"] for c in run] == [["state"], ["config", "policy"], []]


def test_configured_kinds_decide_the_tier(builtin_bundle):
    assert hard(bash(builtin_bundle, "rm -rf /srv/gate/state", gate_files=GATES)) == {"protect_gate_state"}
    assert hard(bash(builtin_bundle, "sqlite3 /srv/gate/state/db.sqlite3 .dump", gate_files=GATES)) == {
        "protect_gate_state_db"}
    assert hard(decide(builtin_bundle, "Write", {"file_path": "conf/gates.toml", "content": "x"},
                       gate_files=GATES)) == {"protect_gate_config"}
    policy = decide(builtin_bundle, "Edit", {"file_path": "security/blueprint.yaml", "old_string": "a", "new_string": "b"},
                    gate_files=GATES, approval_timeout_s=3600)
    assert policy.outcome == "require_approval" and policy.soft_rule_ids == ("gate_policy_edit",)
    assert policy.severity == "high" and policy.timeout_s == 600  # the rule's own timeout under a longer task default
    assert decide(builtin_bundle, "Write", {"file_path": "security-notes/a.md", "content": "x"},
                  gate_files=GATES).outcome == "allow"


def test_gate_policy_edit_can_be_pre_approved_by_rule_but_the_hard_tamper_rules_cannot(builtin_bundle):
    bundle, constants = builtin_bundle
    gate = Gate(bundle, constants, TaskSettings(gate_files=GATES, initial_approvals=("rule:gate_policy_edit",)))
    assert gate.evaluate("Write", {"file_path": "security/blueprint.yaml", "content": "x"}).outcome == "allow"
    for rule in ("protect_gate_config", "protect_gate_state", "protect_agent_settings", "gate_uninstall"):
        with pytest.raises(TaskSettingsError, match="hard rule"):
            Gate(bundle, constants, TaskSettings(initial_approvals=(f"rule:{rule}",)))


def test_task_settings_refuse_unknown_kinds_and_bad_paths():
    with pytest.raises(TaskSettingsError, match="gate_files"):
        TaskSettings.from_mapping({"gate_files": {"a": "secret"}})
    with pytest.raises(TaskSettingsError, match="gate_files"):
        TaskSettings.from_mapping({"gate_files": {"": "state"}})
    with pytest.raises(TaskSettingsError, match="gate_files"):
        TaskSettings.from_mapping({"gate_files": ["a"]})
    assert TaskSettings.from_mapping({"gate_files": GATES}).facts().gate_files == tuple(sorted(GATES.items()))


def test_settings_built_directly_with_a_bad_kind_are_refused_by_the_engine(builtin_bundle):
    bundle, constants = builtin_bundle
    assert TaskSettings(gate_files={"x": "bogus"}).problems(constants)
    assert not TaskSettings(gate_files=GATES).problems(constants)


# --- nested_agent_unguarded --------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    "claude --dangerously-skip-permissions", "claude -p go --allow-dangerously-skip-permissions",
    "claude --permission-mode bypassPermissions -p go", "claude --permission-mode=bypassPermissions", "claude --bare -p go",
    "claude --setting-sources user -p go", "claude --setting-sources=user,project -p go",
    "claude --settings '{\"disableAllHooks\": true}' -p go", "claude config set -g disableAllHooks true",
    "claude config set hooks '{}'", "npx -y @anthropic-ai/claude-code@latest --dangerously-skip-permissions",
    "npm exec -- @anthropic-ai/claude-code --bare", "pnpm dlx @anthropic-ai/claude-code --bare",
    "node node_modules/@anthropic-ai/claude-code/cli.js --dangerously-skip-permissions",
    "sudo env CI=1 claude --bare", "bash -c 'claude --dangerously-skip-permissions -p go'", "\\claude --bare",
    "C=claude; $C --bare",
])
def test_starting_an_agent_with_hooks_or_permissions_off_is_denied(builtin_bundle, command):
    assert "nested_agent_unguarded" in hard(bash(builtin_bundle, command))


@pytest.mark.parametrize("command", [
    "claude -p 'hello'", "claude -p 'summarise' --permission-mode plan", "claude --version", "claude config get hooks",
    "claude --setting-sources user,project,local -p go", "claude --setting-sources local,user,project -p go",
    "npm install -g @anthropic-ai/claude-code", "npx prettier --write src", "claude mcp list",
    "echo claude --dangerously-skip-permissions",
])
def test_normal_agent_runs_stay_allowed(builtin_bundle, command):
    assert bash(builtin_bundle, command).outcome == "allow"


# --- gate_uninstall -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    "cedar-gates hook uninstall claude-code", "cedar-gates hook uninstall claude-code --user",
    "/opt/venv/bin/cedar-gates hook uninstall claude-code", "python -m toolkit hook uninstall claude-code",
    "python3.12 -m toolkit hook uninstall claude-code", "uvx cedar-gates hook uninstall claude-code",
    "uv run cedar-gates hook uninstall claude-code", "sudo bash -c 'cedar-gates hook uninstall claude-code'",
])
def test_uninstalling_the_hook_is_denied(builtin_bundle, command):
    assert "gate_uninstall" in hard(bash(builtin_bundle, command))


@pytest.mark.parametrize("command", [
    "cedar-gates hook install claude-code", "cedar-gates check", "pip uninstall -y requests",
    "python -m toolkit lint blueprint.yaml", "echo cedar-gates hook uninstall",
])
def test_other_cedar_gates_commands_stay_allowed(builtin_bundle, command):
    assert bash(builtin_bundle, command).outcome == "allow"


# --- no scope lifts a hard tamper rule; the prefilter never hides one ----------------------------------------------

def test_no_scope_lifts_a_tamper_rule(builtin_bundle):
    bundle, constants = builtin_bundle
    settings = TaskSettings(initial_approvals=("tool_type:Bash", "bash_pattern:claude *", "bash_pattern:rm *"))
    gate = Gate(bundle, constants, settings)
    assert gate.evaluate("Bash", {"command": "claude --dangerously-skip-permissions"}).outcome == "deny"
    assert gate.evaluate("Bash", {"command": "rm -rf .cedar-gates"}).outcome == "deny"


def test_decisions_are_the_same_without_the_prefilter(builtin_bundle):
    bundle, constants = builtin_bundle
    unfiltered = dataclasses.replace(bundle, prefilter=None)
    calls = [("Bash", {"command": "sqlite3 /srv/gate/state/db .dump && claude --bare"}),
             ("Write", {"file_path": "security/x.yaml", "content": "x"}),
             ("Bash", {"command": "rm conf/gates.toml; cat .claude/settings.json"}),
             ("Write", {"file_path": "src/app.py", "content": "x"})]
    for tool, tool_input in calls:
        task = TaskSettings(gate_files=GATES)
        a = Gate(bundle, constants, task).evaluate(tool, tool_input)
        b = Gate(unfiltered, constants, task).evaluate(tool, tool_input)
        assert (a.outcome, a.hard_rule_ids, a.soft_rule_ids) == (b.outcome, b.hard_rule_ids, b.soft_rule_ids)
