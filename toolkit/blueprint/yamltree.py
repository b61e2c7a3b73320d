"""YAML to plain values plus a position for every node.

Built on PyYAML's composer (the safe_load level: no Python tags) so each value
keeps its line and column.  Aliases are expanded while counting nodes, so an
alias bomb is refused instead of exhausting memory downstream; duplicate keys,
which safe_load would silently drop, are reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from toolkit.cedar.scan import LineIndex

Path_ = tuple[Any, ...]

# libyaml's scanner is ~20x faster on large block scalars; same nodes, same marks.
_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Pos:
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass
class YamlTree:
    value: Any
    positions: dict[Path_, Pos] = field(default_factory=dict)
    key_positions: dict[Path_, Pos] = field(default_factory=dict)
    nodes: dict[Path_, yaml.Node] = field(default_factory=dict)
    duplicate_keys: list[tuple[Path_, Pos]] = field(default_factory=list)
    number_quirks: list[tuple[Path_, Pos, str]] = field(default_factory=list)
    """Plain scalars YAML 1.1 would read as numbers (`0b101`, `1:30`, `.nan`); kept as their text."""

    def pos(self, path: Path_) -> Pos:
        """The nearest known position on the way to `path`."""
        while path not in self.positions and path:
            path = path[:-1]
        return self.positions.get(path, Pos(1, 1, 1, 1))


class YamlProblem(Exception):
    def __init__(self, message: str, hint: str, line: int | None, column: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.line = line
        self.column = column


def _pos(node: yaml.Node, index: LineIndex) -> Pos:
    """From character offsets, so lines are counted by `\n` alone as everywhere else in the toolkit.

    YAML also breaks lines at `\r`, NEL and U+2028, which would shift every later line.
    """
    return Pos(*index.position(node.start_mark.index), *index.position(node.end_mark.index))


def parse_yaml(text: str, max_nodes: int) -> YamlTree:
    try:
        root = yaml.compose(text, Loader=_COMPOSER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = LineIndex(text).position(min(mark.index, len(text))) if mark else (None, None)
        message = " ".join(filter(None, [exc.context, exc.problem])) or "invalid YAML"
        raise YamlProblem(
            f"YAML syntax error: {message}",
            "fix the YAML syntax at this place",
            line,
            column,
        ) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"YAML error: {exc}", "fix the YAML syntax", None, None) from None
    except RecursionError:
        raise YamlProblem("YAML nesting is too deep", "flatten the document", None, None) from None
    tree = YamlTree(None)
    if root is None:
        return tree
    constructor = yaml.SafeLoader("")
    budget = [max_nodes]
    try:
        tree.value = _convert(root, (), tree, constructor, budget, LineIndex(text))
    except RecursionError:
        raise YamlProblem("YAML nesting is too deep", "flatten the document", None, None) from None
    return tree


_INT_TAG, _FLOAT_TAG = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_PLAIN_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_PLAIN_FLOAT = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?")
_I64 = (-(2**63), 2**63 - 1)


def _quirk(node: yaml.ScalarNode) -> str | None:
    """A plain scalar that YAML 1.1 reads as a number although it does not look like one to a reader.

    `0b101` (binary), `0x1f`, `017` (octal), `1:30` (sexagesimal: 90), `1_000`,
    `.nan` and `.inf` all become numbers under PyYAML's YAML 1.1 rules, so a
    gate cap written `1:30` silently became 90. They are refused with the
    place instead; quote the value to keep it as text.
    """
    if node.style not in (None, "") or node.tag not in (_INT_TAG, _FLOAT_TAG):  # plain: None (PyYAML), "" (libyaml)
        return None
    text = node.value
    pattern = _PLAIN_INT if node.tag == _INT_TAG else _PLAIN_FLOAT
    if pattern.fullmatch(text):
        return None
    return (f"`{text[:40]}` reads as a number only through YAML 1.1 rules (binary, octal, hexadecimal, "
            "sexagesimal, underscores, NaN or infinity)")


def _scalar(node: yaml.ScalarNode, constructor: yaml.SafeLoader, index: LineIndex) -> Any:
    if _quirk(node) is not None:
        return node.value  # kept as the text it is; _convert reports it
    if node.tag == _INT_TAG and node.style in (None, "") and len(node.value.lstrip("+-")) > 19:
        value = None
    else:
        value = True
    try:
        if value is None:
            raise OverflowError("the integer has more than 19 digits")
        value = constructor.construct_object(node, deep=True)
        if isinstance(value, int) and not isinstance(value, bool) and not _I64[0] <= value <= _I64[1]:
            raise OverflowError("the integer is outside the 64-bit range both Cedar engines carry")
        return value
    except yaml.MarkedYAMLError as exc:
        pos = _pos(node, index)
        raise YamlProblem(f"cannot read this YAML value: {exc.problem}", "remove the tag or quote the value",
                          pos.line, pos.column) from None
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        pos = _pos(node, index)
        raise YamlProblem(f"cannot read this YAML value: {exc}", "quote the value", pos.line, pos.column) from None


def _convert(
    node: yaml.Node, path: Path_, tree: YamlTree, constructor: yaml.SafeLoader, budget: list[int], index: LineIndex
) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        pos = _pos(node, index)
        raise YamlProblem(
            "the document expands to too many nodes (anchors and aliases?)",
            "remove alias chains; a blueprint never needs this many values",
            pos.line,
            pos.column,
        )
    tree.positions[path] = _pos(node, index)
    tree.nodes[path] = node
    if isinstance(node, yaml.ScalarNode):
        quirk = _quirk(node)
        if quirk is not None:
            tree.number_quirks.append((path, _pos(node, index), quirk))
        return _scalar(node, constructor, index)
    if isinstance(node, yaml.SequenceNode):
        return [_convert(child, path + (i,), tree, constructor, budget, index) for i, child in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                pos = _pos(key_node, index)
                raise YamlProblem("a mapping key must be a plain value", "use a string key", pos.line, pos.column)
            if key_node.tag == "tag:yaml.org,2002:merge":
                pos = _pos(key_node, index)
                raise YamlProblem("YAML merge keys (`<<`) are not supported", "write the keys out", pos.line, pos.column)
            key = _scalar(key_node, constructor, index)
            if key in result:
                tree.duplicate_keys.append((path + (key,), _pos(key_node, index)))
            tree.key_positions[path + (key,)] = _pos(key_node, index)
            result[key] = _convert(value_node, path + (key,), tree, constructor, budget, index)
        return result
    raise YamlProblem("unsupported YAML node", "use plain YAML", None, None)  # pragma: no cover
