"""Which files are the gate's own for this call: the configuration and policies in use.

The built-in rules read them as `gate_files` (see docs/builtin-rules.md): the
configuration is a hard deny, the blueprint and tier files a soft rule, so an
agent can propose a policy change but never switch the gate off. A
`pyproject.toml` is only the configuration in its `[tool.cedar-gates]` tables:
a file tool's edit counts when it changes them (or when that cannot be told),
a Bash write always counts, because its content cannot be known.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from toolkit.safeio import read_input

CONFIG = "config"
POLICY = "policy"
FILE_TOOLS = ("Write", "Edit", "MultiEdit")
MAX_CONFIG_BYTES = 1 << 20


def gate_files(config: Any, blueprint: Path | None, tool_name: str, tool_input: Mapping[str, Any],
               cwd: str | None = None) -> dict[str, str]:
    files: dict[str, str] = {}
    source = getattr(config, "source", None)
    if source is not None and (source.name != "pyproject.toml" or tool_name not in FILE_TOOLS):
        files[str(source.resolve())] = CONFIG  # a shell write to the pyproject in use can change its tables
    changed = _changes_table(tool_name, tool_input, cwd, source)
    if changed is not None:
        files[str(changed)] = CONFIG
    if blueprint is not None:
        files[str(blueprint.resolve())] = POLICY
    builtins = getattr(config, "builtins", None)
    if builtins is not None:
        files[str(builtins.resolve())] = POLICY
    return files


def _changes_table(tool_name: str, tool_input: Mapping[str, Any], cwd: str | None,
                   source: Path | None) -> Path | None:
    """The `pyproject.toml` whose `[tool.cedar-gates]` tables this file-tool call would create or change, else None.

    Any pyproject counts, not only the configuration in use: one nearer the
    session's directory would be the configuration the next call loads. When
    the result cannot be told (an unreadable file, an edit that does not
    apply), the configuration in use counts as changed and another pyproject
    counts when the new text names cedar-gates. Bash writes to a pyproject are
    judged by the shell analysis (toolkit.toolcall.gate_kind): all of them count.
    """
    if tool_name not in FILE_TOOLS:
        return None
    target = tool_input.get("file_path")
    if not isinstance(target, str) or Path(target).name.casefold() != "pyproject.toml":
        return None
    path = Path(target)
    if not path.is_absolute():
        if cwd is None:
            return source.resolve() if source is not None else None  # relative to an unknown directory
        path = Path(cwd) / path
    try:
        path = path.resolve()
        before = read_input(path, MAX_CONFIG_BYTES).decode("utf-8") if path.exists() else ""
        after = _edited(before, tool_name, tool_input)
        if after is not None:
            return path if _table(before) != _table(after) else None
    except Exception:  # noqa: BLE001 - unreadable or unparsable either side: judged below
        pass
    if source is not None and path == source.resolve():
        return path
    added = [tool_input.get("content")] if tool_name == "Write" else \
        [e.get("new_string") for e in (tool_input.get("edits") if tool_name == "MultiEdit" else [tool_input]) or []
         if isinstance(e, Mapping)]
    return path if any(isinstance(text, str) and "cedar-gates" in text.casefold() for text in added) else None


def own_code(argv0: str, package: Path) -> dict[str, str]:
    """The running gate's executable and installed package, as configuration: replacing either turns it off.

    The executable is protected when this process was started as `cedar-gates` (the installed hook command);
    the package only when it is installed under `site-packages`, so working on cedar-gates itself in an
    editable checkout is not gated.
    """
    files: dict[str, str] = {}
    exe = Path(argv0)
    if exe.name.casefold() in ("cedar-gates", "cedar-gates.exe"):
        files[str(exe.absolute())] = CONFIG
        files[str(exe.resolve())] = CONFIG
    if {"site-packages", "dist-packages"} & set(package.parts):
        files[str(package)] = CONFIG
    return files


def _edited(text: str, tool_name: str, tool_input: Mapping[str, Any]) -> str | None:
    """The file as the tool would leave it (exact string replacement, as Claude Code's editing tools do)."""
    if tool_name == "Write":
        content = tool_input.get("content")
        return content if isinstance(content, str) else None
    edits = tool_input.get("edits") if tool_name == "MultiEdit" else [tool_input]
    if not isinstance(edits, list):
        return None
    for edit in edits:
        old = edit.get("old_string") if isinstance(edit, Mapping) else None
        new = edit.get("new_string") if isinstance(edit, Mapping) else None
        if not isinstance(old, str) or not isinstance(new, str) or not old or old not in text:
            return None
        text = text.replace(old, new) if edit.get("replace_all") is True else text.replace(old, new, 1)
    return text


def _table(text: str) -> Any:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    return tomllib.loads(text).get("tool", {}).get("cedar-gates")
