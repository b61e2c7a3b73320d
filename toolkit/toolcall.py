"""From one tool call to the Cedar requests that gate it (DESIGN §3).

Every applicable action is produced, so callers can evaluate all of them and merge
the matches instead of stopping at the first denying action.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

NAMESPACE = "Agent"
WRITE_PATH_KEYS: Mapping[str, str] = {
    "Write": "file_path",
    "Edit": "file_path",
    "MultiEdit": "file_path",
    "NotebookEdit": "notebook_path",
}


@dataclass(frozen=True)
class TaskFacts:
    """The per-task context every request carries."""

    task_type: str = "new_task"
    repo: str = ""
    read_only: bool = False

    def context(self) -> dict[str, Any]:
        return {"task_type": self.task_type, "repo": self.repo, "read_only": self.read_only}


def uid(kind: str, ident: str) -> dict[str, str]:
    return {"type": f"{NAMESPACE}::{kind}", "id": ident}


def requests_for(
    tool_name: str,
    tool_input: Mapping[str, Any],
    task: TaskFacts,
    write_tools: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """`invoke_tool` always; `write_file` per target path; `execute_bash` for a non-empty command.

    `write_tools` maps extra file-writing tool names to the input key holding the path.
    """
    principal = uid("TaskAgent", task.task_type)
    base = task.context()
    requests = [
        {"principal": principal, "action": uid("Action", "invoke_tool"), "resource": uid("Tool", tool_name),
         "context": dict(base)}
    ]
    path_key = {**WRITE_PATH_KEYS, **(write_tools or {})}.get(tool_name)
    path = tool_input.get(path_key) if path_key else None
    if isinstance(path, str) and path:
        requests.append(
            {"principal": principal, "action": uid("Action", "write_file"), "resource": uid("File", "file"),
             "context": {**base, "file_path": path}}
        )
    command = tool_input.get("command") if tool_name == "Bash" else None
    if isinstance(command, str) and command.strip():
        requests.append(
            {"principal": principal, "action": uid("Action", "execute_bash"), "resource": uid("BashCommand", "command"),
             "context": {**base, "command": command}}
        )
    return requests
