"""Lexical path normalisation: the form every path rule sees, for file tools and Bash alike.

Nothing touches the file system. A relative path is resolved against the task's
working directory when it is known; when it is not, a `..` that climbs out of
the working directory is taken to reach `/` (the depth is unknown, so the
gate assumes the worst). A path segment made only of wildcards becomes `*`, so
`/.*`, `/**` and `/?*` all read as "everything in /".
"""

from __future__ import annotations

import posixpath

from toolkit.shell.winpaths import inside, is_absolute, is_drive, slashes

HOME = "~"
_WILDCARDS = frozenset("*?")


def _wildcard_only(segment: str) -> bool:
    if not any(c in _WILDCARDS or c == "[" for c in segment):
        return False
    rest, depth = [], 0
    for c in segment:
        if c == "[":
            depth += 1
        elif c == "]" and depth:
            depth -= 1
        elif not depth and c not in _WILDCARDS and c != ".":
            rest.append(c)
    return not rest


def normalise(path: str, cwd: str | None = None) -> str:
    """`./`, `//`, trailing `/` and `..` resolved; `~` kept as the home marker; Windows spellings
    (`C:\\x`, `sub\\y`) read as `/`-separated with the drive as root (toolkit.shell.winpaths)."""
    if not path:
        return path
    path = slashes(path)
    if path == HOME or path.startswith(HOME + "/"):
        anchor, rest = HOME, path[1:]
    elif path.startswith("/"):
        anchor, rest = "/", path
    elif is_drive(path):
        anchor, rest = path[:2] + "/", path[2:]
    elif cwd and is_absolute(cwd):
        joined = normalise(posixpath.join(slashes(cwd), path))
        base = normalise(cwd)
        if base == "/" or base.endswith(":/"):
            return joined
        relative = inside(joined, base)
        return joined if relative is None else relative
    else:
        anchor, rest = "", path
    parts: list[str] = []
    escaped = False
    for segment in rest.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if parts:
                parts.pop()
            elif not anchor.endswith("/"):
                escaped = True
            continue
        parts.append("*" if _wildcard_only(segment) else segment)
    if escaped:
        return "/" + "/".join(parts)
    if anchor == HOME:
        return HOME + ("/" + "/".join(parts) if parts else "")
    if anchor.endswith("/"):
        return anchor + "/".join(parts)
    return "/".join(parts) or "."


def fold(path: str) -> str:
    """The case-folded path, so rules hold on case-insensitive file systems."""
    return path.casefold()
