"""`sync constants`: do the Python and TypeScript consumers still agree with the constants contract?

Python consumers are read with `ast` and TypeScript consumers with the
TypeScript compiler, so formatting, comments and string tricks cannot hide a
literal. Only module-level (exported, for TypeScript) bindings of owned names
count.
"""

from __future__ import annotations

import ast
import json
import re
import time
from pathlib import Path
from typing import Any

from toolkit import jsontext
from toolkit.contract import read_contract
from toolkit.errors import ConfigError, ContractError, InputError
from toolkit.jsonschema_check import validate_file
from toolkit.resources import constants_path
from toolkit.safeio import read_input
from toolkit.sync import tsparse
from toolkit.sync.findings import SyncFinding, SyncReport
from toolkit.sync.settings import Consumer, SyncSettings


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted paths to leaves; lists are leaves; `$schema` is not a value."""
    if not isinstance(data, dict):
        return {prefix: data}
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "$schema":
            continue
        out.update(flatten(value, f"{prefix}.{key}" if prefix else key))
    return out


def owned_name(path: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_").upper()


READ_MAX_BYTES = 64 << 20
"""A backstop for every sync input: max-file-bytes (check_sizes) normally refuses a large file first."""


def _read_text(path: Path) -> str:
    """A regular file's UTF-8 text, bounded; FIFOs and devices are refused unread (OSError)."""
    return read_input(path, READ_MAX_BYTES).decode("utf-8")


def _py_bindings(path: Path) -> dict[str, tuple[int, int, bool, Any]]:
    """Module-level NAME -> (line, column, is_literal, literal value)."""
    try:
        tree = ast.parse(_read_text(path), filename=str(path))
    except SyntaxError as exc:
        raise InputError(str(path), f"Python syntax error: {exc.msg}", exc.lineno, exc.offset,
                         hint="fix the syntax; the checker parses with Python's ast") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror if isinstance(exc, OSError) else exc}") from None
    found: dict[str, tuple[int, int, bool, Any]] = {}
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        try:
            literal, is_literal = ast.literal_eval(value), True
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            literal, is_literal = None, False
        for target in targets:
            if isinstance(target, ast.Name):
                found[target.id] = (node.lineno, node.col_offset + 1, is_literal, literal)
    return found


def _ts_bindings(described: dict[str, Any]) -> dict[str, tuple[int, int, bool, Any, bool]]:
    """Exported consts: NAME -> (line, column, is_literal, value, value_known)."""
    return {c["name"]: (c["line"], c["column"], c["literal"], c["value"], c["has_value"])
            for c in described.get("consts", [])}


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON values: 1 equals 1.0, True never equals 1, a tuple equals a list."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _derive_hint(consumer: Consumer, contract: Path, key: str, name: str) -> str:
    if consumer.language == "python":
        subscript = "".join(f"[{json.dumps(part)}]" for part in key.split("."))
        return f"read it from {contract.name}, e.g. {name} = CONTRACT{subscript}"
    return f'import contract from "./{contract.name}"; export const {name} = contract.{key}'


def _top_level_line(text: str, key: str) -> int:
    top = key.split(".", 1)[0]
    for number, line in enumerate(text.splitlines(), start=1):
        if f'"{top}"' in line:
            return number
    return 1


RANGE_KEYS = ("min", "default", "max")


def range_problems(data: Any, prefix: str = "") -> list[str]:
    """Every object with numeric min/default/max members (any subset) must keep min <= default <= max."""
    if not isinstance(data, dict):
        return []
    out = []
    present = [(k, data[k]) for k in RANGE_KEYS
               if k in data and isinstance(data[k], (int, float)) and not isinstance(data[k], bool)]
    for (a, x), (b, y) in zip(present, present[1:]):
        if x > y:
            out.append(f"{prefix or '(root)'}: {a} {x} is greater than {b} {y} (expected min <= default <= max)")
    for key, value in data.items():
        out.extend(range_problems(value, f"{prefix}.{key}" if prefix else key))
    return out


def read_any_contract(path: Path, schema: Path | None) -> dict[str, Any]:
    """The toolkit's own contract is read with its own schema; any other one with the project's (if given)."""
    if schema is None and path.resolve() == constants_path().resolve():
        return read_contract(path)
    try:
        data = jsontext.loads(_read_text(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise ContractError(str(path), f"cannot read the contract: {exc.strerror if isinstance(exc, OSError) else exc}"
                            ) from None
    except jsontext.JsonValueError as exc:
        raise ContractError(str(path), exc.message, exc.line, exc.column, hint=exc.hint) from None
    except json.JSONDecodeError as exc:
        raise ContractError(str(path), f"not valid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise ContractError(str(path), "the contract is nested too deeply to read") from None
    if not isinstance(data, dict):
        raise ContractError(str(path), f"a contract is a JSON object, got {type(data).__name__}",
                            hint='e.g. {"max_budget_usd": {"min": 0.01, "max": 100}}')
    problems = [f"{p.pointer}: {p.message}" for p in validate_file(data, schema)] if schema is not None else []
    problems += range_problems(data)
    if problems:
        raise ContractError(str(path), "the contract is invalid:\n  - " + "\n  - ".join(problems),
                            hint="fix the values" + (f" so they satisfy {schema.name}" if schema else ""))
    return data


def check_sizes(paths: list[Path], limit: int) -> None:
    """Every sync input is refused unread when it exceeds max-file-bytes, as every other input is."""
    for path in paths:
        try:
            size = path.stat().st_size
        except OSError:
            continue
        if size > limit:
            raise InputError(str(path), f"{size} bytes, more than max-file-bytes ({limit}); refused unread",
                             hint="raise max-file-bytes in the configuration if the file is really this large")


def check_constants(settings: SyncSettings, timer=time.perf_counter) -> SyncReport:
    start = timer()
    contract = settings.contract or constants_path()
    check_sizes([contract, *(c.path for c in settings.consumers),
                 *([settings.schema] if settings.schema else [])], settings.max_file_bytes)
    values = flatten(read_any_contract(contract, settings.schema))
    names = dict(settings.names) or {owned_name(key): key for key in values}
    # With [sync.names], a key it leaves out is still owned by its default name: checked and, unused, a CG204.
    outside: set[str] = set()
    if settings.names:
        mapped = set(names.values())
        for key in values:
            if key not in mapped and owned_name(key) not in names:
                names[owned_name(key)] = key
                outside.add(owned_name(key))
    unknown = sorted(f"{name} -> {key}" for name, key in names.items() if key not in values)
    if unknown:
        raise ConfigError(str(contract), "sync names map to keys the contract does not have: " + ", ".join(unknown),
                          hint=f"use dotted paths into {contract.name}, e.g. approval_gate_cap.min")
    report = SyncReport("constants", files=len(settings.consumers) + 1)
    ts_consumers = [c for c in settings.consumers if c.language == "typescript"]
    described = tsparse.describe([c.path for c in ts_consumers]) if ts_consumers else None
    if described is not None:
        report.node_s = described.node_s
    defined: set[str] = set()
    for consumer in settings.consumers:
        if consumer.language == "python":
            bindings = {n: (*b, b[2]) for n, b in _py_bindings(consumer.path).items()}
        else:
            info = described.get(consumer.path)  # type: ignore[union-attr]
            problem = tsparse.first_syntax_error(consumer.path, info)
            if problem:
                raise problem
            bindings = _ts_bindings(info)
        for name, key in names.items():
            if name not in bindings:
                continue
            defined.add(name)
            line, column, is_literal, value, known = bindings[name]
            expected = values[key]
            where = dict(path=str(consumer.path), line=line, column=column, name=name)
            if is_literal and consumer.mode == "derive":
                report.findings.append(SyncFinding(
                    "CG202", "error", **where,
                    message=f"{name} re-declares contract key {key} as the literal {json.dumps(value)} "
                            f"(contract value {json.dumps(expected)}); this consumer must derive it",
                    fix=_derive_hint(consumer, contract, key, name)))
            elif known and not _same(value, expected):
                what = "mirrors" if is_literal else "resolves to"
                report.findings.append(SyncFinding(
                    "CG203", "error", **where,
                    message=f"{name} {what} {json.dumps(value)} but contract key {key} is {json.dumps(expected)}",
                    fix=f"change it to {json.dumps(expected)}" if is_literal else
                        f"make it read {key} from {contract.name}"))
    text = _read_text(contract)
    for name, key in sorted(names.items(), key=lambda item: item[1]):
        if name in defined:
            continue
        if name in outside:
            report.findings.append(SyncFinding(
                "CG204", "warning", str(contract), _top_level_line(text, key), 1, name,
                message=f"contract key {key} is not in sync.names and no consumer binds its default name {name}",
                fix="map it in sync.names to the name a consumer binds, bind it in a consumer, or drop the key"))
            continue
        report.findings.append(SyncFinding(
            "CG204", "warning", str(contract), _top_level_line(text, key), 1, name,
            message=f"contract key {key} is not used by any consumer (owned name {name})",
            fix="derive or mirror it in a consumer, map it to another name in sync.names, or drop it"))
    report.sort()
    report.total_s = timer() - start
    return report
