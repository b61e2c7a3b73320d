"""Parity fixtures: one JSON file per case (DESIGN §9), read strictly and written back stably."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from toolkit.blueprint.source import DisplayPaths, UnreadableSource, display_path, read_source
from toolkit import jsontext
from toolkit.cedar import pyengine
from toolkit.cedar.limits import LimitProblem
from toolkit.cedar.limits import check as check_limits
from toolkit.cedar.scan import LineIndex
from toolkit.errors import InputError
from toolkit.parity.shape import shape_problems

SCHEMA = "parity-fixture.schema.json"
JS_SAFE_INTEGER = 2**53
FIXTURE_MAX_BYTES = 1 << 20


class FixtureError(InputError):
    """A fixture that cannot be used; the CLI reports it with exit 2."""


@dataclass(frozen=True, slots=True)
class Expected:
    decision: str
    matching_rule_ids: tuple[str, ...]
    errored_rule_ids: tuple[str, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"decision": self.decision, "matching_rule_ids": list(self.matching_rule_ids)}
        if self.errored_rule_ids is not None:
            out["errored_rule_ids"] = list(self.errored_rule_ids)
        return out


@dataclass(frozen=True)
class Fixture:
    path: Path | None
    name: str
    policies: str
    entities: list[Any]
    request: dict[str, Any]
    expected: Expected | None
    description: str = ""
    raw: dict[str, Any] | None = None
    shown: str | None = None
    """The path as reports show it, resolved once."""

    @property
    def display(self) -> str:
        if self.shown is not None:
            return self.shown
        return display_path(self.path) if self.path else self.name


_LONG_DIGITS = re.compile(r"\d{16,}")


def has_unsafe_integer(value: Any) -> bool:
    """Whether an integer beyond ±2^53 occurs anywhere; JSON text without a 16-digit run cannot hold one."""
    try:
        if not _LONG_DIGITS.search(json.dumps(value)):
            return False
    except (TypeError, ValueError, RecursionError):
        pass
    return _unsafe(value)


def _unsafe(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) > JS_SAFE_INTEGER
    if isinstance(value, dict):
        return any(_unsafe(v) for v in value.values())
    if isinstance(value, list):
        return any(_unsafe(v) for v in value)
    return False


def _expected(raw: dict[str, Any] | None) -> Expected | None:
    if raw is None:
        return None
    errored = raw.get("errored_rule_ids")
    return Expected(
        raw["decision"],
        tuple(sorted(raw["matching_rule_ids"])),
        None if errored is None else tuple(sorted(errored)),
    )


def _unannotated(path: str, text: str) -> None:
    try:
        policies = pyengine.parse(text)
    except pyengine.CedarSyntaxError:
        return  # the engines report the syntax error as an input error of the case
    missing = [p.policy_id for p in policies if not isinstance(p.annotations.get("rule_id"), str)]
    if missing:
        raise FixtureError(
            path,
            f"policies without @rule_id: {', '.join(missing)} (numbered from policy0 in source order)",
            hint='give every policy a @rule_id("...") annotation so a match is named in the report',
        )


_POLICIES_KEY = re.compile(r'"policies"\s*:\s*"')
_JSON_ESCAPE = re.compile(r'\\u[0-9a-fA-F]{4}|\\.|[^"\\]')


def _place_in_json(text: str, offset: int) -> tuple[int, int] | None:
    """Line and column in the fixture file of character `offset` of its `policies` string, when it can be found."""
    for key in _POLICIES_KEY.finditer(text):
        position, decoded = key.end(), 0
        for piece in _JSON_ESCAPE.finditer(text, position):
            if piece.start() != position:
                break  # the closing quote
            if decoded == offset:
                return LineIndex(text).position(position)
            raw = piece.group()
            # A surrogate pair (two \\u escapes) is one character of the decoded string: count the high half only.
            if not (raw.startswith("\\u") and 0xDC00 <= int(raw[2:], 16) <= 0xDFFF):
                decoded += 1
            position = piece.end()
    return None


def _too_complex(shown: str, text: str, policies: str, problem: LimitProblem) -> FixtureError:
    place = _place_in_json(text, problem.start)
    line, column = place if place else (None, None)
    where = "" if place else "in `policies` at line {}, column {}: ".format(*LineIndex(policies).position(problem.start))
    return FixtureError(shown, f"`policies` is refused unparsed, before either engine sees it: {where}{problem.message}",
                        line, column, "a parity case must be Cedar both engines can parse without crashing; "
                        "see CG006 in docs/lint-rules.md for the limits")


def parse_fixture(path: Path, text: str, require_expected: bool = True,
                  checked_texts: set[str] | None = None, shown: str | None = None) -> Fixture:
    """`checked_texts`: policy texts already known to carry @rule_id everywhere (each is parsed once per run)."""
    checked_texts = set() if checked_texts is None else checked_texts
    shown = shown or display_path(path)
    try:
        raw = jsontext.loads(text, lone_surrogates=False)
    except RecursionError:
        raise FixtureError(shown, "the JSON is nested too deeply to read", hint="flatten the fixture") from None
    except jsontext.JsonValueError as exc:
        raise FixtureError(shown, exc.message, exc.line, exc.column, exc.hint) from None
    except json.JSONDecodeError as exc:
        raise FixtureError(shown, f"invalid JSON: {exc.msg}", exc.lineno, exc.colno, "fix the JSON syntax") from None
    problems = shape_problems(raw)
    if problems:
        listing = "; ".join(f"at {p}" for p in problems)
        raise FixtureError(shown, f"not a parity fixture: {listing}", hint="see schemas/parity-fixture.schema.json")
    if require_expected and "expected" not in raw:
        raise FixtureError(
            shown, "no `expected` block", hint=f"write it by hand or run `cedar-gates parity record {shown}`"
        )
    if raw["policies"] not in checked_texts:
        problem = check_limits(raw["policies"])
        if problem is not None:
            raise _too_complex(shown, text, raw["policies"], problem)
        _unannotated(shown, raw["policies"])
        checked_texts.add(raw["policies"])
    request = dict(raw["input"])
    request.setdefault("context", {})
    return Fixture(
        path=path,
        name=raw["name"],
        description=raw.get("description", ""),
        policies=raw["policies"],
        entities=raw.get("entities", []),
        request=request,
        expected=_expected(raw.get("expected")),
        raw=raw,
        shown=shown,
    )


def load_fixture(path: Path | str, require_expected: bool = True, checked_texts: set[str] | None = None,
                 max_bytes: int = FIXTURE_MAX_BYTES, shown: str | None = None) -> Fixture:
    path = Path(path)
    shown = shown or display_path(path)
    try:
        source = read_source(path, max_bytes, shown)
    except UnreadableSource as exc:
        raise FixtureError(shown, exc.message, exc.line, exc.column, exc.hint) from None
    return parse_fixture(path, source.text, require_expected, checked_texts, shown)


def fixture_files(paths: Iterable[Path]) -> list[str]:
    """Files as given; directories searched recursively for `*.json`, in path order.

    Plain strings, not Path objects: on a 62k-file corpus the Path list alone
    was 22 MB, a third of a run's peak memory.
    """
    out: list[str] = []
    for path in paths:
        try:
            folder = path.is_dir()
        except OSError:  # a name over 255 bytes, say: loading it reports the problem
            folder = False
        if not folder:
            out.append(str(path))
            continue
        found = []
        for folder, _dirs, names in os.walk(path):
            found.extend(os.path.join(folder, n) for n in names
                         if n.endswith(".json") and os.path.isfile(os.path.join(folder, n)))
        out.extend(sorted(found, key=lambda f: f.split(os.sep)))
    return out


class FixtureLoader:
    """Reads fixture files batch by batch, so a long run never holds every fixture at once.

    Unusable files and duplicate names are collected across batches and raised
    together by `finish`, as one FixtureError listing each.
    """

    def __init__(self, require_expected: bool = True, max_bytes: int = FIXTURE_MAX_BYTES) -> None:
        self.require_expected = require_expected
        self.max_bytes = max_bytes
        self._checked: set[str] = set()
        self._seen: dict[str, str] = {}
        self._errors: list[FixtureError] = []
        self._display = DisplayPaths()

    def load(self, files: Iterable[Path | str]) -> list[Fixture]:
        fixtures: list[Fixture] = []
        for path in files:
            try:
                fixture = load_fixture(path, self.require_expected, self._checked, self.max_bytes,
                                       self._display(path))
            except FixtureError as exc:
                self._errors.append(exc)
                continue
            if fixture.name in self._seen:
                self._errors.append(FixtureError(
                    fixture.display, f"duplicate case name {fixture.name!r} (also in {self._seen[fixture.name]})"))
                continue
            self._seen[fixture.name] = fixture.display
            fixtures.append(fixture)
        return fixtures

    def finish(self) -> None:
        if len(self._errors) == 1:
            raise self._errors[0]
        if self._errors:
            raise FixtureError(
                f"{len(self._errors)} fixture files", "unusable:\n" + "\n".join(f"  {e}" for e in self._errors)
            )


def load_fixtures(paths: Iterable[Path], require_expected: bool = True,
                  max_bytes: int = FIXTURE_MAX_BYTES) -> list[Fixture]:
    """Every fixture, or one FixtureError listing each unusable file; names must be unique."""
    files = fixture_files(paths)
    if not files:
        raise FixtureError(", ".join(str(p) for p in paths) or ".", "no fixture files (*.json) found")
    loader = FixtureLoader(require_expected, max_bytes)
    fixtures = loader.load(files)
    loader.finish()
    return fixtures


def write_fixture(fixture: Fixture, expected: Expected) -> None:
    """Rewrite the file with a fresh `expected`, keeping every other field as it was."""
    assert fixture.path is not None and fixture.raw is not None
    raw = dict(fixture.raw)
    raw["expected"] = expected.to_json()
    from toolkit.safeio import write_output

    write_output(fixture.path, json.dumps(raw, indent=2, ensure_ascii=False) + "\n")
