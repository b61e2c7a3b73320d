"""The tree-sitter Bash grammar, loaded once, and the text it can take without crashing."""

from __future__ import annotations

import re
from typing import Any


def new_parser() -> Any:
    import tree_sitter

    return tree_sitter.Parser(tree_sitter.Language(_bash_language()))


def _bash_language() -> Any:
    """The grammar from tree-sitter-bash's compiled binding.

    The package's `__init__` imports importlib.resources (for highlight
    queries we never use), which costs a hook process about 6 ms; the binding
    is loaded directly when it can be found, else through the package.
    """
    import importlib.machinery
    import importlib.util

    spec = importlib.util.find_spec("tree_sitter_bash")
    for directory in (spec.submodule_search_locations or []) if spec else []:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = f"{directory}/_binding{suffix}"
            binding_spec = importlib.util.spec_from_file_location("tree_sitter_bash._binding", path)
            if binding_spec is None or binding_spec.loader is None:
                continue
            try:
                module = importlib.util.module_from_spec(binding_spec)
                binding_spec.loader.exec_module(module)
            except (ImportError, OSError):
                continue
            return module.language()
    import tree_sitter_bash

    return tree_sitter_bash.language()


_OUTSIDE_BMP = re.compile("[\ud800-\udfff\U00010000-\U0010ffff]")
_PRIVATE_USE = range(0xE000, 0xF900)


def bmp_only(text: str) -> tuple[str | None, dict[int, str] | None]:
    """Text the grammar can take safely, and the table that restores the original characters.

    tree-sitter-bash 0.25.1 crashes the process on some characters beyond the
    Basic Multilingual Plane (seen with `{` followed by U+E0000 and above), and
    lone surrogates are not UTF-8. Each such character is parsed as an unused
    private-use character instead (a word character all the same) and restored
    in every text taken from the tree; a lone surrogate comes back as U+FFFD,
    as a UTF-8 encoder hands it to the shell (and a Cedar request cannot
    carry it). None when there are not enough of them.
    """
    found = sorted(set(_OUTSIDE_BMP.findall(text)))
    if not found:
        return text, None
    free = (chr(c) for c in _PRIVATE_USE if chr(c) not in text)
    forward: dict[int, str] = {}
    back: dict[int, str] = {}
    for ch in found:
        sub = next(free, None)
        if sub is None:
            return None, None
        forward[ord(ch)] = sub
        back[ord(sub)] = "\ufffd" if "\ud800" <= ch <= "\udfff" else ch
    return text.translate(forward), back
