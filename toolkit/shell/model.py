"""What a Bash command would run, as the gates see it."""

from __future__ import annotations

from toolkit.record import record


@record
class Word:
    """One argument after expansion; `dynamic` when some part of it is not known statically."""

    text: str
    dynamic: bool = False


@record
class SimpleCommand:
    """One program that would run, after quotes, escapes, wrappers and known variables are resolved.

    `program` is argv[0]'s basename, or "" when the program itself cannot be
    known (`$CMD`, `curl … | sh`, a parse the grammar gave up on). `writes`
    holds the files it would write (redirections and the program's own
    destinations), not yet normalised; `sql` the SQL text it would execute.
    Relative paths in `args` and `writes` are relative to `cwd`.
    """

    program: str
    args: tuple[str, ...]
    dynamic: bool
    writes: tuple[Word, ...] = ()
    sql: str = ""
    sql_dynamic: bool = False
    cwd: str = ""
    """Where an earlier `cd` on the same line moved to, relative to the task's directory ("" = not moved)."""
    effects: tuple[str, ...] = ()
    """What interpreter code given inline would do: "delete", "write", "exec" (toolkit.shell.inline)."""

    def canonical(self) -> str:
        return " ".join((self.program or "<dynamic>", *self.args))


@record
class Analysis:
    commands: tuple[SimpleCommand, ...]
    complete: bool
    """False when the parser met text it could not read or a nesting limit was hit."""
    failure: str | None = None
    """The exception class when the analysis itself failed (the command then counts as unknown)."""
