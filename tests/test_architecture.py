"""The layer order (DESIGN.md §2, docs/architecture.md) holds: a new import that runs back up fails here.

The contracts live in pyproject.toml under [tool.importlinter]; `lint-imports` runs
the same check by hand. Lazy imports inside functions count: a cycle that only
closes at call time is still a module that cannot be understood on its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

importlinter = pytest.importorskip("importlinter", reason="import-linter is in the test extra")
grimp = pytest.importorskip("grimp")

KNOWN_CYCLES: set[frozenset[str]] = {
    # windows.py reads walker.MAX_DEPTH inside functions; walker -> nesting -> windows. Left for the shell's owners.
    frozenset({"toolkit.shell.nesting", "toolkit.shell.walker", "toolkit.shell.windows"}),
}


def test_the_import_contracts_are_kept(capsys):
    from importlinter.cli import lint_imports

    code = lint_imports(config_filename=str(REPO / "pyproject.toml"), no_cache=True, no_logo=True)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "0 broken" in out


def _cycles(graph) -> list[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def test_no_module_imports_itself_through_others():
    graph = grimp.build_graph("toolkit", cache_dir=None)
    new = [sorted(c) for c in _cycles(graph) if c not in KNOWN_CYCLES]
    assert not new, f"import cycles: {new}"


def test_lint_and_compile_stay_one_way():
    """The cycle issue 26 removed: engine/policies -> lint -> lint/rules/tests -> policytests/run -> engine/gate."""
    graph = grimp.build_graph("toolkit", cache_dir=None)
    assert not graph.chain_exists("toolkit.engine.policies", "toolkit.lint")
    assert not graph.chain_exists("toolkit.lint", "toolkit.engine", as_packages=True)
    assert not graph.chain_exists("toolkit.lint", "toolkit.policytests", as_packages=True)
    assert graph.chain_exists("toolkit.policyset", "toolkit.lint.runner")
    assert graph.chain_exists("toolkit.policyset", "toolkit.engine.policies")
