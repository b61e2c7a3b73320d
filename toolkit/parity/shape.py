"""The parity fixture's shape, checked by hand: the same verdicts as schemas/parity-fixture.schema.json.

jsonschema walks every entity through `$ref` (about 0.4 ms a fixture), which
dominated loading a corpus of thousands of fixtures. The schema stays the
documented contract; tests check that this function accepts and rejects
exactly what the schema does.
"""

from __future__ import annotations

from typing import Any

_TOP = frozenset({"$schema", "name", "description", "policies", "entities", "input", "expected"})
_INPUT = frozenset({"principal", "action", "resource", "context"})
_EXPECTED = frozenset({"decision", "matching_rule_ids", "errored_rule_ids"})
_UID = frozenset({"type", "id"})


def _uid(value: Any, where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where}: must be an object {{type, id}}"]
    out = [f"{where}: unknown key {k!r}" for k in value if k not in _UID]
    kind, ident = value.get("type"), value.get("id")
    if not isinstance(kind, str) or not kind:
        out.append(f"{where}/type: must be a non-empty string")
    if not isinstance(ident, str):
        out.append(f"{where}/id: must be a string")
    return out


def _is_uid(value: Any) -> bool:
    """The common case, decided without building a message path (a corpus has ~60 uids a fixture)."""
    return (isinstance(value, dict) and len(value) == 2 and isinstance(value.get("type"), str)
            and value["type"] != "" and isinstance(value.get("id"), str))


def _entity_fits(entity: Any) -> bool:
    return (isinstance(entity, dict) and _is_uid(entity.get("uid"))
            and isinstance(entity.get("attrs", _EMPTY), dict) and isinstance(entity.get("tags", _EMPTY), dict)
            and isinstance(entity.get("parents", _EMPTY_LIST), list) and all(map(_is_uid, entity.get("parents", _EMPTY_LIST))))


_EMPTY: dict[str, Any] = {}
_EMPTY_LIST: list[Any] = []


def _string_list(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return [f"{where}: must be a list of strings"]
    if len(set(value)) != len(value):
        return [f"{where}: has duplicate items"]
    return []


def shape_problems(raw: Any) -> list[str]:
    """Every place the document breaks the fixture schema, as `pointer: message` (empty when it fits)."""
    if not isinstance(raw, dict):
        return ["(document root): must be a JSON object"]
    out = [f"(document root): unknown key {k!r}" for k in raw if k not in _TOP]
    for key in ("name", "policies"):
        value = raw.get(key)
        if key not in raw:
            out.append(f"(document root): {key!r} is required")
        elif not isinstance(value, str) or not value:
            out.append(f"{key}: must be a non-empty string")
    for key in ("$schema", "description"):
        if key in raw and not isinstance(raw[key], str):
            out.append(f"{key}: must be a string")
    if "entities" in raw:
        entities = raw["entities"]
        if not isinstance(entities, list):
            out.append("entities: must be a list")
        else:
            for i, entity in enumerate(entities):
                if _entity_fits(entity):
                    continue
                where = f"entities/{i}"
                if not isinstance(entity, dict):
                    out.append(f"{where}: must be an object")
                    continue
                if "uid" not in entity:
                    out.append(f"{where}: 'uid' is required")
                else:
                    out += _uid(entity["uid"], f"{where}/uid")
                if "attrs" in entity and not isinstance(entity["attrs"], dict):
                    out.append(f"{where}/attrs: must be an object")
                if "tags" in entity and not isinstance(entity["tags"], dict):
                    out.append(f"{where}/tags: must be an object")
                if "parents" in entity:
                    parents = entity["parents"]
                    if not isinstance(parents, list):
                        out.append(f"{where}/parents: must be a list")
                    else:
                        for j, parent in enumerate(parents):
                            out += _uid(parent, f"{where}/parents/{j}")
    request = raw.get("input")
    if "input" not in raw:
        out.append("(document root): 'input' is required")
    elif not isinstance(request, dict):
        out.append("input: must be an object")
    else:
        out += [f"input: unknown key {k!r}" for k in request if k not in _INPUT]
        for key in ("principal", "action", "resource"):
            if key not in request:
                out.append(f"input: {key!r} is required")
            elif not _is_uid(request[key]):
                out += _uid(request[key], f"input/{key}")
        if "context" in request and not isinstance(request["context"], dict):
            out.append("input/context: must be an object")
    if "expected" in raw:
        expected = raw["expected"]
        if not isinstance(expected, dict):
            out.append("expected: must be an object")
        else:
            out += [f"expected: unknown key {k!r}" for k in expected if k not in _EXPECTED]
            if expected.get("decision") not in ("allow", "deny") or isinstance(expected.get("decision"), bool):
                out.append("expected/decision: must be allow or deny")
            if "matching_rule_ids" not in expected:
                out.append("expected: 'matching_rule_ids' is required")
            else:
                out += _string_list(expected["matching_rule_ids"], "expected/matching_rule_ids")
            if "errored_rule_ids" in expected:
                out += _string_list(expected["errored_rule_ids"], "expected/errored_rule_ids")
    return out
