"""Reading inputs and writing outputs so that no file, device or signal can hang, tear or flood a command.

Inputs are opened without blocking and read only when they are regular files,
bounded before a byte is parsed; outputs are written to a temporary file and
renamed, so a kill or a full disk leaves the old file or the new one. The
hook's own private files (state, log) are in toolkit/hook/ownfiles.py.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class UnsafeFileError(OSError):
    """A path is a symlink, a FIFO, a device or a directory where a regular file must be."""


# -- the toolkit's own inputs and outputs (the CLI, not only the hook) ---------------------------------------------

_LIVE_TEMPORARIES: set[str] = set()
"""Temporary files being written right now; a signal handler removes them before the process ends."""


def remove_temporaries() -> None:
    """Unlink every temporary file still being written (called on SIGTERM/SIGHUP before exiting)."""
    for name in list(_LIVE_TEMPORARIES):
        try:
            os.unlink(name)
        except OSError:
            pass
        _LIVE_TEMPORARIES.discard(name)


def kind_of(mode: int) -> str:
    """`a FIFO`, `a directory`, ... for messages about a path that is not a regular file."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symlink"
    return "not a regular file"


class NotRegularFile(UnsafeFileError):
    """An input path is a FIFO, a device, a socket or a directory: refused unread (it could block or never end)."""


class InputTooLarge(UnsafeFileError):
    """An input is larger than the limit; refused before it is parsed."""


def read_input(path: Path | str, max_bytes: int) -> bytes:
    """An input file's bytes, bounded before a byte is parsed.

    The file is opened without blocking (a FIFO with no writer does not hang),
    checked to be a regular file (FIFOs, devices such as /dev/zero, sockets and
    directories are refused unread) and read to at most `max_bytes` (a file
    growing while it is read is refused too). Errors are OSError subclasses
    whose message reads well after the file name.
    """
    try:
        fd = os.open(path, os.O_RDONLY | _NONBLOCK | _CLOEXEC)
    except IsADirectoryError:
        raise NotRegularFile(errno.EISDIR, "is a directory, not a file") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(errno.EINVAL, f"is {kind_of(info.st_mode)}, not a regular file; refused unread")
        if info.st_size > max_bytes:
            raise InputTooLarge(errno.EFBIG, f"is {info.st_size:,} bytes, over the {max_bytes:,}-byte input limit "
                                "(max-file-bytes); refused unread")
        os.set_blocking(fd, True)
        data = _read_fd(fd, max_bytes)
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise InputTooLarge(errno.EFBIG, f"grew past the {max_bytes:,}-byte input limit while being read")
    return data


def _read_fd(fd: int, max_bytes: int) -> bytes:
    chunks = []
    left = max_bytes + 1
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 16))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_stdin(max_bytes: int, stream=None) -> bytes:
    """Standard input, read to at most `max_bytes` + 1 (the caller refuses more); a directory is refused.

    `/dev/zero` as stdin therefore costs at most the limit, never the memory of the machine.
    """
    import sys

    stream = stream if stream is not None else sys.stdin.buffer
    try:
        fileno = stream.fileno()
    except (AttributeError, OSError, ValueError):
        fileno = None
    if fileno is not None:
        try:
            mode = os.fstat(fileno).st_mode
        except OSError:
            mode = 0
        if stat.S_ISDIR(mode):
            raise NotRegularFile(errno.EISDIR, "stdin is a directory, not a stream of data")
    try:
        return stream.read(max_bytes + 1) or b""
    except IsADirectoryError:
        raise NotRegularFile(errno.EISDIR, "stdin is a directory, not a stream of data") from None


def check_input_path(path: Path | str) -> None:
    """Refuse, without opening it for long, a path that is not a regular file (for readers that stream)."""
    try:
        fd = os.open(path, os.O_RDONLY | _NONBLOCK | _CLOEXEC)
    except IsADirectoryError:
        raise NotRegularFile(errno.EISDIR, "is a directory, not a file") from None
    try:
        mode = os.fstat(fd).st_mode
    finally:
        os.close(fd)
    if not stat.S_ISREG(mode):
        raise NotRegularFile(errno.EINVAL, f"is {kind_of(mode)}, not a regular file; refused unread")


def open_input(path: Path | str):
    """A binary file object for a regular file, opened without blocking first; for readers that stream lines."""
    fd = os.open(path, os.O_RDONLY | _NONBLOCK | _CLOEXEC)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(errno.EINVAL, f"is {kind_of(mode)}, not a regular file; refused unread")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


class AtomicOutput:
    """A file written in full or not at all: `with AtomicOutput(path) as out: out.write(...)`.

    A regular file (or a new one) is written to a temporary file in the same
    directory, flushed to disk and renamed over the target when the block ends
    without an exception; on an exception, a kill signal turned into one, or a
    full disk, the temporary file is removed and the old file stays as it was.
    The old file's mode is kept (a new file gets 0644 less the umask). A
    symlink is followed to its target, so the link stays a link.

    A target that is not a regular file — /dev/null, /dev/stdout, /dev/full, a
    FIFO — cannot be torn and must never be replaced by a rename, so it is
    written straight through; write errors (ENOSPC) still raise. A directory
    is refused.
    """

    def __init__(self, path: Path | str, text: bool = True) -> None:
        self.path = Path(path)
        self.text = text
        self._tmp: str | None = None
        self._handle = None
        self._target: Path | None = None

    def __enter__(self):
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            info = None
        if info is not None and stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory", str(self.path))
        if info is not None and not stat.S_ISREG(info.st_mode):
            fd = os.open(self.path, os.O_WRONLY | _CLOEXEC)  # a device, FIFO or pipe: no rename over it, ever
            self._handle = os.fdopen(fd, "w" if self.text else "wb", **({"encoding": "utf-8"} if self.text else {}))
            return self._handle
        import tempfile

        real = Path(os.path.realpath(self.path))
        if info is not None:
            mode = stat.S_IMODE(info.st_mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o644 & ~umask
        self._target = real
        prefix = f".{real.name[:100]}."  # a name near the 255-byte limit still leaves room for the temp suffix
        fd, self._tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=real.parent)
        _LIVE_TEMPORARIES.add(self._tmp)
        try:
            os.fchmod(fd, mode)
            self._handle = os.fdopen(fd, "w" if self.text else "wb", **({"encoding": "utf-8", "newline": ""}
                                                                          if self.text else {}))
        except BaseException:
            self._discard()
            raise
        return self._handle

    def __exit__(self, exc_type, exc, tb) -> None:
        handle, self._handle = self._handle, None
        if self._tmp is None:  # written straight through
            try:
                handle.close()
            except OSError:
                if exc_type is None:
                    raise
            return
        if exc_type is not None:
            try:
                handle.close()
            except OSError:
                pass
            self._discard()
            return
        try:
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
            os.replace(self._tmp, self._target)
        except BaseException:
            try:
                handle.close()
            except OSError:
                pass
            self._discard()
            raise
        _LIVE_TEMPORARIES.discard(self._tmp)
        self._tmp = None
        _fsync_dir(self._target.parent)

    def _discard(self) -> None:
        if self._tmp is not None:
            try:
                os.unlink(self._tmp)
            except OSError:
                pass
            _LIVE_TEMPORARIES.discard(self._tmp)
            self._tmp = None


def _fsync_dir(folder: Path) -> None:
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def write_output(path: Path | str, data: str | bytes) -> None:
    """Write a whole output file atomically (see AtomicOutput); devices and FIFOs are written straight through."""
    with AtomicOutput(path, text=isinstance(data, str)) as handle:
        handle.write(data)
