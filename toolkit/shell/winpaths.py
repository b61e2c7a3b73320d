"""Windows path spellings read as the POSIX forms the rules match: `\\` as `/`, drive letters as roots.

Claude Code on Windows runs Bash through Git Bash, where `C:\\repo\\.git\\config`,
`c:/repo/.env` and `.GIT\\Config` all name real files; the path rules are
written for `/`-separated, case-folded paths. Everything here is lexical.

- A backslash is read as a separator everywhere (on POSIX a backslash in a file
  name is legal but rare; reading it as `/` can only make a rule fire more).
- A drive letter (`C:`) starts an absolute path; one appearing after other
  segments (`sub/C:/x`, as `cd sub` followed by `C:\\x` reads when joined)
  restarts the path there, as Windows does.
- Windows paths compare case-insensitively (`C:\\Repo` is inside `c:\\repo`).
"""

from __future__ import annotations

import posixpath

import re

_DRIVE_SEGMENT = re.compile(r"(?:^|/)([A-Za-z]:)(?=/|$)")
_DRIVE = re.compile(r"[A-Za-z]:(?:/|$)")
NULL_DEVICES = frozenset({"nul", "nul:"})
"""Windows' null device, in any directory and any letter case (`> nul`, `2>NUL`, `> sub\\nul`)."""


def slashes(path: str) -> str:
    """The path with Windows separators read as `/`, restarted at its last drive letter."""
    if "\\" in path:
        path = path.replace("\\", "/")
    if ":" in path:
        last = None
        for last in _DRIVE_SEGMENT.finditer(path):
            pass
        if last is not None:
            path = path[last.start(1):]
    return path


def is_drive(path: str) -> bool:
    """`C:`, `C:/…` (after `slashes`)."""
    return bool(_DRIVE.match(path))


def is_absolute(path: str) -> bool:
    """POSIX-absolute (`/…`) or on a Windows drive (`C:\\…`, `c:/…`)."""
    form = slashes(path)
    return form.startswith("/") or is_drive(form)


def is_windows(path: str) -> bool:
    return is_drive(slashes(path))


def inside(path: str, root: str) -> str | None:
    """`path` relative to `root` when it is `root` or beneath it ("." for root itself), else None.

    Both are normalised absolute paths; on a drive the comparison ignores letter case.
    """
    fold = is_drive(root)
    a, b = (path.casefold(), root.casefold()) if fold else (path, root)
    if a == b:
        return "."
    prefix = b.rstrip("/") + "/"
    if a.startswith(prefix):
        return path[len(prefix):]
    return None


def is_null_device(path: str) -> bool:
    return slashes(path).rstrip("/").rpartition("/")[2].casefold() in NULL_DEVICES


POWERSHELLS = frozenset({"powershell", "pwsh", "powershell_ise"})
CMD = frozenset({"cmd"})
WINDOWS_SHELLS = POWERSHELLS | CMD
_EXECUTABLE = (".exe", ".com")


def program_name(text: str) -> str:
    """argv[0] as the gates name it: basename of either separator, `.exe` dropped, in lower case
    (Windows file names ignore letter case, so `RM.EXE` and `Git` run rm and git)."""
    name = posixpath.basename(slashes(text).rstrip("/")) or text
    folded = name.casefold()
    if folded.endswith(_EXECUTABLE) and len(folded) > 4:
        folded = folded[:-4]
    return folded

