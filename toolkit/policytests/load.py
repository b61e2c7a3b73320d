"""Reading tests: a blueprint's `security.tests`, or a standalone `*.tests.yaml` naming its blueprint.

Entries are checked against schemas/policy-tests.schema.json; a bad entry is a
SuiteProblem at its line (the run stops with exit 2), names must be unique in
a file, and a standalone file's blueprint must exist.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from toolkit.blueprint.loader import MAX_YAML_NODES, load_blueprint
from toolkit.blueprint.model import Blueprint
from toolkit.blueprint.source import SourceFile, UnreadableSource, display_path, read_source
from toolkit.blueprint.yamltree import YamlProblem, YamlTree, parse_yaml
from toolkit.engine.settings import TaskSettings, TaskSettingsError
from toolkit.jsonschema_check import validate
from toolkit.policytests.model import PolicyTest, Suite, SuiteProblem

TEST_SUFFIXES = (".tests.yaml", ".tests.yml")
SCHEMA = "policy-tests.schema.json"


def is_test_file(path: Path) -> bool:
    return path.name.endswith(TEST_SUFFIXES)


def load_suite(path: Path, max_file_bytes: int) -> Suite:
    """`-` is read from stdin: a test file (its `blueprint:` relative to the working directory) or a blueprint
    with its own `tests:` (told apart by its `security:` key)."""
    if str(path) == "-":
        return _stdin(path, max_file_bytes)
    return _standalone(path, max_file_bytes) if is_test_file(path) else _inline(path, max_file_bytes)


def _stdin(path: Path, max_file_bytes: int) -> Suite:
    try:
        source = read_source(path, max_file_bytes)
        tree = parse_yaml(source.text, MAX_YAML_NODES)
    except (UnreadableSource, YamlProblem) as exc:
        suite = Suite(path, "-", None)
        suite.problems.append(SuiteProblem("-", exc.line or 1, exc.column or 1, exc.message, exc.hint))
        return suite
    if isinstance(tree.value, dict) and "security" in tree.value:
        from toolkit.blueprint.loader import load_yaml_source

        blueprint = load_yaml_source(source)
        suite = suite_of(blueprint)
        suite.loaded = blueprint
        if not suite.problems and not suite.tests:
            suite.problems.append(SuiteProblem(suite.display, 1, 1, "this blueprint has no `security.tests`, so "
                                               "there is nothing to run", "add tests to it (docs/policy-tests.md), "
                                               "or pipe a test file into `cedar-gates test -`"))
        return suite
    return _standalone(path, max_file_bytes, source, tree)


def _inline(path: Path, max_file_bytes: int) -> Suite:
    return suite_of(load_blueprint(path, max_file_bytes))


def suite_of(blueprint: Blueprint) -> Suite:
    """The tests in a loaded blueprint's `security.tests` (the linter runs them too)."""
    path = blueprint.source.path
    suite = Suite(path, blueprint.source.display, path)
    if blueprint.fatal:
        problem = next(p for p in blueprint.problems if p.code == "CG001")
        suite.problems.append(SuiteProblem(suite.display, problem.location.line, problem.location.column,
                                           problem.message, problem.hint))
        return suite
    entries = [s.value for s in blueprint.tests]
    places = [(s.location.line, s.location.column) for s in blueprint.tests]
    for problem in validate({"tests": entries}, SCHEMA):
        line, column = places[problem.path[1]] if len(problem.path) > 1 else (1, 1)
        suite.problems.append(SuiteProblem(suite.display, line, column, f"security.tests{_where(problem.path[1:])}: "
                                           f"{problem.message}", "see docs/policy-tests.md for the test format"))
    if not suite.problems:
        _collect(suite, entries, places)
    return suite


def _standalone(path: Path, max_file_bytes: int, source: SourceFile | None = None,
                tree: YamlTree | None = None) -> Suite:
    display = display_path(path)
    suite = Suite(path, display, None)
    try:
        source = source or read_source(path, max_file_bytes)
        tree = tree or parse_yaml(source.text, MAX_YAML_NODES)
    except (UnreadableSource, YamlProblem) as exc:
        suite.problems.append(SuiteProblem(display, exc.line or 1, exc.column or 1, exc.message, exc.hint))
        return suite
    for key_path, pos in tree.duplicate_keys:
        suite.problems.append(SuiteProblem(display, pos.line, pos.column, f"{_where(key_path)}: duplicate key; the "
                                           "later value would silently replace the earlier one", "keep one of the two"))
    for key_path, pos, message in tree.number_quirks:
        suite.problems.append(SuiteProblem(display, pos.line, pos.column, f"{_where(key_path)}: {message}",
                                           "write a plain decimal number, or quote the value if it is meant as text"))
    for problem in validate(tree.value, SCHEMA):
        pos = tree.pos(problem.path)
        suite.problems.append(SuiteProblem(display, pos.line, pos.column, f"{_where(problem.path) or 'the file'}: "
                                           f"{problem.message}", "see docs/policy-tests.md for the test format"))
    if suite.problems:
        return suite
    named = tree.value.get("blueprint")
    if named is not None:
        blueprint = (path.parent / named)
        if not blueprint.is_file():
            pos = tree.pos(("blueprint",))
            suite.problems.append(SuiteProblem(display, pos.line, pos.column, f"blueprint {named!r} does not exist",
                                               "give the blueprint's path relative to this file"))
            return suite
        suite.blueprint = blueprint
    entries = tree.value["tests"]
    places = [(tree.pos(("tests", i)).line, tree.pos(("tests", i)).column) for i in range(len(entries))]
    _collect(suite, entries, places)
    return suite


def _collect(suite: Suite, entries: list[dict[str, Any]], places: list[tuple[int, int]]) -> None:
    seen: dict[str, int] = {}
    for entry, (line, column) in zip(entries, places):
        name = entry["name"]
        if name in seen:
            suite.problems.append(SuiteProblem(suite.display, line, column, f"test name {name!r} is used twice "
                                               f"(first at line {seen[name]})", "give every test its own name"))
            continue
        seen[name] = line
        try:
            TaskSettings.from_mapping(entry.get("task", {}), "task")
        except TaskSettingsError as exc:
            suite.problems.append(SuiteProblem(suite.display, line, column, f"test {name!r}: {exc.message}",
                                               "task takes the keys of --task-settings (docs/engine.md)"))
            continue
        rules, shadow = entry.get("rules"), entry.get("shadow")
        suite.tests.append(PolicyTest(name, entry["tool"], entry.get("input", {}), entry.get("task", {}),
                                      entry["expect"], tuple(sorted(rules)) if rules is not None else None,
                                      suite.display, line, column,
                                      tuple(sorted(shadow)) if shadow is not None else None))


def _where(path: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
