"""Reading an input file defensively: size first, then bytes, then text."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path


class UnreadableSource(Exception):
    """The file cannot be used at all; `line` is set when the fault has a place."""

    def __init__(self, message: str, hint: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.line = line
        self.column = column


@dataclass
class SourceFile:
    path: Path
    display: str
    text: str

    def __post_init__(self) -> None:
        self._lines: list[str] | None = None

    def line_text(self, line: int) -> str:
        if self._lines is None:
            self._lines = self.text.split("\n")
        if 1 <= line <= len(self._lines):
            return self._lines[line - 1].rstrip("\r")
        return ""


def display_path(path: Path) -> str:
    """Relative to the working directory when inside it, so reports stay repository-relative."""
    return DisplayPaths()(path)


class DisplayPaths:
    """`display_path` for many files: the working directory and each folder are resolved once.

    Resolving every file separately (an lstat per path component, twice) cost
    about 0.1 ms a file, a tenth of loading a fixture corpus. A symlinked file
    is shown under its own name, in its resolved folder.
    """

    def __init__(self) -> None:
        self._cwd = os.path.realpath(os.getcwd())
        self._folders: dict[str, str | None] = {}

    def __call__(self, path: Path | str) -> str:
        folder, name = os.path.split(os.fspath(path))
        if folder not in self._folders:
            self._folders[folder] = self._relative(folder)
        shown = self._folders[folder]
        if shown is None:
            return str(path)
        return Path(shown, name).as_posix()

    def _relative(self, folder: str) -> str | None:
        real = os.path.realpath(folder or ".")
        if real != self._cwd and not real.startswith(self._cwd.rstrip(os.sep) + os.sep):
            return None
        return os.path.relpath(real, self._cwd)


STDIN = "-"


def read_source(path: Path, max_bytes: int, display: str | None = None) -> SourceFile:
    """A text file read defensively (size first, then NUL bytes, then UTF-8); `-` reads stdin.

    `display`: the caller's already-computed display path (resolving paths is costly over thousands of files).
    """
    from toolkit.safeio import InputTooLarge, NotRegularFile, read_input, read_stdin

    if str(path) == STDIN:
        try:
            data = read_stdin(max_bytes)
        except NotRegularFile as exc:
            raise UnreadableSource(exc.strerror, "pipe or redirect a file into stdin, or pass the file's path") from None
        if len(data) > max_bytes:
            raise UnreadableSource(f"stdin is over the {max_bytes:,}-byte input limit",
                                   "raise `max-file-bytes` in the cedar-gates configuration")
        return SourceFile(path, "<stdin>", _text(data))
    try:
        data = read_input(path, max_bytes)
    except FileNotFoundError:
        raise UnreadableSource("file not found", "check the path") from None
    except NotRegularFile as exc:
        if exc.errno == errno.EISDIR:
            raise UnreadableSource("is a directory, not a file", "pass a blueprint .yaml/.yml or a .cedar file") from None
        raise UnreadableSource(exc.strerror, "pass a regular file (FIFOs and devices could block or never end)") from None
    except InputTooLarge as exc:
        message = exc.strerror.replace("is ", "file is ", 1) if exc.strerror.startswith("is ") else exc.strerror
        raise UnreadableSource(message, "split the file, or raise `max-file-bytes` in the cedar-gates configuration") \
            from None
    except OSError as exc:
        raise UnreadableSource(f"cannot read the file: {exc.strerror or exc}", "check the path and permissions") from None
    return SourceFile(path, display or display_path(path), _text(data))


def _text(data: bytes) -> str:
    if b"\0" in data:
        line = data.count(b"\n", 0, data.index(b"\0")) + 1
        raise UnreadableSource("binary data (NUL byte) in the file", "pass a text file", line=line)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise UnreadableSource(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            "save the file as UTF-8",
            line=line,
            column=column,
        ) from None
    return text[1:] if text.startswith("\ufeff") else text
