"""Per-task settings: what the platform fixes when a task starts."""

from __future__ import annotations

from dataclasses import field, fields
from typing import Any, Mapping

from toolkit.contract import Constants
from toolkit.errors import InputError
from toolkit.record import record
from toolkit.toolcall import GATE_KINDS, TaskFacts
from toolkit.shell.winpaths import is_absolute


class TaskSettingsError(InputError):
    """Task settings the engine refuses to start with."""


@record
class TaskSettings:
    """`None` means "the platform default": the blueprint's gate cap, else the contract's defaults."""

    task_type: str = "new_task"
    repo: str = ""
    read_only: bool = False
    approval_timeout_s: int | None = None
    initial_approvals: tuple[str, ...] = ()
    gate_cap: int | None = None
    max_lifetime_s: int | None = None
    write_tools: Mapping[str, str] = field(default_factory=dict)
    cwd: str | None = None
    """The task's working directory (absolute); relative paths in tool calls resolve against it."""
    gate_files: Mapping[str, str] = field(default_factory=dict)
    """The gate's own files: path (absolute or relative to `cwd`) -> kind ("config", "policy" or "state").

    A directory entry covers everything beneath it. Requests carry the kind as
    `gate_file` (write_file) and `gate_files` (run_command); the built-in rules
    deny writes to "config" and "state" and ask a human for "policy".
    """

    current_branch: str | None = None
    """The branch checked out in the task's repository (toolkit.shell.git.current_branch(cwd), read at the edge);
    a bare `git push` or `git push origin HEAD` pushes it. None when unknown (such a push names no branch)."""
    protected_branches: tuple[str, ...] | None = None
    """Branch patterns (`main`, `release/*`; shell-style) a push to which is gated; None: the defaults
    (main, master, prod, production, release/*). Requests carry the matches as `protected_refs`."""

    def facts(self) -> TaskFacts:
        extra = {} if self.protected_branches is None else {"protected_branches": tuple(self.protected_branches)}
        return TaskFacts(self.task_type, self.repo, self.read_only, self.cwd, tuple(sorted(self.gate_files.items())),
                         current_branch=self.current_branch or None, **extra)

    @classmethod
    def from_mapping(cls, data: object, where: str = "task settings") -> TaskSettings:
        """Build from JSON-like data, naming every wrong field at once."""
        if not isinstance(data, Mapping):
            raise TaskSettingsError(where, f"must be a JSON object, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        problems = [f"unknown field {key!r} (known: {', '.join(sorted(known))})" for key in data if key not in known]
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                continue
            problem = _field_problem(key, value)
            if problem:
                problems.append(f"{key}: {problem}")
            elif key == "initial_approvals":
                kwargs[key] = tuple(value)
            elif key in ("write_tools", "gate_files"):
                kwargs[key] = dict(value)
            elif key == "protected_branches":
                kwargs[key] = tuple(value) if value is not None else None
            else:
                kwargs[key] = value
        if problems:
            raise TaskSettingsError(where, "invalid task settings:\n  - " + "\n  - ".join(problems))
        return cls(**kwargs)

    def problems(self, constants: Constants) -> list[str]:
        """Range checks against the contract; the engine refuses to start while any remain."""
        out = []
        timeout = constants.approval_timeout_s
        if self.approval_timeout_s is not None and not timeout.min <= self.approval_timeout_s <= timeout.max:
            out.append(f"approval_timeout_s must lie in [{timeout.min}, {timeout.max}], got {self.approval_timeout_s}")
        cap = constants.approval_gate_cap
        if self.gate_cap is not None and not cap.min <= self.gate_cap <= cap.max:
            out.append(f"gate_cap must lie in [{cap.min}, {cap.max}], got {self.gate_cap}")
        if self.max_lifetime_s is not None and self.max_lifetime_s <= 0:
            out.append(f"max_lifetime_s must be positive, got {self.max_lifetime_s}")
        if len(self.initial_approvals) > constants.initial_approvals_max_entries:
            out.append(
                f"initial_approvals has {len(self.initial_approvals)} entries; "
                f"at most {constants.initial_approvals_max_entries} are allowed"
            )
        limit = constants.initial_approvals_max_entry_length
        for i, entry in enumerate(self.initial_approvals):
            if isinstance(entry, str) and len(entry) > limit:
                out.append(f"initial_approvals[{i}] is {len(entry)} characters long; at most {limit} are allowed")
        for path, kind in self.gate_files.items():
            if kind not in GATE_KINDS:
                out.append(f"gate_files[{path!r}] must be one of {', '.join(GATE_KINDS)}, got {kind!r}")
        return out


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _field_problem(key: str, value: object) -> str | None:
    if key in ("task_type",):
        return None if isinstance(value, str) and value else "must be a non-empty string"
    if key == "repo":
        return None if isinstance(value, str) else "must be a string"
    if key == "read_only":
        return None if isinstance(value, bool) else "must be true or false"
    if key in ("approval_timeout_s", "gate_cap", "max_lifetime_s"):
        return None if value is None or _is_int(value) else "must be an integer"
    if key == "initial_approvals":
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        return None if ok else "must be a list of scope strings"
    if key == "cwd":
        ok = value is None or isinstance(value, str) and is_absolute(value) and "\x00" not in value
        return None if ok else "must be an absolute path such as /workspace/repo or C:\\repo (or null when unknown)"
    if key == "write_tools":
        ok = isinstance(value, Mapping) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
        return None if ok else 'must map tool names to the input key holding the path, e.g. {"Patch": "path"}'
    if key == "current_branch":
        ok = value is None or isinstance(value, str) and "\x00" not in value and not value.isspace()
        return None if ok else "must be a branch name such as main (or null when unknown)"
    if key == "protected_branches":
        ok = value is None or isinstance(value, list) and all(isinstance(v, str) and v for v in value)
        return None if ok else 'must be a list of branch patterns, e.g. ["main", "release/*"]'
    if key == "gate_files":
        ok = isinstance(value, Mapping) and all(
            isinstance(k, str) and k and "\x00" not in k and v in GATE_KINDS for k, v in value.items())
        return None if ok else ('must map non-empty paths to a kind ("config", "policy" or "state"), '
                                'e.g. {".cedar-gates": "state"}')
    return None
