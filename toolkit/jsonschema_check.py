"""JSON Schema validation shared by every loader.

jsonschema is slow to import (~130 ms), so it is imported only when a document
is actually validated; `cedar-gates --help` never pays for it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from toolkit.resources import schema_path


@dataclass(frozen=True)
class SchemaProblem:
    path: tuple[str | int, ...]
    message: str

    @property
    def pointer(self) -> str:
        return "/".join(str(p) for p in self.path) or "(document root)"


@lru_cache(maxsize=None)
def _validator(name: str) -> Any:
    import jsonschema

    schema = json.loads(schema_path(name).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate(document: Any, schema_name: str) -> list[SchemaProblem]:
    """Every problem, deepest first within each location, in document order."""
    return _problems(_validator(schema_name), document)


def validate_file(document: Any, schema: Path) -> list[SchemaProblem]:
    """Against a project's own schema file; an unreadable or invalid schema is an InputError naming it."""
    import jsonschema

    from toolkit.errors import InputError

    try:
        loaded = json.loads(schema.read_text(encoding="utf-8"))
        cls = jsonschema.validators.validator_for(loaded)
        cls.check_schema(loaded)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(str(schema), f"cannot use this JSON Schema: {exc}", hint="give a valid JSON Schema file") from None
    except jsonschema.exceptions.SchemaError as exc:
        raise InputError(str(schema), f"not a valid JSON Schema: {exc.message}", hint="fix the schema") from None
    return _problems(cls(loaded), document)


def _problems(validator: Any, document: Any) -> list[SchemaProblem]:
    try:
        return _collect(validator, document)
    except RecursionError:
        return [SchemaProblem((), "the document is nested too deeply to check")]


def _collect(validator: Any, document: Any) -> list[SchemaProblem]:
    problems = []
    for error in sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path]):
        best = error
        if error.context:
            import jsonschema

            best = jsonschema.exceptions.best_match(error.context) or error
        problems.append(SchemaProblem(tuple(best.absolute_path), best.message))
    return problems
