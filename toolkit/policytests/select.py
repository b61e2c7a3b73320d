"""Which policy tests `test` and `check` run when no path is given.

`[test] files` when configured; otherwise every `*.tests.yaml` under the search
root plus each blueprint being checked that carries its own `tests:` list
(see toolkit.discovery). The bundled example runs only when asked for.
"""

from __future__ import annotations

from pathlib import Path

from toolkit.config import Config
from toolkit.discovery import TEST_PATTERNS, Selection, blueprint_selection, discover_test_files, search_root

INLINE = "`tests:` in a blueprint"


def has_inline_tests(path: Path, max_file_bytes: int) -> bool:
    """True when the blueprint holds a `security.tests` list, or cannot be read (the run then says why)."""
    from toolkit.blueprint.loader import MAX_YAML_NODES
    from toolkit.blueprint.source import UnreadableSource, read_source
    from toolkit.blueprint.yamltree import YamlProblem, parse_yaml

    try:
        value = parse_yaml(read_source(path, max_file_bytes).text, MAX_YAML_NODES).value
    except (UnreadableSource, YamlProblem):
        return True
    security = value.get("security") if isinstance(value, dict) else None
    return isinstance(security, dict) and "tests" in security


def select_tests(config: Config, blueprints: Selection | None = None) -> Selection:
    if config.test_files_configured:
        return Selection(tuple(config.test_files), "configured", search_root(config), config=config.source)
    blueprints = blueprints or blueprint_selection(config)
    root = search_root(config)
    inline = [p for p in blueprints.paths if has_inline_tests(p, config.max_file_bytes)]
    found = sorted({*discover_test_files(root), *inline})
    return Selection(tuple(found), "discovered", root, (*TEST_PATTERNS, INLINE), config.source)


def example_tests(config: Config) -> Selection:
    from toolkit.resources import builtin_tests_path, example_blueprint_path

    return Selection((example_blueprint_path(), builtin_tests_path()), "example", search_root(config))
