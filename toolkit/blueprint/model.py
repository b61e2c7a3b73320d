"""What a loaded blueprint holds, with the places the author would edit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from toolkit.blueprint.source import SourceFile
from toolkit.cedar.document import CedarDocument
from toolkit.cedar.scan import LineIndex


ENFORCEMENT = "enforcement"
ENFORCE = "enforce"
LOG_ONLY = "log_only"
ENFORCEMENTS = (ENFORCE, LOG_ONLY)
"""`@enforcement` values: a rule is enforced unless it says exactly `log_only` (a shadow rule)."""


def is_log_only(annotations: Mapping[str, str | None]) -> bool:
    """Only the exact value makes a shadow rule: a misspelt one stays enforced (and is a lint error, CG038)."""
    return annotations.get(ENFORCEMENT) == LOG_ONLY


@dataclass(frozen=True)
class Location:
    line: int
    column: int
    end_line: int | None = None
    end_column: int | None = None


@dataclass
class TextOrigin:
    """Maps offsets inside an embedded Cedar text to places in the file.

    Exact for `|` block scalars (each content line sits on its own file line
    behind a fixed indent) and single-line scalars; anything else falls back to
    the scalar's own position.
    """

    text: str
    first_line: int
    indent: int
    exact: bool
    anchor: Location

    def __post_init__(self) -> None:
        self._index = LineIndex(self.text)

    def location(self, start: int, end: int | None = None) -> Location:
        if not self.exact:
            return self.anchor
        line, column = self._index.position(start)
        loc_line, loc_col = self.first_line + line - 1, self.indent + column
        if end is None:
            return Location(loc_line, loc_col)
        end_line, end_column = self._index.position(end)
        return Location(loc_line, loc_col, self.first_line + end_line - 1, self.indent + end_column)


@dataclass
class CedarBlock:
    """One Cedar text the author wrote: a tier section, a legacy entry or a whole .cedar file."""

    section: str
    tier: str | None
    origin: TextOrigin
    document: CedarDocument
    location: Location
    legacy_index: int | None = None

    @property
    def text(self) -> str:
        return self.origin.text


@dataclass
class Setting:
    value: Any
    location: Location


@dataclass
class LoadProblem:
    code: str
    message: str
    location: Location
    hint: str | None = None


@dataclass
class Blueprint:
    source: SourceFile
    kind: str
    blocks: list[CedarBlock] = field(default_factory=list)
    disable: list[Setting] = field(default_factory=list)
    disable_location: Location | None = None
    gate_cap: Setting | None = None
    max_scope: Setting | None = None
    legacy: bool = False
    legacy_location: Location | None = None
    has_security: bool = False
    security_location: Location = field(default_factory=lambda: Location(1, 1))
    tests: list[Setting] = field(default_factory=list)
    """The raw `security.tests` entries with their places (checked by toolkit.policytests)."""
    problems: list[LoadProblem] = field(default_factory=list)
    top_keys: dict[str, Location] = field(default_factory=dict)
    """Every top-level key of a YAML blueprint and where it is (the shape rules read them)."""
    top_kind: str | None = None
    """What the YAML document is at the top: mapping, list, scalar or empty (None for .cedar files)."""

    @property
    def fatal(self) -> bool:
        return any(p.code == "CG001" for p in self.problems)
