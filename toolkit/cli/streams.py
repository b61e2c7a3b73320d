"""Standard output that ends quietly when its reader goes away (`cedar-gates lint | head -1`).

Python ignores SIGPIPE, so a write after the reader closed the pipe raises
BrokenPipeError; click would turn that into exit 1 and a traceback could
follow at interpreter exit. Here the first such write points fd 1 at
/dev/null and the command runs on to its own exit code, silently.
"""

from __future__ import annotations

import io
import os
import sys


class QuietPipe(io.RawIOBase):
    """A raw writer on `fd` that swallows a closed pipe: later writes go to /dev/null."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd
        self.reader_gone = False

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return os.isatty(self._fd)

    def write(self, data) -> int:  # type: ignore[override]
        size = len(data)
        if self.reader_gone:
            return size
        try:
            return os.write(self._fd, data)
        except BrokenPipeError:
            self.reader_gone = True
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, self._fd)
            finally:
                os.close(devnull)
            return size

    def close(self) -> None:  # fd 1 belongs to the process, not to this wrapper
        self.flush()


def quiet_stdout() -> None:
    """Replace sys.stdout with the same text stream over a QuietPipe (same encoding and buffering)."""
    current = sys.stdout
    try:
        fd = current.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (a test runner's capture): leave it alone
    current.flush()
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(QuietPipe(fd)), encoding=current.encoding, errors=current.errors,
        line_buffering=current.line_buffering,
    )


def reader_gone() -> bool:
    """True once a write found stdout's reader gone (a long-running command may stop early then)."""
    raw = getattr(getattr(sys.stdout, "buffer", None), "raw", None)
    return bool(getattr(raw, "reader_gone", False))
