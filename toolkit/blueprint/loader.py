"""Load a blueprint YAML (tiered or legacy form) or a bare .cedar file.

Loading never raises for bad input: every problem becomes a LoadProblem with
a place in the file (CG001 when the file cannot be used at all, CG002 when its
structure is wrong), and whatever is well-formed is still returned for linting.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from toolkit.blueprint.model import Blueprint, CedarBlock, LoadProblem, Location, Setting, TextOrigin
from toolkit.blueprint.source import SourceFile, UnreadableSource, display_path, read_source
from toolkit.blueprint.yamltree import Pos, YamlProblem, YamlTree, parse_yaml
from toolkit.cedar.document import load_document
from toolkit.jsonschema_check import validate

MAX_YAML_NODES = 100_000
CEDAR_SUFFIXES = (".cedar",)


def _loc(pos: Pos) -> Location:
    return Location(pos.line, pos.column, pos.end_line, pos.end_column)


def load_blueprint(path: Path, max_file_bytes: int) -> Blueprint:
    try:
        source = read_source(path, max_file_bytes)
    except UnreadableSource as exc:
        placeholder = SourceFile(path, display_path(path), "")
        blueprint = Blueprint(placeholder, "unreadable")
        blueprint.problems.append(LoadProblem("CG001", exc.message, Location(exc.line or 1, exc.column or 1), exc.hint))
        return blueprint
    if path.suffix in CEDAR_SUFFIXES:
        return load_cedar_source(source)
    return load_yaml_source(source)


def load_cedar_source(source: SourceFile) -> Blueprint:
    origin = TextOrigin(source.text, 1, 0, True, Location(1, 1))
    block = CedarBlock("file", None, origin, load_document(source.text), Location(1, 1))
    return Blueprint(source, "cedar", blocks=[block])


def load_yaml_source(source: SourceFile) -> Blueprint:
    blueprint = Blueprint(source, "yaml")
    try:
        tree = parse_yaml(source.text, MAX_YAML_NODES)
    except YamlProblem as exc:
        blueprint.problems.append(LoadProblem("CG001", exc.message, Location(exc.line or 1, exc.column or 1), exc.hint))
        return blueprint
    for path, pos in tree.duplicate_keys:
        blueprint.problems.append(
            LoadProblem("CG002", f"duplicate key `{_dotted(path)}`: the later value would silently replace the earlier one",
                        _loc(pos), "keep one of the two keys")
        )
    for path, pos, message in tree.number_quirks:
        blueprint.problems.append(LoadProblem(
            "CG002", f"`{_dotted(path)}`: {message}; it is not taken as a number", _loc(pos),
            "write a plain decimal number, or quote the value if it is meant as text"))
    if tree.value is None:
        blueprint.problems.append(
            LoadProblem("CG002", "the blueprint is empty", Location(1, 1), "a blueprint is a mapping with a `security:` section")
        )
        blueprint.top_kind = "empty"
        return blueprint
    _record_top_level(blueprint, tree)
    unknown = _unknown_keys(tree)
    for path, key, suggestion in unknown:
        where = _dotted(path + (key,))
        blueprint.problems.append(LoadProblem(
            "CG002", f"unknown key `{where}`: it would be ignored, and the rules it was meant to hold with it",
            _loc(tree.key_positions.get(path + (key,), tree.pos(path))),
            f"did you mean `{suggestion}`?" if suggestion else f"known keys here: {', '.join(_KNOWN[path])}"))
    shadowed = {path for path, _, _ in unknown}
    bad_paths: set[tuple[Any, ...]] = set()
    for problem in validate(tree.value, "blueprint.schema.json"):
        if problem.path in shadowed:
            continue
        bad_paths.add(problem.path)
        where = _dotted(problem.path) or "the document"
        blueprint.problems.append(
            LoadProblem("CG002", f"{where}: {problem.message}", _loc(tree.pos(problem.path)), _schema_hint(problem.path))
        )
    if not isinstance(tree.value, dict):
        return blueprint
    security = tree.value.get("security")
    if not isinstance(security, dict):
        return blueprint
    blueprint.has_security = True
    blueprint.security_location = _loc(tree.key_positions.get(("security",), tree.pos(("security",))))
    _read_settings(blueprint, tree, security)
    policies = security.get("cedarPolicies")
    base = ("security", "cedarPolicies")
    if isinstance(policies, dict):
        for tier in ("hard", "soft"):
            text = policies.get(tier)
            if isinstance(text, str):
                origin = _origin(tree, base + (tier,), source)
                blueprint.blocks.append(
                    CedarBlock(tier, tier, origin, load_document(text), _loc(tree.key_positions[base + (tier,)]))
                )
        disable = policies.get("disable")
        if isinstance(disable, list):
            blueprint.disable_location = _loc(tree.key_positions[base + ("disable",)])
            for i, item in enumerate(disable):
                if isinstance(item, str):
                    blueprint.disable.append(Setting(item, _loc(tree.pos(base + ("disable", i)))))
    elif isinstance(policies, list):
        blueprint.legacy = True
        blueprint.legacy_location = _loc(tree.key_positions[base])
        for i, text in enumerate(policies):
            if isinstance(text, str):
                origin = _origin(tree, base + (i,), source)
                blueprint.blocks.append(
                    CedarBlock("legacy", "soft", origin, load_document(text), _loc(tree.pos(base + (i,))), legacy_index=i)
                )
    return blueprint


def _record_top_level(blueprint: Blueprint, tree: YamlTree) -> None:
    value = tree.value
    blueprint.top_kind = "mapping" if isinstance(value, dict) else "list" if isinstance(value, list) else "scalar"
    if isinstance(value, dict):
        blueprint.top_keys = {str(key): _loc(tree.key_positions.get((key,), tree.pos((key,)))) for key in value}


_KNOWN: dict[tuple[str, ...], tuple[str, ...]] = {
    ("security",): ("cedarPolicies", "approvalGateCap", "maxPreApprovalScope", "tests"),
    ("security", "cedarPolicies"): ("hard", "soft", "disable"),
}


def _unknown_keys(tree: YamlTree) -> list[tuple[tuple[str, ...], str, str | None]]:
    """(mapping path, key, closest known key) for every key the security section does not define."""
    import difflib

    out = []
    for path, known in _KNOWN.items():
        try:
            mapping = _value(tree, path)
        except (KeyError, TypeError, IndexError):
            continue
        if not isinstance(mapping, dict):
            continue
        for key in mapping:
            if key not in known:
                close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.5)
                out.append((path, str(key), close[0] if close else None))
    return out


def _read_settings(blueprint: Blueprint, tree: YamlTree, security: dict[str, Any]) -> None:
    if "approvalGateCap" in security:
        blueprint.gate_cap = Setting(security["approvalGateCap"], _loc(tree.pos(("security", "approvalGateCap"))))
    if "maxPreApprovalScope" in security:
        blueprint.max_scope = Setting(security["maxPreApprovalScope"], _loc(tree.pos(("security", "maxPreApprovalScope"))))
    tests = security.get("tests")
    if isinstance(tests, list):
        blueprint.tests = [Setting(item, _loc(tree.pos(("security", "tests", i)))) for i, item in enumerate(tests)]


def _dotted(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _schema_hint(path: tuple[Any, ...]) -> str:
    if not path:
        return "a blueprint is a mapping with a `security:` section (docs/blueprints.md)"
    if path[:2] == ("security", "cedarPolicies"):
        return "cedarPolicies is either {hard: <cedar>, soft: <cedar>, disable: [ids]} or a list of Cedar strings"
    return "see schemas/blueprint.schema.json for the expected shape"


def _origin(tree: YamlTree, path: tuple[Any, ...], source: SourceFile) -> TextOrigin:
    node = tree.nodes[path]
    value = _value(tree, path)
    pos = tree.positions[path]
    anchor = Location(pos.line, pos.column)
    if not isinstance(node, yaml.ScalarNode):
        return TextOrigin(value, pos.line, 0, False, anchor)
    if node.style == "|":
        first_line = pos.line + 1
        lines = value.split("\n")
        indent = _literal_indent(source, first_line, lines)
        if indent is not None:
            return TextOrigin(value, first_line, indent, True, anchor)
        return TextOrigin(value, pos.line, 0, False, anchor)
    if pos.line == pos.end_line:
        quote = 1 if node.style in ('"', "'") else 0
        raw = source.line_text(pos.line)[pos.column - 1 + quote : pos.column - 1 + quote + len(value)]
        if raw == value:
            return TextOrigin(value, pos.line, pos.column - 1 + quote, True, anchor)
    return TextOrigin(value, pos.line, 0, False, anchor)


def _value(tree: YamlTree, path: tuple[Any, ...]) -> Any:
    value = tree.value
    for part in path:
        value = value[part]
    return value


def _literal_indent(source: SourceFile, first_line: int, lines: list[str]) -> int | None:
    while lines and not lines[-1]:
        lines = lines[:-1]
    indent = None
    for i, content in enumerate(lines):
        if content:
            src = source.line_text(first_line + i)
            if not src.endswith(content):
                return None
            indent = len(src) - len(content)
            break
    if indent is None:
        return 0
    for i, content in enumerate(lines):
        src = source.line_text(first_line + i)
        if content and (src[indent:] != content or src[:indent].strip()):
            return None
        if not content and src.strip():
            return None
    return indent
