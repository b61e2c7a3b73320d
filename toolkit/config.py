"""Toolkit configuration: `[tool.cedar-gates]` in pyproject.toml or `cedar-gates.toml`."""

from __future__ import annotations

import glob
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from toolkit.configfile import candidate
from toolkit.errors import ConfigError
from toolkit.jsonschema_check import validate
from toolkit.sync.settings import Consumer, SyncSettings, language_of

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_MAX_FILE_BYTES = 1 << 20
DEFAULT_PARITY_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Config:
    root: Path
    source: Path | None = None
    builtins: Path | None = None
    blueprints: tuple[Path, ...] = ()
    blueprints_configured: bool = False
    """The configuration has a `blueprints` key (an empty list means none, on purpose): no discovery."""
    constants: Path | None = None
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    extra_categories: tuple[str, ...] = ()
    levels: dict[str, str] = field(default_factory=dict)
    parity_fixtures: tuple[Path, ...] = ()
    parity_timeout_s: float = DEFAULT_PARITY_TIMEOUT_S
    parity_policies: bool = True
    simulate_traces: tuple[Path, ...] = ()
    simulate_blueprint: Path | None = None
    simulate_respond: str = "timeout"
    sync: SyncSettings | None = None
    hook_blueprint: Path | None = None
    hook_task_settings: dict[str, Any] = field(default_factory=dict)
    hook_state: Path | None = None
    hook_log: Path | None = None
    hook_log_enabled: bool = True
    hook_no_match: str = "pass"
    hook_approvals: str = "prompt"
    approvals_store: str | None = None
    approvals_notify: dict[str, Any] = field(default_factory=dict)
    """`[approvals.notify]` as written (schema-checked); `toolkit.approvals.notify.Channels.from_config` reads it."""
    test_files: tuple[Path, ...] = ()
    test_files_configured: bool = False
    """The configuration has `[test] files`: no discovery of test files."""
    test_min_coverage: float | None = None


CONFIG_MAX_BYTES = 1 << 20
"""A configuration file (or a pyproject.toml holding one) larger than this is refused unread."""


def _read_toml(path: Path) -> dict[str, Any]:
    from toolkit.safeio import read_input

    try:
        text = read_input(path, CONFIG_MAX_BYTES).decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), "configuration file not found", hint="check the --config path") from None
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read the configuration: the file {exc.strerror or exc}"
                          if str(exc.strerror or "").startswith("is ") else
                          f"cannot read the configuration: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), "not valid UTF-8", hint="save the file as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), f"invalid TOML: {exc}", hint="fix the TOML syntax") from None
    except RecursionError:
        raise ConfigError(str(path), "the configuration is nested too deeply to read") from None
    except ValueError as exc:  # an integer of thousands of digits: Python refuses to convert it
        raise ConfigError(str(path), f"invalid TOML: a number is too long to read ({str(exc).split(':')[0]})",
                          _line_of_long_number(text), hint="use a number of at most 19 digits") from None
    problem = _number_problem(data, ())
    if problem is not None:
        key, message = problem
        raise ConfigError(str(path), f"{key}: {message}", _line_of_key(text, key),
                          hint="write a finite number within the documented range") from None
    return data


def _number_problem(value: Any, where: tuple[str, ...]) -> tuple[str, str] | None:
    """The first value that only looks like a number setting: NaN, an infinity, an integer past 64 bits."""
    import math

    if isinstance(value, dict):
        for key, item in value.items():
            found = _number_problem(item, (*where, str(key)))
            if found:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = _number_problem(item, (*where[:-1], f"{where[-1] if where else ''}[{i}]"))
            if found:
                return found
    elif isinstance(value, float) and not math.isfinite(value):
        return ".".join(where), f"{value} is not a number a setting can take (NaN and infinities are refused)"
    elif isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
        return ".".join(where), "the integer is outside the 64-bit range TOML allows"
    return None


def _line_of_key(text: str, dotted: str) -> int | None:
    import re

    last = dotted.rsplit(".", 1)[-1].split("[", 1)[0]
    found = re.search(rf"^\s*[\"']?{re.escape(last)}[\"']?\s*=", text, re.MULTILINE)
    return text.count("\n", 0, found.start()) + 1 if found else None


def _line_of_long_number(text: str) -> int | None:
    import re

    found = re.search(r"[0-9_]{4000,}", text)
    return text.count("\n", 0, found.start()) + 1 if found else None


def _table_in(path: Path) -> dict[str, Any] | None:
    return _located_table(path)[0]


def _located_table(path: Path) -> tuple[dict[str, Any] | None, str]:
    """(`[tool.cedar-gates]` of any TOML file that has one, else the top level of a non-pyproject file; the key
    prefix to report problems with)."""
    data = _read_toml(path)
    tool = data.get("tool")
    if isinstance(tool, dict) and "cedar-gates" in tool:
        return tool["cedar-gates"], "tool.cedar-gates."
    return (None if path.name == "pyproject.toml" else data), ""


def discover(start: Path) -> Path | None:
    """The nearest cedar-gates.toml, or pyproject.toml with [tool.cedar-gates], from `start` upward."""
    directory = start
    while True:
        found = candidate(directory)
        if found is None or found.name == "cedar-gates.toml" or _table_in(found) is not None:
            return found
        here = found.parent
        if (here / ".git").exists() or here.parent == here:
            return None
        directory = here.parent


def _did_you_mean(problem: Any) -> str:
    """For an unknown key, the closest key the schema allows at that place."""
    import difflib
    import json
    import re

    from toolkit.resources import schema_path

    found = re.search(r"\('([^']+)' (?:was|were) unexpected\)", problem.message)
    if not found:
        return ""
    node = json.loads(schema_path("config.schema.json").read_text(encoding="utf-8"))
    for part in problem.path:
        node = node.get("properties", {}).get(str(part), {}) if isinstance(node, dict) else {}
    known = list(node.get("properties", {})) if isinstance(node, dict) else []
    close = difflib.get_close_matches(found.group(1), known, n=1, cutoff=0.5)
    return f" — did you mean `{close[0]}`?" if close else (f" — known keys: {', '.join(known)}" if known else "")


_TEST_SUFFIXES = (".tests.yaml", ".tests.yml")
"""A glob under `blueprints` skips policy test files (they are not blueprints; [test] files takes them)."""


def _is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


def _expand(root: Path, pattern: str) -> list[Path]:
    """A path or glob relative to the configuration file (absolute ones work too; `**` recurses)."""
    if not _is_glob(pattern):
        return [root / pattern]
    return sorted(Path(p) for p in glob.glob(str(root / pattern), recursive=True))


def load_config(explicit: Path | None = None, start: Path | None = None, validate_schema: bool = True) -> Config:
    """`validate_schema=False` is for a caller that already saw this exact file validate (the hook's cache)."""
    start = (start or Path.cwd()).resolve()
    path = explicit or discover(start)
    if path is None:
        return Config(root=start)
    if not path.is_file():
        if not path.exists():
            raise ConfigError(str(path), "configuration file not found", hint="check the --config path")
        from toolkit.safeio import kind_of

        raise ConfigError(str(path), f"the configuration is {kind_of(path.stat().st_mode)}, not a regular file; "
                          "refused unread", hint="pass a cedar-gates.toml or pyproject.toml file")
    table, prefix = _located_table(path)
    if table is None:
        raise ConfigError(str(path), "no [tool.cedar-gates] table", hint="add [tool.cedar-gates] or use cedar-gates.toml")
    problems = validate(table, "config.schema.json") if validate_schema else []
    if problems:
        listing = "\n  - ".join(f"{prefix}{p.pointer.replace('/', '.')}: {p.message}{_did_you_mean(p)}"
                                 for p in problems)
        raise ConfigError(str(path), f"invalid configuration:\n  - {listing}", hint="see docs/configuration.md")
    root = path.parent.resolve()
    lint = table.get("lint", {})

    def resolve(value: str | None) -> Path | None:
        return (root / value) if value is not None else None

    builtins = resolve(table.get("builtins"))
    if builtins is not None and not builtins.is_dir():
        raise ConfigError(str(path), f"{prefix}builtins: {builtins} is not a directory", hint="point it at a directory with hard_deny.cedar and soft_deny.cedar")
    blueprints: list[Path] = []
    for pattern in table.get("blueprints", []):
        matches = [m for m in _expand(root, pattern) if not _is_glob(pattern) or not m.name.endswith(_TEST_SUFFIXES)]
        if not matches:
            raise ConfigError(str(path), f"{prefix}blueprints: {pattern!r} matches no file", hint="fix the pattern or remove it")
        blueprints.extend(matches)
    parity = table.get("parity", {})
    fixtures = tuple(root / value for value in parity.get("fixtures", []))
    for fixture_path in fixtures:
        if not fixture_path.exists():
            raise ConfigError(str(path), f"{prefix}parity.fixtures: {fixture_path} does not exist", hint="fix the path or remove it")
    simulate = table.get("simulate", {})
    traces: list[Path] = []
    for pattern in simulate.get("traces", []):
        matches = [m for m in _expand(root, pattern) if not m.name.endswith(".expected.jsonl")]
        if not matches or not all(m.is_file() for m in matches):
            raise ConfigError(str(path), f"{prefix}simulate.traces: {pattern!r} matches no trace file",
                              hint="fix the pattern or remove it")
        traces.extend(matches)
    sim_blueprint = resolve(simulate.get("blueprint"))
    if sim_blueprint is not None and not sim_blueprint.is_file():
        raise ConfigError(str(path), f"{prefix}simulate.blueprint: {sim_blueprint} does not exist",
                          hint="fix the path or remove it")
    sync = _sync_settings(table.get("sync"), root, str(path), prefix)
    if sync is not None:
        sync = replace(sync, max_file_bytes=table.get("max-file-bytes", DEFAULT_MAX_FILE_BYTES))
    hook = table.get("hook", {})
    tests = table.get("test", {})
    test_files: list[Path] = []
    for pattern in tests.get("files", []):
        matches = [m for m in _expand(root, pattern) if m.is_file()]
        if not matches:
            raise ConfigError(str(path), f"{prefix}test.files: {pattern!r} matches no file", hint="fix the pattern or remove it")
        test_files.extend(matches)
    return Config(
        root=root,
        source=path,
        builtins=builtins,
        blueprints=tuple(blueprints),
        blueprints_configured="blueprints" in table,
        constants=resolve(table.get("constants")),
        max_file_bytes=table.get("max-file-bytes", DEFAULT_MAX_FILE_BYTES),
        extra_categories=tuple(lint.get("extra-categories", [])),
        levels=dict(lint.get("levels", {})),
        parity_fixtures=fixtures,
        parity_timeout_s=float(parity.get("timeout-s", DEFAULT_PARITY_TIMEOUT_S)),
        parity_policies=parity.get("policies", True),
        simulate_traces=tuple(traces),
        simulate_blueprint=sim_blueprint,
        simulate_respond=simulate.get("respond", "timeout"),
        sync=sync,
        hook_blueprint=resolve(hook.get("blueprint")),
        hook_task_settings=dict(hook.get("task-settings", {})),
        hook_state=resolve(hook.get("state")),
        hook_log=resolve(hook.get("log")) if hook.get("log") else None,
        hook_log_enabled=hook.get("log") != "",
        hook_no_match=hook.get("no-match", "pass"),
        hook_approvals=hook.get("approvals", "prompt"),
        approvals_store=_approvals_store(table.get("approvals", {}).get("store"), root),
        approvals_notify=dict(table.get("approvals", {}).get("notify", {})),
        test_files=tuple(test_files),
        test_files_configured="files" in tests,
        test_min_coverage=tests.get("min-coverage"),
    )


def _approvals_store(value: str | None, root: Path) -> str | None:
    """A PostgreSQL DSN as written; a path relative to the configuration file's directory."""
    if not value or value.lower().startswith(("postgresql://", "postgres://")):
        return value or None
    return str(root / Path(value).expanduser())


def _sync_settings(table: dict[str, Any] | None, root: Path, source: str, prefix: str) -> SyncSettings | None:
    if table is None:
        return None

    def existing(value: str, key: str) -> Path:
        found = root / value
        if not found.is_file():
            raise ConfigError(source, f"{prefix}sync.{key}: {found} does not exist", hint="fix the path")
        return found

    consumers = []
    for i, item in enumerate(table.get("consumers", [])):
        path = existing(item["path"], f"consumers[{i}].path")
        language = item.get("language") or language_of(path)
        if language is None:
            raise ConfigError(source, f"{prefix}sync.consumers[{i}]: cannot tell the language of {path.name}",
                              hint='set language = "python" or "typescript"')
        consumers.append(Consumer(path, language, item.get("mode", "derive")))
    types = table.get("types", {})
    return SyncSettings(
        contract=existing(table["contract"], "contract") if "contract" in table else None,
        schema=existing(table["schema"], "schema") if "schema" in table else None,
        include_functions=bool(types.get("include-functions", False)),
        names=dict(table.get("names", {})),
        consumers=tuple(consumers),
        canonical=existing(types["canonical"], "types.canonical") if types else None,
        mirror=existing(types["mirror"], "types.mirror") if types else None,
        canonical_only=tuple(types.get("canonical-only", [])),
        mirror_only=tuple(types.get("mirror-only", [])),
    )
