"""Bypass-prone `like` patterns.

Cedar `like` has one wildcard and no character classes, case folding or
whitespace classes, so some natural-looking patterns are easy to step around.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from toolkit.cedar.scan import WILDCARD, LikePattern
from toolkit.lint.context import LintContext
from toolkit.lint.rule import Hit, Rule

_MARK = "\x00"
_FLAG_BEFORE_WILDCARD = re.compile(r"(?:^|(?<=[\s\x00]))(--?[A-Za-z0-9][A-Za-z0-9-]*)\x00")
_WORD_SPACE_WORD = re.compile(r"[A-Za-z0-9_] [A-Za-z0-9_-]")
SQL_KEYWORDS = ("drop", "table", "truncate", "delete", "from", "alter", "database", "schema")
# A policy is treated as matching SQL when its patterns hold one of these keyword groups.
SQL_PHRASES = (
    {"truncate"}, {"drop", "table"}, {"drop", "database"}, {"drop", "schema"}, {"delete", "from"}, {"alter", "table"},
)
_SQL = re.compile(r"(?<![A-Za-z])(" + "|".join(SQL_KEYWORDS) + r")(?![A-Za-z])", re.I)


def _marked(pattern: LikePattern) -> str:
    return "".join(_MARK if e is WILDCARD else str(e) for e in pattern.elements)


def _on_command(pattern: LikePattern) -> bool:
    return pattern.subject.replace(" ", "").endswith("command")


def _patterns(ctx: LintContext):
    for block, policy in ctx.policies():
        for pattern in policy.scanned.likes:
            yield block, policy, pattern


def check_flag_prefix(ctx: LintContext) -> Iterator[Hit]:
    for block, policy, pattern in _patterns(ctx):
        if not _on_command(pattern):
            continue
        match = _FLAG_BEFORE_WILDCARD.search(_marked(pattern))
        if match:
            flag = match.group(1)
            yield Hit(f"flag literal `{flag}` is followed by `*`, so the pattern also matches every longer flag "
                      f"that starts with it (`{flag}-...`, `{flag}x`)",
                      block.origin.location(pattern.span.start, pattern.span.end), policy.rule_id, policy,
                      hint=f"on the `run_command` request match the flag set instead "
                      f"(`context.flags.contains(\"{flag}\")`; combined short flags are split), or end the flag with "
                      f"a space (`{flag} *`) and add `*{flag}` for the flag at the end of the command")


def check_sql_case(ctx: LintContext) -> Iterator[Hit]:
    for block, policy in ctx.policies():
        spellings: dict[str, set[str]] = {}
        first: dict[str, LikePattern] = {}
        for pattern in policy.scanned.likes:
            if not _on_command(pattern):
                continue
            for run in pattern.literal_runs():
                for match in _SQL.finditer(run):
                    keyword = match.group(1).lower()
                    spellings.setdefault(keyword, set()).add(match.group(1))
                    first.setdefault(keyword, pattern)
        phrases = [phrase for phrase in SQL_PHRASES if phrase <= spellings.keys()]
        sql_keywords = set().union(*phrases) if phrases else set()
        for keyword, seen in spellings.items():
            if keyword not in sql_keywords:
                continue
            total = 2 ** len(keyword)
            if len(seen) < total:
                pattern = first[keyword]
                shown = ", ".join(f'"{s}"' for s in sorted(seen))
                missing = next(v for v in (keyword, keyword.upper(), keyword.title()) if v not in seen)
                yield Hit(f"`like` is case-sensitive: {shown} covers {len(seen)} of the {total} spellings of "
                          f"`{keyword}`, so e.g. \"{missing}\" "
                          "slips through", block.origin.location(pattern.span.start, pattern.span.end),
                          policy.rule_id, policy,
                          hint="match the engine's lower-cased SQL on the `run_command` request "
                          "(`context.sql like \"*drop table*\"`, see the built-in drop_table rule) or "
                          "`context.command_lower`; Cedar itself has no lower-case function")


def check_whitespace(ctx: LintContext) -> Iterator[Hit]:
    for block, policy, pattern in _patterns(ctx):
        if not _on_command(pattern):
            continue
        for run in pattern.literal_runs():
            match = _WORD_SPACE_WORD.search(run)
            if match:
                words = run.strip()
                yield Hit(f"pattern requires exactly one space inside `{words}`; two spaces or a tab bypass it",
                          block.origin.location(pattern.span.start, pattern.span.end), policy.rule_id, policy,
                          hint=f"match the `run_command` request instead (`context.program`, `context.subcommand`, "
                          f"`context.flags`; its `context.command` is single-spaced), or put `*` between the words "
                          f"(`*{'*'.join(words.split())}*`)")
                break


def check_all_wildcard(ctx: LintContext) -> Iterator[Hit]:
    for block, policy, pattern in _patterns(ctx):
        if pattern.elements and all(e is WILDCARD for e in pattern.elements):
            yield Hit(f"pattern {pattern.raw} matches every string",
                      block.origin.location(pattern.span.start, pattern.span.end), policy.rule_id, policy,
                      hint="use `context has <attribute>` if presence is what you mean, or write a real pattern")


RULES = [
    Rule("CG070", "flag-prefix-pattern", "warning",
         "A `like` pattern ends a command-line flag with `*`, so it also matches longer flags.",
         "match `context.flags` on the `run_command` request, or end the flag with a space",
         "`*--force*` matches `--force-with-lease` and `--force-if-includes`; `* -f*` matches `-fx` but misses "
         "`-fu`. The `run_command` request carries the command's options as a set with combined short flags "
         "split (`context.flags.contains(\"-f\")` holds for `-fu`), which is what such a pattern usually means. "
         "Sometimes the prefix is the intent (a soft gate on every force variant); then allow it with "
         "@lint_allow(\"CG070\") and say so in a comment.", check_flag_prefix),
    Rule("CG071", "case-sensitive-sql", "warning",
         "A `like` pattern matches an SQL keyword in some letter cases only.",
         "match `context.sql` on the `run_command` request, which the engine lower-cases",
         "SQL keywords are case-insensitive but Cedar `like` is not: `*DROP TABLE*` misses `drop table`. The "
         "rule counts the spellings of each keyword a policy covers. The `run_command` request of a SQL client "
         "carries `sql`, the statements it would execute, lower-cased with comments and literals removed, so "
         "`context.sql like \"*drop table*\"` covers every spelling and never fires on `grep` or a commit "
         "message.", check_sql_case),
    Rule("CG072", "whitespace-sensitive-pattern", "warning",
         "A command pattern requires exactly one space between words.",
         "match `context.program`/`context.subcommand` on the `run_command` request, or use `*` between words",
         "`*git push*` misses `git  push` and `git\\tpush`. Shells accept any run of blanks between words. The "
         "`run_command` request names the program and subcommand after quotes, wrappers and nesting are "
         "resolved (`context.program == \"git\" && context.subcommand == \"push\"`), and its `command` is "
         "single-spaced.", check_whitespace),
    Rule("CG073", "all-wildcard-pattern", "warning", "A `like` pattern consists only of wildcards.",
         "use `context has <attribute>` or a real pattern",
         "`like \"*\"` is true for every string, which usually hides a mistake.", check_all_wildcard),
]
