"""Splitting one argument list into options, option values and operands.

Only what the gates need: a program's value-taking options must be known to
tell an option's value from an operand (`tar -C / -xf a.tar`), and combined
short flags are split (`-rf` → `-r`, `-f`) so a rule can ask for one letter.
"""

from __future__ import annotations

from dataclasses import field
from typing import Sequence

from toolkit.record import record


@record
class OptionSpec:
    """Short letters and long names that take a value; `single_dash_long` for `find -delete` style."""

    short_values: str = ""
    long_values: frozenset[str] = frozenset()
    single_dash_long: bool = False
    stop_at_operand: bool = False


@record(frozen=False, eq=False)
class Parsed:
    flags: list[str] = field(default_factory=list)
    values: dict[str, list[str]] = field(default_factory=dict)
    operands: list[str] = field(default_factory=list)
    rest: list[str] = field(default_factory=list)

    def value(self, *names: str) -> list[str]:
        return [v for n in names for v in self.values.get(n, [])]

    def has(self, *names: str) -> bool:
        return any(n in self.flags or n in self.values for n in names)


PLAIN = OptionSpec()


def parse(args: Sequence[str], spec: OptionSpec = PLAIN) -> Parsed:
    """Options before `--` (or, with `stop_at_operand`, before the first operand; the rest goes to `rest`)."""
    out = Parsed()
    i, n = 0, len(args)
    while i < n:
        arg = args[i]
        i += 1
        if arg == "--":
            if spec.stop_at_operand:
                out.rest = list(args[i:])
                return out
            out.operands.extend(args[i:])
            return out
        if arg == "-" or not arg.startswith("-") or len(arg) == 1:
            if spec.stop_at_operand:
                out.rest = list(args[i - 1:])
                return out
            out.operands.append(arg)
            continue
        if arg.startswith("--") or spec.single_dash_long:
            name, eq, value = arg.partition("=")
            if eq:
                out.values.setdefault(name, []).append(value)
            elif name in spec.long_values and i < n:
                out.values.setdefault(name, []).append(args[i])
                i += 1
            else:
                out.flags.append(name)
            continue
        body = arg[1:]
        for j, letter in enumerate(body):
            if not letter.isalpha():
                if j == 0:
                    out.flags.append(arg)
                break
            name = "-" + letter
            if letter in spec.short_values:
                value = body[j + 1:]
                if not value and i < n:
                    value, i = args[i], i + 1
                out.values.setdefault(name, []).append(value)
                break
            out.flags.append(name)
    return out


def complete(name: str, names: frozenset[str]) -> str:
    """`--rec` → `--recursive` when exactly one known long option starts with it; otherwise as written."""
    if name in names or len(name) < 3:
        return name
    hits = [option for option in names if option.startswith(name)]
    return hits[0] if len(hits) == 1 else name


def expand_long(args: Sequence[str], names: frozenset[str], spec: OptionSpec = PLAIN) -> list[str]:
    """The arguments with each abbreviated long option (before `--`, never an option's value) written in full.

    `--rec=x` keeps its value (`--recursive=x`); an option's value and operands are left alone.
    """
    out = list(args)
    i, n = 0, len(args)
    while i < n:
        arg = args[i]
        i += 1
        if arg == "--":
            break
        if arg == "-" or not arg.startswith("-") or len(arg) == 1:
            if spec.stop_at_operand:
                break
            continue
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            full = complete(name, names)
            out[i - 1] = full + eq + value
            if not eq and full in spec.long_values:
                i += 1
            continue
        body = arg[1:]
        for j, letter in enumerate(body):
            if not letter.isalpha():
                break
            if letter in spec.short_values:
                i += 0 if body[j + 1:] else 1
                break
    return out
