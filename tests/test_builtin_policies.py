"""The built-in tiers decide real requests the way docs/builtin-rules.md says (evaluated by cedarpy)."""

from __future__ import annotations

import cedarpy
import pytest

from toolkit.resources import builtin_policies_dir

HARD = (builtin_policies_dir() / "hard_deny.cedar").read_text()
SOFT = (builtin_policies_dir() / "soft_deny.cedar").read_text()
ANNOTATIONS = {}
for text in (HARD, SOFT):
    import json

    for pid, body in json.loads(cedarpy.policies_to_json_str(text))["staticPolicies"].items():
        ANNOTATIONS.setdefault(text, {})[pid] = body["annotations"].get("rule_id")


def matches(text: str, action: str, resource: tuple[str, str], **context) -> set[str]:
    ctx = {"task_type": "new_task", "repo": "acme/app", "read_only": False, **context}
    request = {
        "principal": {"type": "Agent::TaskAgent", "id": "new_task"},
        "action": {"type": "Agent::Action", "id": action},
        "resource": {"type": resource[0], "id": resource[1]},
        "context": ctx,
    }
    result = cedarpy.is_authorized(request, text, [])
    assert not result.diagnostics.errors, result.diagnostics.errors
    if result.allowed:
        return set()
    return {ANNOTATIONS[text][pid] for pid in result.diagnostics.reasons}


def bash(text: str, command: str) -> set[str]:
    return matches(text, "execute_bash", ("Agent::BashCommand", "command"), command=command)


def write(text: str, path: str, read_only: bool = False) -> set[str]:
    return matches(text, "write_file", ("Agent::File", "file"), file_path=path, read_only=read_only)


@pytest.mark.parametrize(
    "command",
    ["rm -fr /", "rm -rf /", "sudo rm -rf /", "rm -rf / --no-preserve-root", "rm -Rf /*", "cd x && rm -rf /",
     "rm --recursive --force /", "rm -r -f /", "echo hi; rm -rf /"],
)
def test_rm_slash_fires_on_recursive_removal_of_root(command):
    assert "rm_slash" in bash(HARD, command)


@pytest.mark.parametrize(
    "command", ["rm -rf /tmp/build", "rm -rf ./build", "rm -rf build/", "rm -f /tmp/x", "ls -R /", "rm -rf /var/tmp/cache"]
)
def test_rm_slash_spares_paths_below_root(command):
    assert "rm_slash" not in bash(HARD, command)


@pytest.mark.parametrize(
    "command",
    ["psql -c 'DROP TABLE users'", "psql -c 'drop table users'", "psql -c 'Drop Table users'",
     "sqlite3 db 'dRoP tAbLe t'", "mysql -e 'DROP  TABLE x'"],
)
def test_drop_table_fires_in_any_letter_case(command):
    assert "drop_table" in bash(HARD, command)


def test_drop_table_ignores_unrelated_sql():
    assert bash(HARD, "psql -c 'SELECT * FROM users'") == set()


@pytest.mark.parametrize("path", [".env", ".env.local", ".env.production", "app/.env", "services/api/.env.staging"])
def test_write_env_files_covers_every_env_variant(path):
    assert "write_env_files" in write(SOFT, path)


@pytest.mark.parametrize("path", [".envrc", "src/environment.py", "docs/env.md"])
def test_write_env_files_spares_lookalikes(path):
    assert "write_env_files" not in write(SOFT, path)


@pytest.mark.parametrize("path", [".git/config", ".git/hooks/pre-commit", "vendor/lib/.git/HEAD", "/abs/repo/.git/index"])
def test_git_internals_are_hard_denied_at_any_depth(path):
    assert write(HARD, path) & {"write_git_internals", "write_git_internals_nested"}


def test_gitignore_is_not_git_internals():
    assert write(HARD, ".gitignore") == set()


def test_read_only_task_denies_any_write():
    assert write(HARD, "src/app.py", read_only=True) == {"read_only_forbid_write"}
    for tool in ("Edit", "MultiEdit", "NotebookEdit"):
        got = matches(HARD, "invoke_tool", ("Agent::Tool", tool), read_only=True)
        assert got == {"read_only_forbid_edit"}
    assert matches(HARD, "invoke_tool", ("Agent::Tool", "Read"), read_only=True) == set()


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("git push --force origin feature", {"force_push_any"}),
        ("git push -f", {"force_push_any"}),
        ("git push --force-with-lease origin feature", {"force_push_any"}),
        ("git push origin +feature", {"force_push_any"}),
        ("git  push   --force origin main", {"force_push_any", "force_push_main", "push_to_protected_branch"}),
        ("git push origin main", {"push_to_protected_branch"}),
        ("git push origin HEAD:master", {"push_to_protected_branch"}),
        ("git push origin feature", set()),
        ("git pull --force", set()),
    ],
)
def test_push_rules(command, expected):
    assert bash(SOFT, command) == expected


@pytest.mark.parametrize("path", ["deploy/credentials.json", "certs/server.pem", "home/.ssh/id_rsa", ".aws/config", ".npmrc"])
def test_write_credentials(path):
    assert "write_credentials" in write(SOFT, path)
