"""JSON Schema validation shared by every loader.

jsonschema is slow to import (~130 ms), so it is imported only when a document
is actually validated; `cedar-gates --help` never pays for it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
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
    validator = _validator(schema_name)
    problems = []
    for error in sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path]):
        best = error
        if error.context:
            import jsonschema

            best = jsonschema.exceptions.best_match(error.context) or error
        problems.append(SchemaProblem(tuple(best.absolute_path), best.message))
    return problems
