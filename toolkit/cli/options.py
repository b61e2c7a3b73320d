"""The options every command shares, worded once: `--format/-f`, `-o/--output`, stdin as `-`.

A command offers the formats that make sense for it (`formats("text", "json", "junit")`); the help for each
choice is the same sentence everywhere. docs/cli.md lists the letters; tests/test_cli_conventions.py walks
every command's options so that a new one cannot give a letter a second meaning.
"""

from __future__ import annotations

import tempfile
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Any, Iterator, Optional

import typer

FORMAT_HELP = {
    "text": "for people",
    "json": "one JSON document",
    "junit": "JUnit XML, every failure a test case (CI test tabs)",
    "github": "GitHub Actions workflow commands (pull-request annotations)",
    "sarif": "SARIF 2.1.0 (code scanning)",
}
"""Every format a command may offer, in the order help lists them."""

REPORT_FORMATS = ("text", "json", "junit", "github", "sarif")
"""What a command whose report is findings or test results offers (check, lint, test, parity, simulate, sync)."""


def formats(name: str, *names: str) -> type[Enum]:
    """A str Enum of the given format names (each from FORMAT_HELP), for a command's `--format` annotation."""
    unknown = [n for n in names if n not in FORMAT_HELP]
    if unknown:
        raise ValueError(f"unknown report format(s): {', '.join(unknown)}")
    return Enum(name, [(n, n) for n in sorted(names, key=list(FORMAT_HELP).index)], type=str)  # type: ignore[return-value]


def format_help(choices: type[Enum]) -> str:
    return "; ".join(f"{c.value}: {FORMAT_HELP[c.value]}" for c in choices) + "."


def format_option(choices: type[Enum], default: str = "text") -> Any:
    """`-f/--format FORMAT` over `choices`; `default` must be one of them."""
    return typer.Option(choices(default), "--format", "-f", help=format_help(choices))


def output_option(what: str = "the report") -> Any:
    """`-o/--output FILE`: always the report file. Written beside the target and renamed, so never torn."""
    return typer.Option(None, "--output", "-o", metavar="FILE", dir_okay=False, allow_dash=True,
                        help=f"Write {what} to FILE instead of stdout (`-`: stdout). The file is replaced "
                        "whole, never left half-written.")


TextFormat = formats("TextFormat", "text", "json")
"""For commands whose output is a listing or a result rather than findings."""

FormatOption = format_option(TextFormat)
OutputOption = output_option()


def to_stdout(output: Optional[Path]) -> bool:
    return output is None or str(output) == "-"


STDIN_MAX_BYTES = 256 << 20
"""Stdin spooled to a temporary file is bounded; pass a larger input as a file."""


@contextmanager
def stdin_as_file(path: Path, name: str, what: str = "input") -> Iterator[Path]:
    """`-` spooled to a temporary file called `name` (a reader may need a real file: reading twice, a suffix).

    Any other path is passed through. The spool is bounded (STDIN_MAX_BYTES) and stdin that is a terminal or
    a directory is refused with a message naming `-`.
    """
    if str(path) != "-":
        yield path
        return
    from toolkit.cli.app import fail
    from toolkit.safeio import NotRegularFile, read_stdin

    with tempfile.TemporaryDirectory(prefix="cedar-gates-") as tmp:
        spooled = Path(tmp) / name
        left = STDIN_MAX_BYTES + 1
        with spooled.open("wb") as handle:
            while left > 0:
                try:
                    chunk = read_stdin(min(left, 1 << 20) - 1)
                except NotRegularFile as exc:
                    fail(f"-: {exc.strerror}\n  hint: pipe the {what} into stdin, or pass its path")
                if not chunk:
                    break
                handle.write(chunk)
                left -= len(chunk)
        if left <= 0:
            fail(f"-: the {what} on stdin is over {STDIN_MAX_BYTES:,} bytes; refused\n"
                 f"  hint: pass an {what} this large as a file")
        yield spooled


def print_to_output(ctx: typer.Context, output: Optional[Path]) -> None:
    """From here on, what the command prints on stdout goes to the report file `-o` names instead.

    For commands that print their text report line by line: stdout is collected and written to the file
    (atomically, as `emit` does) when the command ends, whatever its exit code. No-op for stdout.
    """
    if to_stdout(output):
        return
    import io
    import sys

    from toolkit.cli.app import emit

    saved, buffer = sys.stdout, io.StringIO()
    sys.stdout = buffer

    def finish() -> None:
        sys.stdout = saved
        if buffer.getvalue():  # nothing printed (an error before the report): the old file stays as it was
            emit(buffer.getvalue().removesuffix("\n"), output)

    ctx.call_on_close(finish)
