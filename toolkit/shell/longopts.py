"""GNU long-option abbreviations: `rm --rec --forc /` is `rm --recursive --force /`.

getopt_long (coreutils, sed, tar, wget, sudo, psql), git's parse-options and
curl all accept any unambiguous prefix of a long option. Before a rule reads a
command's flags, each such prefix is written out in full, so `--recursive`,
`--force` or `--in-place` are seen however they are shortened. A prefix that
matches several options stays as written: the program refuses it. An exact
name always wins over a longer one (`--force` is not a prefix of
`--force-with-lease`). Only the options a table below knows are completed;
the tables hold every long option of the program so an ambiguous prefix is
recognised as one.
"""

from __future__ import annotations

from typing import Sequence

from toolkit.record import record
from toolkit.shell.options import OptionSpec, expand_long, parse


@record
class LongOptions:
    names: frozenset[str]
    spec: OptionSpec
    """Which options take a value (so a value is never mistaken for an option)."""


def _t(names: str, short_values: str = "", values: str = "", stop: bool = False) -> LongOptions:
    value_names = frozenset("--" + v for v in values.split())
    return LongOptions(frozenset("--" + n for n in names.split()) | value_names,
                       OptionSpec(short_values, value_names, stop_at_operand=stop))


_COMMON = "help version verbose "
PROGRAMS: dict[str, LongOptions] = {
    "rm": _t(_COMMON + "force interactive one-file-system no-preserve-root preserve-root recursive dir"),
    "rmdir": _t(_COMMON + "ignore-fail-on-non-empty parents"),
    "shred": _t(_COMMON + "force iterations random-source size remove exact zero", "nsu"),
    "cp": _t(_COMMON + "archive attributes-only backup copy-contents debug force interactive link dereference "
             "no-clobber no-dereference preserve no-preserve parents recursive reflink remove-destination sparse "
             "strip-trailing-slashes symbolic-link update one-file-system context keep-directory-symlink "
             "no-target-directory", "tS", "suffix target-directory"),
    "mv": _t(_COMMON + "backup debug exchange force interactive no-clobber no-copy strip-trailing-slashes update "
             "context no-target-directory", "tS", "suffix target-directory"),
    "ln": _t(_COMMON + "backup directory force interactive logical no-dereference physical relative symbolic "
             "no-target-directory", "tS", "suffix target-directory"),
    "install": _t(_COMMON + "backup compare debug directory preserve-timestamps strip preserve-context context "
                  "no-target-directory", "tSmogS", "suffix target-directory mode owner group strip-program"),
    "sed": _t(_COMMON + "quiet silent debug follow-symlinks in-place posix regexp-extended separate sandbox "
              "unbuffered null-data zero-terminated", "efl", "expression file line-length"),
    "chmod": _t(_COMMON + "changes quiet silent no-preserve-root preserve-root recursive", "", "reference"),
    "chown": _t(_COMMON + "changes dereference no-dereference quiet silent no-preserve-root preserve-root recursive",
                "", "reference from"),
    "chgrp": _t(_COMMON + "changes dereference no-dereference quiet silent no-preserve-root preserve-root recursive",
                "", "reference"),
    "tee": _t(_COMMON + "append ignore-interrupts output-error"),
    "truncate": _t(_COMMON + "no-create io-blocks", "sr", "size reference"),
    "touch": _t(_COMMON + "no-create no-dereference time", "drt", "date reference"),
    "mkdir": _t(_COMMON + "parents context", "m", "mode"),
    "sort": _t(_COMMON + "ignore-leading-blanks dictionary-order ignore-case general-numeric-sort ignore-nonprinting "
               "month-sort human-numeric-sort numeric-sort random-sort reverse version-sort check merge stable unique "
               "zero-terminated debug sort compress-program parallel files0-from", "oTSkt",
               "output temporary-directory buffer-size key field-separator random-source batch-size"),
    "tar": _t(_COMMON + "extract get create list append update delete concatenate catenate diff compare gzip bzip2 "
              "xz zstd auto-compress overwrite keep-old-files skip-old-files absolute-names to-stdout "
              "preserve-permissions same-owner no-same-owner strip-components exclude wildcards",
              "fCTXbN", "file directory files-from exclude-from blocking-factor newer"),
    "wget": _t(_COMMON + "quiet no-verbose continue recursive mirror no-clobber timestamping spider "
               "no-check-certificate", "OPoaUtTe",
               "output-document directory-prefix output-file append-output user-agent tries timeout execute "
               "post-data post-file body-data body-file method header user password"),
    "curl": _t(_COMMON + "silent show-error fail location insecure include head remote-name remote-header-name "
               "compressed create-dirs get globoff no-progress-meter progress-bar fail-with-body",
               "oXHdFuAeEbcKmrTwxyzC",
               "output output-dir request header data data-binary data-raw data-ascii data-urlencode form "
               "form-string upload-file user user-agent referer cookie cookie-jar config proxy max-time "
               "connect-timeout url write-out retry cert key cacert json"),
    "patch": _t(_COMMON + "forward reverse dry-run batch force silent quiet backup", "opidDrBzFV",
                "output input directory strip reject-file"),
    "psql": _t(_COMMON + "echo-all echo-errors echo-queries echo-hidden no-align quiet single-step single-line "
               "no-psqlrc single-transaction tuples-only expanded csv html no-password password",
               "cdfhHpUvLoPRFT", "command dbname file host port username set variable output log-file "
               "field-separator record-separator table-attr pset"),
    "mysql": _t(_COMMON + "batch force html xml silent skip-column-names table unbuffered vertical",
                "eDhPpuSf", "execute database host port user socket"),
    "mariadb": _t(_COMMON + "batch force html xml silent skip-column-names table unbuffered vertical",
                  "eDhPpuS", "execute database host port user socket"),
}

GIT: dict[str, LongOptions] = {
    "push": _t(_COMMON + "all branches mirror delete tags follow-tags dry-run porcelain force force-with-lease "
               "force-if-includes set-upstream thin no-thin quiet progress prune no-verify verify signed "
               "no-signed atomic no-atomic ipv4 ipv6 recurse-submodules no-recurse-submodules no-force "
               "no-force-with-lease no-force-if-includes no-follow-tags no-tags no-prune no-progress",
               "o", "repo push-option receive-pack exec"),
    "commit": _t(_COMMON + "all patch reset-author short branch porcelain long null signoff no-signoff no-verify "
                 "verify allow-empty allow-empty-message edit no-edit amend no-post-rewrite include only "
                 "pathspec-file-nul dry-run status no-status gpg-sign no-gpg-sign interactive quiet",
                 "mFCcSt", "message file reuse-message reedit-message fixup squash author date template trailer "
                 "cleanup pathspec-from-file untracked-files"),
    "clean": _t(_COMMON + "force dry-run quiet interactive", "e", "exclude"),
    "reset": _t(_COMMON + "hard soft mixed merge keep quiet no-refresh recurse-submodules intent-to-add patch",
                "", "pathspec-from-file"),
    "branch": _t(_COMMON + "delete force move copy list all remotes contains no-contains merged no-merged "
                 "points-at show-current set-upstream-to unset-upstream track no-track edit-description "
                 "create-reflog column no-column ignore-case omit-empty", "u", "sort format"),
    "tag": _t(_COMMON + "delete force list annotate sign local-user contains no-contains merged no-merged "
              "points-at column no-column ignore-case create-reflog verify", "mFu",
              "message file sort format cleanup"),
}


def complete_options(program: str, args: Sequence[str]) -> tuple[str, ...]:
    """The arguments with every unambiguous long-option prefix written in full."""
    if program == "git":
        rest = parse(args, _GIT_GLOBAL).rest
        table = GIT.get(rest[0]) if rest else None
        if table is None:
            return tuple(args)
        head = len(args) - len(rest) + 1
        return (*args[:head], *expand_long(args[head:], table.names, table.spec))
    table = PROGRAMS.get(program)
    if table is None:
        return tuple(args)
    return tuple(expand_long(args, table.names, table.spec))


WRAPPERS: dict[str, frozenset[str]] = {
    name: frozenset("--" + n for n in names.split()) for name, names in {
        "sudo": "askpass background bell close-from chdir preserve-env edit group set-home help host login "
                "remove-timestamp reset-timestamp list non-interactive preserve-groups prompt chroot role stdin "
                "shell type command-timeout other-user user version validate",
        "env": "ignore-environment null unset chdir split-string block-signal default-signal ignore-signal "
               "list-signal-handling debug help version",
        "timeout": "foreground kill-after preserve-status signal verbose help version",
        "nice": "adjustment help version",
        "ionice": "class classdata pid pgid ignore uid help version",
        "stdbuf": "input output error help version",
        "time": "format output append verbose portability help version",
        "xargs": "null arg-file delimiter eof replace max-lines max-args open-tty interactive no-run-if-empty "
                 "max-chars show-limits verbose exit max-procs process-slot-var help version",
        "chroot": "userspec groups skip-chdir help version",
        "flock": "shared exclusive unlock nonblock timeout conflict-exit-code close command no-fork verbose help "
                 "version",
        "su": "command session-command group supp-group login preserve-environment shell pty "
              "whitelist-environment help version",
        "runuser": "command session-command group supp-group login preserve-environment shell pty user help "
                   "version",
        "setsid": "ctty fork wait help version",
        "nohup": "help version",
        "watch": "interval differences beep errexit exec no-title no-wrap precise chgexit help version",
    }.items()
}
"""Long options of the wrappers (toolkit.shell.programs.WRAPPERS), whose values say where the command starts."""


def complete_wrapper(program: str, args: Sequence[str], spec: OptionSpec) -> list[str]:
    names = WRAPPERS.get(program)
    return list(args) if names is None else expand_long(args, names | spec.long_values, spec)


_GIT_GLOBAL = OptionSpec(short_values="Cc", long_values=frozenset({"--git-dir", "--work-tree", "--namespace",
                                                                    "--exec-path", "--config-env",
                                                                    "--super-prefix"}), stop_at_operand=True)
