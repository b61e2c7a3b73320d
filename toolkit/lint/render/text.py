"""Human output in the style of ruff: location, code, message, the source line, a hint."""

from __future__ import annotations

from toolkit.lint.diagnostics import LintReport

_COLOURS = {"error": "\x1b[31m", "warning": "\x1b[33m", "info": "\x1b[36m"}
_RESET = "\x1b[0m"


def render(report: LintReport, colour: bool = False, strict: bool = False) -> str:
    out: list[str] = []
    for file in report.files:
        for f in file.findings:
            level = f"{_COLOURS[f.level]}{f.level}{_RESET}" if colour else f.level
            rule = f" [{f.rule_id}]" if f.rule_id else ""
            out.append(f"{f.path}:{f.line}:{f.column}: {f.code} {level}: {f.message}{rule}")
            if file.lines and 1 <= f.line <= len(file.lines):
                source = file.lines[f.line - 1].rstrip("\r").expandtabs(1)
                gutter = len(str(f.line))
                end = f.end_column if f.end_line == f.line and f.end_column > f.column else len(source) + 1
                width = max(1, min(end, len(source) + 1) - f.column)
                source, column, width = _window(source, f.column, width)
                out.append(f"{' ' * gutter} |")
                out.append(f"{f.line} | {source}")
                out.append(f"{' ' * gutter} | {' ' * (column - 1)}{'^' * width}")
            out.append(f"  = hint: {f.hint}")
            out.append("")
    out.append(summary(report))
    return "\n".join(out)


_MAX_EXCERPT = 160
_BEFORE = 60


def _window(source: str, column: int, width: int) -> tuple[str, int, int]:
    """A long line (generated or hostile text) shown as a window around the marked place."""
    if len(source) <= _MAX_EXCERPT:
        return source, column, width
    start = max(0, column - 1 - _BEFORE)
    end = min(len(source), start + _MAX_EXCERPT)
    prefix = "..." if start > 0 else ""
    suffix = "..." if end < len(source) else ""
    shown = prefix + source[start:end] + suffix
    new_column = column - start + len(prefix)
    return shown, new_column, max(1, min(width, end - (column - 1)))


def summary(report: LintReport) -> str:
    """The last line, naming what was linted (the first few files), so a run that checked the wrong files shows."""
    files = len(report.files)
    errors, warnings, infos = report.count("error"), report.count("warning"), report.count("info")
    noun = "file" if files == 1 else "files"
    shown = _shown_names([f.path for f in report.files])
    names = ", ".join(shown[:_NAMED]) + (f" and {len(shown) - _NAMED} more" if len(shown) > _NAMED else "")
    if not (errors or warnings or infos):
        return f"All checks passed: {files} {noun} linted ({names}), no findings."
    return f"Found {errors} error(s), {warnings} warning(s), {infos} note(s) in {files} {noun} ({names})."


_NAMED = 3


def _shown_names(paths: list[str]) -> list[str]:
    """The bundled tier files as one "built-in tiers", not their install path (site-packages says nothing)."""
    import os

    from toolkit.resources import builtin_policies_dir

    bundled = os.path.realpath(builtin_policies_dir()) + os.sep
    names: list[str] = []
    for path in paths:
        name = "built-in tiers" if os.path.realpath(path).startswith(bundled) else path
        if name not in names:
            names.append(name)
    return names
