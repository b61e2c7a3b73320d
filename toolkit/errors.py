"""Errors that mean "the tool could not use this input" (CLI exit 2).

They carry the file and, where known, the place, so the CLI can say what to fix
without a traceback.
"""

from __future__ import annotations

from toolkit.record import record


@record(frozen=False)
class InputError(Exception):
    path: str
    message: str
    line: int | None = None
    column: int | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class ContractError(InputError):
    """The constants contract is unreadable or breaks its invariants."""


class ConfigError(InputError):
    """The toolkit configuration is unreadable or invalid."""


class MissingExtra(Exception):
    """An optional part of cedar-gates is not installed; the message names the extra that brings it."""
