"""Opening the hook's own files so that nothing the agent can plant turns them against the gate.

The agent can write into the project directory, so it could replace the
decision log with a FIFO (every later call would hang holding the state lock),
with a symlink to `.git/config` (the hook would append JSON to it) or with a
device. Every file the hook creates is therefore opened without following a
symlink, without blocking on a FIFO or device, checked to be a regular file
before a byte is read or written, and created readable by its owner only.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from toolkit.safeio import UnsafeFileError

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def private_dir(path: Path) -> None:
    """Create `path` (and parents) owner-only; refuse an existing symlink or non-directory at `path`."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.mkdir(path, PRIVATE_DIR)
        except FileExistsError:
            pass
        info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise UnsafeFileError(f"{path.name} is not a plain directory (a symlink or a file was put in its place)")


def regular_or_absent(path: Path) -> bool:
    """True when `path` is a regular file, False when absent; anything else (symlink included) raises."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeFileError(f"{path.name} is not a regular file (a symlink, FIFO or device was put in its place)")
    return True


def open_private(path: Path, flags: int) -> int:
    """A descriptor for a regular file at `path`, created 0600, never through a symlink, never blocking."""
    try:
        fd = os.open(path, flags | _NOFOLLOW | _NONBLOCK | _CLOEXEC, PRIVATE_FILE)
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # opening a FIFO with no reader for writing, or a device with no driver
            raise UnsafeFileError(f"{path.name} is not a regular file (a FIFO or device was put in its place)") from None
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnsafeFileError(f"{path.name} is not a regular file (a FIFO or device was put in its place)")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def create_private(path: Path) -> None:
    """Make sure a regular, owner-only file exists at `path` (SQLite then opens it)."""
    try:
        fd = open_private(path, os.O_RDWR | os.O_CREAT)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafeFileError(f"{path.name} is a symlink; the hook does not follow links for its own files") from None
        raise
    os.close(fd)


def append_line(path: Path, line: str) -> None:
    """Append one whole record with a single write; a short write (full disk) is reported, never left silent."""
    private_dir(path.parent)
    data = line.encode("utf-8", "surrogateescape")
    try:
        fd = open_private(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafeFileError(f"{path.name} is a symlink; the decision log is never written through a link") from None
        raise
    try:
        written = os.write(fd, data)
        if written != len(data):
            raise OSError(f"short write to {path.name} ({written} of {len(data)} bytes)")
    finally:
        os.close(fd)
