"""What a simple command runs in turn: wrappers unwrapped, nested shells parsed again, `find -exec`, `cd`.

A mixin of the walker (toolkit.shell.walker). Every program met is emitted,
the wrapper itself included; text that another shell would run (`bash -c`,
`eval`, `ssh host CMD`, an alias or trap body, a script on stdin) is parsed
again one level deeper.
"""

from __future__ import annotations

import posixpath

from toolkit.shell import programs as P
from toolkit.shell.git import expand_git
from toolkit.shell.longopts import complete_options, complete_wrapper
from toolkit.shell.model import Word
from toolkit.shell.options import OptionSpec
from toolkit.shell.options import parse as parse_options
from toolkit.shell.interpreters import language
from toolkit.shell.winpaths import WINDOWS_SHELLS, program_name
from toolkit.shell.words import ASSIGNMENT, DYNAMIC, NO_DATA, Stream, is_dynamic


class Nesting:
    """Resolving one argument vector into the programs it runs."""

    def change_directory(self, program: str, argv: list[Word]) -> None:
        operands = [w for w in argv[1:] if not w.text.startswith("-")]
        target = operands[0] if operands else Word("~")
        if program == "popd" or target.dynamic or target.text == "-":
            self.cwd_dynamic = True
        else:
            self.cwd = posixpath.join(self.cwd, target.text) if self.cwd else target.text

    def resolve(self, argv: list[Word], stdin: Stream, writes: list[Word], dynamic_args: bool = False) -> Stream:
        """Unwrap wrappers and nested shells; emit every program that would run."""
        while argv:
            head = argv[0]
            if head.dynamic:
                self.emit("", tuple(w.text for w in argv), True, tuple(writes))
                return DYNAMIC
            program = program_name(head.text)
            args = [w.text for w in argv[1:]]
            dynamic = dynamic_args or any(w.dynamic for w in argv[1:])
            wrapper = P.WRAPPERS.get(program)
            if wrapper is not None:
                args = complete_wrapper(program, args, wrapper.spec)
                argv = _respelled(argv, args)
                parsed = parse_options(args, wrapper.spec)
                self.emit(program, tuple(args), dynamic or any(w.dynamic for w in writes), tuple(writes))
                writes = []
                if wrapper.string_option and parsed.value(wrapper.string_option, "--command", "--split-string"):
                    for string in parsed.value(wrapper.string_option, "--command", "--split-string"):
                        self.nested(string)
                if any(f in wrapper.quiet_flags for f in parsed.flags):
                    return NO_DATA
                rest = parsed.rest[wrapper.skip:]
                offset = len(argv) - len(rest)
                if program in P.ASSIGNING_WRAPPERS:
                    while rest and ASSIGNMENT.match(rest[0]):
                        rest, offset = rest[1:], offset + 1
                if program == "watch" and rest:
                    self.nested(" ".join(rest))
                    return DYNAMIC
                if program == "xargs":
                    dynamic_args = True
                    if not rest:
                        self.emit("echo", (), True)
                        return DYNAMIC
                argv = argv[offset:]
                continue
            if program in P.CONTAINER_EXEC and args[:1] == ["exec"]:
                self.emit(program, tuple(args), dynamic)
                parsed = parse_options(args[1:], P.CONTAINER_EXEC[program])
                argv = argv[len(argv) - len(parsed.rest) + 1:]
                continue
            if program in ("kubectl", "oc") and args[:1] == ["exec"] and "--" in args:
                self.emit(program, tuple(args), dynamic)
                argv = argv[args.index("--") + 2:]
                continue
            return self.simple(program, argv, args, dynamic, stdin, writes)
        return NO_DATA

    def simple(self, program: str, argv: list[Word], args: list[str], dynamic: bool, stdin: Stream,
               writes: list[Word]) -> Stream:
        sql: list[str] = []
        sql_dynamic = False
        effects: tuple[str, ...] = ()
        out: Stream = DYNAMIC
        args = list(complete_options(program, args))
        argv = _respelled(argv, args)
        own_writes = [Word(t, is_dynamic(t, argv)) for t in P.writes_of(program, args)]
        if program == "git":
            own_writes += [Word(t) for t in P.git_writes(*P.git_subcommand(args))]
            expand_git(self, argv, args)
        if program in P.SHELLS:
            self.shell(argv, args, stdin)
        elif program in WINDOWS_SHELLS:
            from toolkit.shell.windows import run_windows_shell  # loaded only when a Windows shell runs

            run_windows_shell(self, program, argv, stdin)
        elif program in ("cd", "pushd", "popd"):
            self.change_directory(program, argv)
        elif program in P.STDIN_SCRIPT_READERS and not parse_options(args, OptionSpec("fqtm")).value("-f"):
            self.from_stdin(stdin)
        elif program == "ssh":
            remote = parse_options(args, P.SSH).rest[1:]
            if remote:
                self.nested(" ".join(remote))
        elif program in ("alias", "trap"):
            self.deferred(program, argv)
        elif program in ("eval", "source", "."):
            if any(w.dynamic for w in argv[1:2 if program != "eval" else None]):
                self.run.unknown(" ".join(args))
            elif program == "eval":
                self.nested(" ".join(args), self.env)
        elif program == "find":
            self.find_exec(argv)
        elif program in P.SQL_CLIENTS:
            texts, from_file, reads_stdin = P.sql_sources(program, args)
            sql.extend(texts)
            sql_dynamic = from_file or dynamic
            if reads_stdin and isinstance(stdin, str):
                sql.append(stdin)
            elif reads_stdin and stdin is DYNAMIC:
                sql_dynamic = True
        elif program == "echo":
            words = list(args)
            while words and words[0] in ("-n", "-e", "-E", "-ne", "-en"):
                words.pop(0)
            out = DYNAMIC if dynamic else " ".join(words) + "\n"
        elif program == "printf":
            out = DYNAMIC if dynamic else " ".join(args)
        elif program == "cat" and not parse_options(args).operands:
            out = stdin if stdin is not None else DYNAMIC
        elif language(program) is not None:
            from toolkit.shell.inline import run_inline  # loaded only when an interpreter runs

            effects, code_writes = run_inline(self, program, args, stdin)
            own_writes += code_writes
        all_writes = tuple(writes) + tuple(own_writes)
        self.emit(program, tuple(args), dynamic or sql_dynamic or any(w.dynamic for w in all_writes), all_writes,
                  P.normalise_sql(" ; ".join(sql)) if sql else "", sql_dynamic, effects)
        return out

    def shell(self, argv: list[Word], args: list[str], stdin: Stream) -> None:
        """`bash -c STRING [name args…]`, or a shell reading its script from stdin."""
        index = next((i for i, a in enumerate(args) if a.startswith("-") and not a.startswith("--")
                      and "c" in a[1:] and a[1:].isalpha()), None)
        if index is not None:
            operands = [w for w in argv[index + 2:] if not w.text.startswith("-") or w.text == "-"]
            if not operands:
                return
            script = operands[0]
            if script.dynamic:
                self.run.unknown(script.text)
                return
            positional = {str(i): w.text for i, w in enumerate(operands[1:]) if not w.dynamic}
            self.nested(script.text, positional)
            return
        if parse_options(args).operands:
            return
        self.from_stdin(stdin)

    def from_stdin(self, stdin: Stream) -> None:
        if isinstance(stdin, str):
            self.nested(stdin)
        elif stdin is DYNAMIC:
            self.run.unknown("<script read from stdin>")

    def deferred(self, program: str, argv: list[Word]) -> None:
        """Text that runs later (`alias x='…'`, `trap '…' EXIT`) is read as if it ran now."""
        operands = [w for w in argv[1:] if not w.text.startswith("-")]
        if program == "alias":
            bodies = [Word(w.text.partition("=")[2], w.dynamic) for w in operands if "=" in w.text]
        else:
            bodies = operands[:1]
        for body in bodies:
            if body.dynamic:
                self.run.unknown(body.text)
            else:
                self.nested(body.text, self.env)

    def find_exec(self, argv: list[Word]) -> None:
        """`find ROOTS… -exec CMD {} ;`: CMD runs once per found path; `{}` stands for the roots."""
        words = argv[1:]
        roots = []
        for w in words:
            if w.text.startswith("-") or w.text in ("(", "!", ")"):
                break
            roots.append(w)
        roots = roots or [Word(".")]
        i = 0
        while i < len(words):
            if words[i].text in ("-exec", "-execdir", "-ok", "-okdir"):
                j = i + 1
                while j < len(words) and words[j].text not in (";", "+"):
                    j += 1
                inner = words[i + 1:j]
                for root in roots:
                    expanded = [Word(w.text.replace("{}", root.text), w.dynamic or root.dynamic)
                                if "{}" in w.text else w for w in inner]
                    if expanded:
                        self.resolve(expanded, NO_DATA, [])
                i = j
            i += 1


def _respelled(argv: list[Word], args: list[str]) -> list[Word]:
    """argv with its arguments spelled as `args` (the same number of words, long options written in full)."""
    if all(w.text == a for w, a in zip(argv[1:], args)):
        return argv
    return [argv[0], *(Word(a, w.dynamic) for w, a in zip(argv[1:], args))]
