"""git indirection: aliases defined on the same line, config that runs programs, the current branch.

Three questions the gates ask about git beyond its subcommand:

- **Aliases** defined in the same Bash call (`git -c alias.p='push -f' p`,
  `git config alias.p 'push -f' && git p`): the walker (toolkit.shell.nesting)
  expands them, so `git p origin main` is also read as `git push -f origin
  main`, and a `!` alias (`git -c alias.x='!rm -rf /' x`) as the shell text it
  runs. Aliases kept in a repository's or the user's config before the call are
  not seen (they live in files).
- **Config that runs a program** (`exec_config`): keys set with `-c`,
  `--config-env` or `git config KEY VALUE` whose value git executes or that
  point it at hooks, a template, an include — `core.hooksPath`,
  `core.sshCommand`, `core.fsmonitor`, `credential.helper`, `diff.*.textconv`,
  `filter.*.smudge`, a `!` alias, … A pager or editor set to a plain no-op
  (`-c core.pager=cat`) is not counted.
- **The current branch** (`current_branch`): read from the repository at a
  directory (`.git/HEAD`, or the `gitdir:` a worktree's `.git` file names).
  This is I/O: the edge (the hook, the CLI) calls it and passes the result in
  the task settings (`current_branch`); the engine stays pure. With it a bare
  `git push` or `git push origin HEAD` pushes that branch (`push_destinations`).
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
from typing import Any, Iterable, Sequence

from toolkit.shell.model import Word
from toolkit.shell.options import OptionSpec, parse
from toolkit.shell.programs import GIT_GLOBAL, push_refs

DEFAULT_PROTECTED = ("main", "master", "prod", "production", "release/*")
"""The protected branches when the task settings name none."""

_EXEC_KEYS = frozenset({
    "core.hookspath", "core.sshcommand", "core.fsmonitor", "core.pager", "core.editor", "core.askpass",
    "core.gitproxy", "core.alternaterefscommand", "sequence.editor", "diff.external", "gpg.program",
    "credential.helper", "uploadpack.packobjectshook", "init.templatedir", "include.path", "protocol.ext.allow",
    "sendemail.sendmailcmd", "sendemail.tocmd", "sendemail.cccmd", "receive.procreceiverefs", "web.browser",
})
_EXEC_PATTERNS = (re.compile(r"^(?:diff|difftool|mergetool|merge|filter|gpg|credential|includeif|remote|pager|man)"
                             r"\..+\.(?:command|textconv|cmd|driver|clean|smudge|process|program|helper|path"
                             r"|uploadpack|receivepack)$"),
                  re.compile(r"^pager\.[^.]+$"))
_NO_OP_VALUES = frozenset({"", "cat", "less", "less -r", "less -fr", "less -rfx", "more", "true", ":", "false",
                           "vi", "vim", "nano", "emacs", "code --wait"})
_NO_OP_KEYS = frozenset({"core.pager", "core.editor", "sequence.editor"})
_CONFIG = OptionSpec(short_values="f", long_values=frozenset({"--file", "--blob", "--type", "--default",
                                                              "--comment", "--value", "--file"}))
_CONFIG_VERBS = frozenset({"set", "add", "replace-all"})
_NOT_SETTING = frozenset({"--get", "--get-all", "--get-regexp", "--get-urlmatch", "--list", "-l", "--unset",
                          "--unset-all", "--remove-section", "--rename-section", "--edit", "-e", "--show-origin",
                          "--get-color", "--get-colorbool"})


def global_settings(args: Sequence[str]) -> list[tuple[str, str]]:
    """(key, value) pairs set with `-c key=value` / `--config-env=key=VAR` before the subcommand."""
    parsed = parse(args, GIT_GLOBAL)
    out = []
    for setting in parsed.value("-c"):
        key, eq, value = setting.partition("=")
        out.append((key.casefold(), value if eq else "true"))
    for setting in parsed.value("--config-env"):
        key, _, var = setting.partition("=")
        out.append((key.casefold(), "$" + var))
    return out


def config_writes(subcommand: str, rest: Sequence[str]) -> list[tuple[str, str]]:
    """(key, value) pairs a `git config` call sets (`git config [--global] KEY VALUE`, `git config set KEY VALUE`)."""
    if subcommand != "config":
        return []
    parsed = parse(rest, _CONFIG)
    if any(f in _NOT_SETTING for f in parsed.flags) or any(v in _NOT_SETTING for v in parsed.values):
        return []
    operands = parsed.operands
    if operands[:1] and operands[0] in _CONFIG_VERBS:
        operands = operands[1:]
    elif operands[:1] and operands[0] in ("get", "list", "unset", "rename-section", "remove-section", "edit"):
        return []
    if len(operands) < 2:
        return []
    return [(operands[0].casefold(), operands[1])]


def runs_program(key: str, value: str) -> bool:
    """Whether setting `key` to `value` makes git run a program (or skip/replace its hooks)."""
    if key.startswith("alias."):
        return value.lstrip().startswith("!")
    if key in _NO_OP_KEYS and value.strip().casefold() in _NO_OP_VALUES:
        return False
    return key in _EXEC_KEYS or any(p.match(key) for p in _EXEC_PATTERNS)


def exec_config(args: Sequence[str]) -> list[str]:
    """The config keys this git command sets that run a program (for the `git_exec_config` attribute)."""
    settings = global_settings(args)
    rest = parse(args, GIT_GLOBAL).rest
    if rest:
        settings += config_writes(rest[0], rest[1:])
    return sorted({key for key, value in settings if runs_program(key, value)})


def push_destinations(rest: Sequence[str], current_branch: str | None) -> tuple[set[str], set[str]]:
    """push_refs, with `HEAD` (and `@`) and a push naming no refspec resolved to the current branch when known.

    `git push`, `git push origin`, `git push -f origin` push the current branch
    (git's default, `push.default=simple`); `git push origin HEAD` and `+HEAD`
    too. `--all`, `--mirror`, `--tags` and `--delete` name their refs otherwise.
    """
    refs, forced = push_refs(rest)
    if not current_branch:
        return refs, forced
    names = _ref_names(current_branch)
    for head in ("HEAD", "@"):
        if head in refs:
            refs.discard(head)
            refs |= names
            if head in forced:
                forced.discard(head)
                forced |= names
    parsed = parse(rest, OptionSpec(short_values="o", long_values=frozenset({"--repo", "--push-option",
                                                                              "--receive-pack", "--exec"})))
    whole = ("--all", "--branches", "--mirror", "--tags", "--delete", "-d")
    if len(parsed.operands) <= 1 and not any(f in parsed.flags for f in whole):
        refs |= names
    return refs, forced


def _ref_names(branch: str) -> set[str]:
    parts = branch.split("/")
    return {branch, *("/".join(parts[:i]) + "/*" for i in range(1, len(parts)))}


def protected(refs: Iterable[str], patterns: Sequence[str]) -> list[str]:
    """The refs a protected-branch pattern (`main`, `release/*`; shell-style, case-sensitive) matches."""
    return sorted({r for r in refs if not r.endswith("/*") and any(fnmatch.fnmatchcase(r, p) for p in patterns)}
                  | {r for r in refs if r in patterns})


def current_branch(repo_dir: str) -> str | None:
    """The branch checked out in the repository containing `repo_dir`; None when detached, unborn-less or unknown.

    Walks up to the directory holding `.git`; a `.git` file (a worktree or a
    submodule) names the real git directory with `gitdir: PATH`. Reads HEAD
    only: `ref: refs/heads/NAME` gives NAME. Never raises.
    """
    try:
        directory = os.path.abspath(repo_dir)
        while True:
            dot_git = os.path.join(directory, ".git")
            if os.path.isdir(dot_git):
                return _branch_in(dot_git)
            if os.path.isfile(dot_git):
                with open(dot_git, encoding="utf-8", errors="replace") as handle:
                    line = handle.read(4096).strip()
                if not line.startswith("gitdir:"):
                    return None
                gitdir = line[len("gitdir:"):].strip()
                return _branch_in(gitdir if os.path.isabs(gitdir) else os.path.join(directory, gitdir))
            parent = os.path.dirname(directory)
            if parent == directory:
                return None
            directory = parent
    except (OSError, ValueError):
        return None


def _branch_in(gitdir: str) -> str | None:
    with open(os.path.join(gitdir, "HEAD"), encoding="utf-8", errors="replace") as handle:
        head = handle.read(4096).strip()
    if head.startswith("ref:"):
        ref = head[4:].strip()
        return ref[len("refs/heads/"):] or None if ref.startswith("refs/heads/") else None
    return None


_BUILTINS = frozenset({
    "add", "am", "apply", "bisect", "blame", "branch", "bundle", "checkout", "cherry-pick", "clean", "clone", "commit",
    "config", "describe", "diff", "fetch", "format-patch", "gc", "grep", "init", "log", "merge", "mv", "notes", "pull",
    "push", "rebase", "reflog", "remote", "reset", "restore", "revert", "rm", "show", "stash", "status", "submodule",
    "switch", "tag", "worktree", "help", "version", "ls-files", "rev-parse", "cat-file", "show-ref", "for-each-ref",
})
"""git ignores an alias that has a built-in command's name."""
MAX_ALIAS_EXPANSIONS = 16


def expand_git(walker: Any, argv: list[Word], args: list[str]) -> None:
    """Record aliases a `git config alias.…` defines for later commands; run the alias this command uses, if any.

    A plain alias is emitted again as `git <global options> <alias text> <arguments>`
    (so it meets the git rules); a `!` alias is shell text, analysed as Bash with
    the arguments appended. An alias whose text is not known is dynamic.
    """
    run = walker.run
    parsed = parse(args, GIT_GLOBAL)
    rest = parsed.rest
    local = {key[6:]: value for key, value in global_settings(args) if key.startswith("alias.") and key.count(".") == 1}
    if rest:
        run.git_aliases.update({key[6:]: value for key, value in config_writes(rest[0], rest[1:])
                                if key.startswith("alias.") and key.count(".") == 1})
    if not rest or rest[0] in _BUILTINS:
        return
    table = {**run.git_aliases, **local}
    name = rest[0]
    if name not in table:
        return
    if run.git_expansions >= MAX_ALIAS_EXPANSIONS or any(w.dynamic and "alias." in w.text.casefold() for w in argv):
        walker.emit("", (f"<git alias {name}>",), True)
        return
    run.git_expansions += 1
    value = table[name].strip()
    if value.startswith("!"):
        walker.nested(" ".join([value[1:], *(shlex.quote(a) for a in rest[1:])]))
        return
    try:
        words = shlex.split(value)
    except ValueError:
        walker.emit("", (f"<git alias {name}>",), True)
        return
    head = args[:len(args) - len(rest)]
    walker.resolve([Word("git"), *(Word(a) for a in [*head, *words, *rest[1:]])], None, [])


_VERIFYING = frozenset({"commit", "push", "merge", "am", "rebase", "pull"})


def skips_checks(args: Sequence[str]) -> bool:
    """`--no-verify` on a subcommand that runs the repository's hooks, or `git commit -n`."""
    rest = parse(args, GIT_GLOBAL).rest
    if not rest or rest[0] not in _VERIFYING:
        return False
    flags = parse(rest[1:]).flags
    return "--no-verify" in flags or rest[0] == "commit" and "-n" in flags
