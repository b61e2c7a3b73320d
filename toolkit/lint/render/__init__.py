"""Renderers turn a LintReport into text for one output format; they decide nothing."""

from __future__ import annotations

from collections.abc import Callable

FORMATS = ("text", "json", "junit", "github", "sarif")


def renderer(name: str) -> Callable[..., str]:
    """`render(report, strict=False)` for the format; `strict` is what makes a warning fail."""
    if name == "json":
        from toolkit.lint.render.json_format import render
    elif name == "sarif":
        from toolkit.lint.render.sarif import render
    elif name == "github":
        from toolkit.lint.render.github import render
    elif name == "junit":
        from toolkit.lint.render.junit import render
    else:
        from toolkit.lint.render.text import render
    return render
