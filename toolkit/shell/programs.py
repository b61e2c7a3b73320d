"""What the gates know about particular programs: wrappers, shells, SQL clients, file writers.

Tables are data; each answers one question about an argument list that has
already been expanded (quotes, escapes and known variables resolved).
"""

from __future__ import annotations

import re
from typing import Sequence

from toolkit.record import record
from toolkit.shell.options import OptionSpec, Parsed, parse

SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "yash", "posh", "rbash"})
STDIN_SCRIPT_READERS = frozenset({"at", "batch"})
"""Programs that run shell text arriving on stdin (when no script file is named)."""
SSH = OptionSpec(short_values="bcDEeFIiJLlmOoPpQRSWw", stop_at_operand=True)


@record
class Wrapper:
    """A program that runs another: its own options, then `skip` operands, then the command."""

    spec: OptionSpec
    skip: int = 0
    string_option: str | None = None
    """An option whose value is itself a shell command (`env -S`, `su -c`, `flock -c`)."""
    quiet_flags: frozenset[str] = frozenset()
    """Flags that make the wrapper only report, not run (`command -v`)."""


def _w(short: str = "", long: str = "", skip: int = 0, string_option: str | None = None, quiet: str = "") -> Wrapper:
    spec = OptionSpec(short_values=short, long_values=frozenset(long.split()), stop_at_operand=True)
    return Wrapper(spec, skip, string_option, frozenset(quiet.split()))


WRAPPERS: dict[str, Wrapper] = {
    "sudo": _w("ugCDhprtUT", "--user --group --close-from --chdir --host --prompt --role --type --other-user "
               "--command-timeout"),
    "doas": _w("uC"),
    "env": _w("uCS", "--unset --chdir --split-string", string_option="-S"),
    "command": _w(quiet="-v -V"),
    "builtin": _w(),
    "exec": _w("a"),
    "nohup": _w(),
    "setsid": _w(),
    "nice": _w("n", "--adjustment"),
    "ionice": _w("cnpt", "--class --classdata --pid --pgid --uid"),
    "time": _w("fo", "--format --output"),
    "timeout": _w("sk", "--signal --kill-after", skip=1),
    "stdbuf": _w("ioe", "--input --output --error"),
    "xargs": _w("IiLlnPsdEae", "--replace --max-lines --max-args --max-procs --max-chars --delimiter --eof "
                "--arg-file --process-slot-var"),
    "busybox": _w(),
    "chroot": _w("", "--userspec --groups", skip=1),
    "flock": _w("wEc", "--timeout --conflict-exit-code --command", skip=1, string_option="-c"),
    "su": _w("cgGsw", "--command --group --supp-group --shell --whitelist-environment", string_option="-c"),
    "runuser": _w("cgGsu", "--command --group --supp-group --shell --user", string_option="-c"),
    "watch": _w("nd", "--interval --differences"),
    "unbuffer": _w(),
    "eatmydata": _w(),
    "fakeroot": _w(),
    "torsocks": _w(),
    "proxychains": _w("f"),
    "proxychains4": _w("f"),
    "catchsegv": _w(),
    "nocache": _w(),
    "caffeinate": _w("tw"),
    "strace": _w("eoOpPsSuEXab", "--output --attach --user --env --string-limit --trace"),
    "ltrace": _w("eoOpsSuEnaA", "--output"),
}
"""`xargs` also makes its command dynamic (arguments arrive on stdin); `watch` joins its operands into one shell string."""

ASSIGNING_WRAPPERS = frozenset({"env", "sudo", "doas"})
"""Wrappers that take `NAME=value` settings before the command."""

CONTAINER_EXEC: dict[str, OptionSpec] = {
    "docker": OptionSpec(short_values="euw", long_values=frozenset({"--env", "--user", "--workdir", "--detach-keys",
                                                                      "--env-file"}), stop_at_operand=True),
    "podman": OptionSpec(short_values="euw", long_values=frozenset({"--env", "--user", "--workdir", "--detach-keys",
                                                                      "--env-file"}), stop_at_operand=True),
}
"""`docker exec [opts] CONTAINER CMD...`: the command runs in the container; SQL and deletes still matter."""

GIT_GLOBAL = OptionSpec(short_values="Cc", long_values=frozenset({"--git-dir", "--work-tree", "--namespace",
                                                                   "--exec-path", "--config-env", "--super-prefix"}),
                        stop_at_operand=True)
GIT_PUSH = OptionSpec(short_values="o", long_values=frozenset({"--repo", "--push-option", "--receive-pack", "--exec"}))


@record
class SqlClient:
    spec: OptionSpec
    sql_options: tuple[str, ...]
    file_options: tuple[str, ...] = ()
    operand_sql: bool = False
    """sqlite3-style: `client DB "SQL" ...`: operands after the database are statements."""


SQL_CLIENTS: dict[str, SqlClient] = {
    "psql": SqlClient(OptionSpec("cdfhHpUvLoPRFTT", frozenset({"--command", "--dbname", "--file", "--host", "--port",
                                                               "--username", "--set", "--variable", "--output",
                                                               "--log-file"})), ("-c", "--command"),
                      ("-f", "--file")),
    "mysql": SqlClient(OptionSpec("eDhPpuSf", frozenset({"--execute", "--database", "--host", "--port", "--user",
                                                          "--socket"})), ("-e", "--execute")),
    "mariadb": SqlClient(OptionSpec("eDhPpuS", frozenset({"--execute", "--database", "--host", "--port", "--user",
                                                            "--socket"})), ("-e", "--execute")),
    "sqlite3": SqlClient(OptionSpec(long_values=frozenset({"-cmd", "-init", "-separator", "-newline", "-nullvalue",
                                                           "-vfs", "-mmap", "-lookaside", "-pagecache"}),
                                    single_dash_long=True), ("-cmd",), ("-init",), operand_sql=True),
    "duckdb": SqlClient(OptionSpec(long_values=frozenset({"-c", "-cmd", "-init", "-s"}), single_dash_long=True),
                        ("-c", "-cmd", "-s"), ("-init", "-f"), operand_sql=True),
    "sqlcmd": SqlClient(OptionSpec("QqSdUPi"), ("-Q", "-q"), ("-i",)),
    "clickhouse-client": SqlClient(OptionSpec("qhud", frozenset({"--query", "--host", "--user", "--database",
                                                                  "--queries-file"})),
                                   ("-q", "--query"), ("--queries-file",)),
    "cockroach": SqlClient(OptionSpec("ed", frozenset({"--execute", "--database", "--url", "--host"})),
                           ("-e", "--execute"), ("-f", "--file")),
}

NO_SPLIT = frozenset({"find", "sqlite3", "duckdb"})
"""Programs whose single-dash options are whole words (`-delete`), never letter clusters."""

_SQL_STANDARD = re.compile(r"--[^\n]*|/\*.*?\*/|[nNeE]?'(?:[^']|'')*'?|\"(?:[^\"]|\"\")*\"?|[^\s'\"/();,-]+|.", re.S)
_SQL_BACKSLASH = re.compile(
    r"--[^\n]*|/\*.*?\*/|[nNeE]?'(?:[^'\\]|\\.|'')*'?|\"(?:[^\"\\]|\\.|\"\")*\"?|[^\s'\"/();,-]+|.", re.S)
_SPACE = re.compile(r"\s+")
_EXECUTES_STRING = frozenset({"execute", "exec", "immediate", "sp_executesql", "from"})
"""A string after these words is run as SQL (`EXECUTE 'DROP TABLE x'`, `PREPARE s FROM '…'`), so it is kept."""


def normalise_sql(text: str) -> str:
    """Lower-case, comments and quoted literals removed, white space single: what `drop table` rules match.

    A literal or quoted identifier cannot hold SQL keywords that run, except a
    string handed to EXECUTE/EXEC/PREPARE … FROM, which is kept. Dialects
    disagree on whether a backslash escapes a quote, so when the two readings
    differ both are returned (joined by ` ; `): a rule fires if either shows it.
    """
    standard = _strip_literals(_SQL_STANDARD, text)
    escaped = _strip_literals(_SQL_BACKSLASH, text)
    return standard if standard == escaped else f"{standard} ; {escaped}"


def _strip_literals(lexer: re.Pattern[str], text: str) -> str:
    out: list[str] = []
    previous: list[str] = ["", ""]
    for lexeme in lexer.findall(text):
        if lexeme.startswith(("--", "/*")):
            out.append(" ")
            continue
        quote = lexeme.lstrip("nNeE")[:1]
        executed = previous[-1] in _EXECUTES_STRING or previous[-1] == "(" and previous[-2] in _EXECUTES_STRING
        if quote in ("'", '"') and len(lexeme) > 1 and not (quote == "'" and executed):
            out.append(quote * 2)
        else:
            out.append(lexeme)
        if not lexeme.isspace():
            previous = [previous[-1], lexeme.casefold()]
    return _SPACE.sub(" ", "".join(out)).strip().casefold()


def git_subcommand(args: Sequence[str]) -> tuple[str, list[str]]:
    """`git -C dir -c k=v push …` → ("push", [arguments after it])."""
    parsed = parse(args, GIT_GLOBAL)
    if not parsed.rest:
        return "", []
    return parsed.rest[0], parsed.rest[1:]


def push_refs(push_args: Sequence[str]) -> tuple[set[str], set[str]]:
    """Destination refs of a push and those forced with `+`: `+main`, `HEAD:main`, `refs/heads/main` → main.

    A ref under a directory also appears as `dir/*` (so `release/*` can be named in a rule).
    """
    operands = parse(push_args, GIT_PUSH).operands
    refs: set[str] = set()
    forced: set[str] = set()
    for spec in operands[1:]:
        force = spec.startswith("+")
        dest = spec.lstrip("+").rpartition(":")[2] if ":" in spec else spec.lstrip("+")
        for prefix in ("refs/heads/", "heads/"):
            if dest.startswith(prefix):
                dest = dest[len(prefix):]
                break
        if not dest:
            continue
        names = {dest}
        parts = dest.split("/")
        names.update("/".join(parts[:i]) + "/*" for i in range(1, len(parts)))
        refs |= names
        if force:
            forced |= names
    return refs, forced


GIT_TREE_WRITERS = frozenset({"apply", "am", "checkout", "restore", "reset", "clean", "merge", "pull", "rebase",
                              "cherry-pick", "revert", "switch", "stash", "rm", "mv", "commit", "init", "clone",
                              "worktree", "submodule"})
"""Git subcommands that write into the working tree or the repository."""

_WRITE_SPECS: dict[str, OptionSpec] = {
    "cp": OptionSpec("tS", frozenset({"--target-directory", "--suffix"})),
    "mv": OptionSpec("tS", frozenset({"--target-directory", "--suffix"})),
    "ln": OptionSpec("tS", frozenset({"--target-directory", "--suffix"})),
    "install": OptionSpec("tSmogS", frozenset({"--target-directory", "--suffix", "--mode", "--owner", "--group"})),
    "sed": OptionSpec("ef", frozenset({"--expression", "--file", "--line-length"})),
    "perl": OptionSpec("eEIMmx"),
    "truncate": OptionSpec("sr", frozenset({"--size", "--reference"})),
    "touch": OptionSpec("drt", frozenset({"--date", "--reference"})),
    "mkdir": OptionSpec("m", frozenset({"--mode", "--context"})),
    "chmod": OptionSpec("", frozenset({"--reference"})),
    "chown": OptionSpec("", frozenset({"--reference", "--from"})),
    "chgrp": OptionSpec("", frozenset({"--reference"})),
    "tee": OptionSpec(),
    "rsync": OptionSpec("eBfTM", frozenset({
        "--rsh", "--exclude", "--include", "--filter", "--files-from", "--temp-dir", "--backup-dir", "--chmod",
        "--rsync-path", "--timeout", "--contimeout", "--bwlimit", "--log-file", "--log-file-format", "--partial-dir",
        "--compare-dest", "--copy-dest", "--link-dest", "--exclude-from", "--include-from", "--out-format",
        "--port", "--password-file", "--suffix", "--max-size", "--min-size", "--max-delete", "--block-size",
        "--chown", "--usermap", "--groupmap", "--iconv", "--info", "--debug", "--modify-window",
        "--remote-option", "--sockopts", "--checksum-choice", "--compress-choice", "--compress-level",
        "--skip-compress", "--write-batch", "--only-write-batch", "--read-batch", "--protocol", "--address",
        "--outbuf", "--stop-after", "--stop-at", "--max-alloc", "--mkpath-mode"})),
    "curl": OptionSpec("oXHdFuAeEbcKmrTwxyzC", frozenset({"--output", "--request", "--header", "--data", "--user",
                                                          "--config", "--upload-file", "--proxy", "--max-time"})),
    "wget": OptionSpec("OPoaUtTe", frozenset({"--output-document", "--directory-prefix", "--output-file"})),
    "tar": OptionSpec("fCTXbN", frozenset({"--file", "--directory", "--files-from", "--exclude-from"})),
    "unzip": OptionSpec("dxP"),
    "patch": OptionSpec("opidDrBzFV", frozenset({"--output", "--input", "--directory"})),
    "dd": OptionSpec(),
    "yq": OptionSpec("opI", frozenset({"--output-format", "--input-format", "--indent", "--from-file",
                                       "--expression"})),
    "sort": OptionSpec("oTSkt", frozenset({"--output", "--temporary-directory", "--buffer-size", "--key",
                                           "--field-separator"})),
    "gcloud": OptionSpec("", frozenset({"--out-file"})),
    "op": OptionSpec("o", frozenset({"--out-file", "--output"})),
    "az": OptionSpec("f", frozenset({"--file"})),
}


def write_spec(program: str) -> OptionSpec:
    """How a file-writing program's options are read (the plain spec for one not listed)."""
    return _WRITE_SPECS.get(program) or OptionSpec()


def writes_of(program: str, args: Sequence[str]) -> list[str]:
    """The files a program would write, as written on its command line."""
    spec = _WRITE_SPECS.get(program)
    if program in ("rm", "rmdir", "unlink", "shred", "tee", "sponge", "mkfifo", "mknod"):
        return parse(args).operands if program != "mknod" else parse(args).operands[:1]
    if spec is None:
        return []
    p = parse(args, spec)
    if program in ("cp", "ln", "install", "rsync"):
        target = p.value("-t", "--target-directory")
        if target:
            return target
        if program == "install" and p.has("-d", "--directory"):
            return p.operands
        if program == "ln" and len(p.operands) == 1:
            return [p.operands[0].rstrip("/").rpartition("/")[2]]
        return p.operands[-1:] if len(p.operands) >= 2 else []
    if program == "mv":
        return p.value("-t", "--target-directory") + p.operands
    if program == "sed":
        if not p.has("-i", "--in-place"):
            return []
        return p.operands if p.has("-e", "--expression", "-f", "--file") else p.operands[1:]
    if program == "yq":
        if not p.has("-i", "--inplace"):
            return []
        return p.operands if p.has("--from-file", "--expression") else p.operands[1:]
    if program == "perl":
        if not p.has("-i"):
            return []
        return p.operands if p.has("-e", "-E") else p.operands[1:]
    if program in ("truncate", "touch", "mkdir"):
        return p.operands
    if program in ("chmod", "chown", "chgrp"):
        return p.operands if p.has("--reference") else p.operands[1:]
    if program == "dd":
        return [a[3:] for a in args if a.startswith("of=")]
    if program == "sort":
        return p.value("-o", "--output")
    if program == "curl":
        return p.value("-o", "--output")
    if program == "wget":
        return p.value("-O", "--output-document") + p.value("-P", "--directory-prefix")
    if program == "tar":
        extracting = p.has("-x", "--extract", "--get") or bool(args and not args[0].startswith("-")
                                                                 and "x" in args[0])
        return (p.value("-C", "--directory") or ["."]) if extracting else p.value("-f", "--file")[:0]
    if program == "unzip":
        return p.value("-d") or ["."]
    if program == "patch":
        return p.value("-o", "--output") or ["."]
    if program in ("gcloud", "op"):
        return p.value("-o", "--out-file", "--output")
    if program == "az" and "download" in args:
        return p.value("-f", "--file")
    return []


def git_writes(subcommand: str, rest: Sequence[str]) -> list[str]:
    """Paths a git subcommand writes: the named paths after `--`, else the working tree itself (`.`)."""
    if subcommand not in GIT_TREE_WRITERS or subcommand == "stash" and rest[:1] in (["list"], ["show"]):
        return []
    if subcommand in ("checkout", "restore", "rm", "reset") and "--" in rest:
        return list(rest[rest.index("--") + 1:]) or ["."]
    return ["."]


def sql_sources(client: str, args: Sequence[str]) -> tuple[list[str], bool, bool]:
    """(SQL texts on the command line, whether a file feeds it, whether it reads SQL from stdin)."""
    spec = SQL_CLIENTS[client]
    p: Parsed = parse(args, spec.spec)
    texts = p.value(*spec.sql_options)
    operands = p.operands
    if client == "cockroach" and operands[:1] == ["sql"]:
        operands = operands[1:]
    if spec.operand_sql and len(operands) > 1:
        texts += operands[1:]
    from_file = bool(p.value(*spec.file_options)) or any(o.endswith(".sql") for o in operands)
    reads_stdin = not texts and not from_file
    return texts, from_file, reads_stdin
