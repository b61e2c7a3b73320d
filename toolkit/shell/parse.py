"""Bash text → the simple commands it would run, using the tree-sitter Bash grammar.

The walk is conservative: function bodies, both branches of an `if` and every
loop body count as run; a command substitution's commands run wherever the
substitution appears. Whatever cannot be known statically (a variable set
outside the command line, a substitution's output, data arriving on stdin)
marks the word, and so the command, dynamic. Nested shells (`bash -c`, `eval`,
`env -S`, a heredoc or literal piped into a shell) are parsed again, up to a
depth limit; past it the command counts as dynamic and unreadable.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any

from toolkit.shell import programs as P
from toolkit.shell.model import Analysis, SimpleCommand, Word
from toolkit.shell.options import OptionSpec
from toolkit.shell.options import parse as parse_options

MAX_DEPTH = 6
MAX_COMMANDS = 2000
IFS = " \t\n"
_NO_DATA = None


class _Dynamic:
    """A stream whose content is not known (a file, a network download, another program's output)."""


DYNAMIC = _Dynamic()
Stream = Any  # None (nothing read), str (known text) or DYNAMIC


@dataclass(eq=False)
class _Part:
    text: str
    quoted: bool
    dynamic: bool = False
    splittable: bool = False


_ANSI = re.compile(r"\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|[0-7]{1,3}|c.|.)", re.S)
_ANSI_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f",
                "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"}


def _ansi_c(body: str) -> str:
    def sub(m: re.Match[str]) -> str:
        code = m.group(1)
        if code[0] in "xuU" and len(code) > 1:
            return chr(min(int(code[1:], 16), 0x10FFFF))
        if code[0].isdigit():
            return chr(int(code, 8) & 0xFF)
        if code[0] == "c" and len(code) == 2:
            return chr(ord(code[1]) & 0x1F)
        return _ANSI_SIMPLE.get(code, "\\" + code)

    return _ANSI.sub(sub, body)


def _unescape_word(text: str) -> str:
    if "\\" not in text:
        return text
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            if text[i + 1] != "\n":
                out.append(text[i + 1])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _unescape_dquoted(text: str) -> str:
    return re.sub(r'\\([\\"$`\n])', lambda m: "" if m.group(1) == "\n" else m.group(1), text)


def _parser() -> Any:
    import tree_sitter

    return tree_sitter.Parser(tree_sitter.Language(_bash_language()))


def _bash_language() -> Any:
    """The grammar from tree-sitter-bash's compiled binding.

    The package's `__init__` imports importlib.resources (for highlight
    queries we never use), which costs a hook process about 6 ms; the binding
    is loaded directly when it can be found, else through the package.
    """
    import importlib.machinery
    import importlib.util

    spec = importlib.util.find_spec("tree_sitter_bash")
    for directory in (spec.submodule_search_locations or []) if spec else []:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = f"{directory}/_binding{suffix}"
            binding_spec = importlib.util.spec_from_file_location("tree_sitter_bash._binding", path)
            if binding_spec is None or binding_spec.loader is None:
                continue
            try:
                module = importlib.util.module_from_spec(binding_spec)
                binding_spec.loader.exec_module(module)
            except (ImportError, OSError):
                continue
            return module.language()
    import tree_sitter_bash

    return tree_sitter_bash.language()


class _Run:
    """Shared output of one analysis (all nesting levels)."""

    def __init__(self, parser: Any) -> None:
        self.parser = parser
        self.commands: list[SimpleCommand] = []
        self.complete = True
        self.truncated = False

    def emit(self, command: SimpleCommand) -> None:
        """Past MAX_COMMANDS the rest is not looked at; one unknown, dynamic command stands for all of it,
        so what the analysis could not see is asked about, never allowed."""
        if len(self.commands) >= MAX_COMMANDS:
            if not self.truncated:
                self.commands.append(SimpleCommand("", ("<commands past the analysis limit>",), True))
            self.truncated = True
            self.complete = False
            return
        self.commands.append(command)

    def unknown(self, text: str) -> None:
        """A program the analysis cannot see: counted as dynamic, so gates that fear it can ask."""
        self.complete = False
        self.emit(SimpleCommand("", (text[:200],), True))


class _Walker:
    def __init__(self, run: _Run, depth: int, env: dict[str, str] | None = None, cwd: str = "",
                 cwd_dynamic: bool = False) -> None:
        self.run = run
        self.depth = depth
        self.env: dict[str, str] = dict(env or {})
        self.cwd = cwd
        self.cwd_dynamic = cwd_dynamic
        self.restore: dict[int, str] | None = None

    def text(self, node: Any) -> str:
        text = node.text.decode("utf-8", "replace")
        return text.translate(self.restore) if self.restore else text

    # -- scripts ---------------------------------------------------------------

    def script(self, text: str, stdin: Stream = _NO_DATA) -> Stream:
        if self.depth > MAX_DEPTH:
            self.run.unknown(text)
            return DYNAMIC
        safe, self.restore = _bmp_only(text)
        if safe is None:
            self.run.unknown(text)
            return DYNAMIC
        tree = self.run.parser.parse(safe.encode("utf-8"))
        root = tree.root_node
        if root.has_error:
            self.run.complete = False
            self.run.emit(SimpleCommand("", (text[:200],), True))
        return self.statement(root, stdin)

    def nested(self, text: str, env: dict[str, str] | None = None, stdin: Stream = _NO_DATA) -> None:
        _Walker(self.run, self.depth + 1, env, self.cwd, self.cwd_dynamic).script(text, stdin)

    def emit(self, program: str, args: tuple[str, ...], dynamic: bool, writes: tuple[Word, ...] = (),
             sql: str = "", sql_dynamic: bool = False) -> None:
        if self.cwd_dynamic:
            writes = tuple(Word(w.text, w.dynamic or not w.text.startswith(("/", "~"))) for w in writes)
        self.run.emit(SimpleCommand(program, args, dynamic or self.cwd_dynamic, writes, sql, sql_dynamic, self.cwd))

    def change_directory(self, program: str, argv: list[Word]) -> None:
        operands = [w for w in argv[1:] if not w.text.startswith("-")]
        target = operands[0] if operands else Word("~")
        if program == "popd" or target.dynamic or target.text == "-":
            self.cwd_dynamic = True
        else:
            self.cwd = posixpath.join(self.cwd, target.text) if self.cwd else target.text

    def statement(self, node: Any, stdin: Stream) -> Stream:
        kind = node.type
        if kind == "command":
            return self.command(node, stdin, [])
        if kind == "pipeline":
            return self.pipeline(node.named_children, stdin)
        if kind == "redirected_statement":
            return self.redirected(node, stdin)
        if kind == "variable_assignment":
            self.assign(node, self.env)
            return _NO_DATA
        if kind == "declaration_command":
            for child in node.named_children:
                if child.type == "variable_assignment":
                    self.assign(child, self.env)
                elif child.type == "variable_name":
                    self.env.pop(self.text(child), None)
                else:
                    self.words(child)
            return _NO_DATA
        if kind == "unset_command":
            for child in node.named_children:
                self.env.pop(self.text(child), None)
            return _NO_DATA
        if kind in ("for_statement", "select_statement"):
            variable = node.child_by_field_name("variable")
            if variable is not None:
                self.env.pop(self.text(variable), None)
        if kind == "ERROR":
            self.run.complete = False
        if kind == "subshell":
            saved = self.cwd, self.cwd_dynamic
            try:
                return self.statement_children(node, stdin, kind)
            finally:
                self.cwd, self.cwd_dynamic = saved
        return self.statement_children(node, stdin, kind)

    def statement_children(self, node: Any, stdin: Stream, kind: str) -> Stream:
        outputs: list[Stream] = []
        for child in node.named_children:
            if child.type in ("comment", "heredoc_body", "heredoc_start", "heredoc_end"):
                continue
            outputs.append(self.statement(child, stdin if kind in ("subshell", "compound_statement", "list",
                                                                   "negated_command") else _NO_DATA))
        return _join(outputs)

    def pipeline(self, stages: list[Any], stdin: Stream) -> Stream:
        stream = stdin
        for stage in stages:
            stream = self.statement(stage, stream)
        return stream

    def redirected(self, node: Any, stdin: Stream) -> Stream:
        body = node.child_by_field_name("body")
        writes: list[Word] = []
        stdin, captured, continuation = self.redirects(
            [c for i, c in enumerate(node.children) if node.field_name_for_child(i) == "redirect"], stdin, writes)
        if body is None:
            out: Stream = _NO_DATA
        elif body.type == "command":
            out = self.command(body, stdin, writes)
        else:
            out = self.statement(body, stdin)
            if writes:
                self.emit(":", (), any(w.dynamic for w in writes), tuple(writes))
        return self.after_redirects(out, captured, continuation)

    def after_redirects(self, out: Stream, captured: bool, continuation: list[Any]) -> Stream:
        """Output sent to a file reaches no pipe; statements after a heredoc's start read what is left."""
        if captured:
            out = _NO_DATA
        for part in continuation:
            out = self.statement(part, out)
        return out

    def redirects(self, nodes: list[Any], stdin: Stream, writes: list[Word]) -> tuple[Stream, bool, list[Any]]:
        """Apply redirections: new stdin, whether stdout goes to a file, and statements piped on (heredoc quirk)."""
        captured = False
        continuation: list[Any] = []
        for r in nodes:
            if r.type == "file_redirect":
                op = next((c.type for c in r.children if not c.is_named), "")
                dest = r.child_by_field_name("destination")
                targets = self.words(dest) if dest is not None else []
                if op in ("<",):
                    stdin = DYNAMIC
                elif op in ("<&", ">&", "<&-", ">&-") and all(t.text.isdigit() or t.text == "-" for t in targets):
                    continue
                else:
                    for t in targets:
                        if t.text not in ("/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty"):
                            writes.append(t)
                    descriptor = r.child_by_field_name("descriptor")
                    if descriptor is None or descriptor.text == b"1":
                        captured = True
            elif r.type == "herestring_redirect":
                words = [w for c in r.named_children for w in self.words(c)]
                stdin = DYNAMIC if any(w.dynamic for w in words) else " ".join(w.text for w in words) + "\n"
            elif r.type == "heredoc_redirect":
                quoted = False
                body_text: Stream = ""
                for c in r.named_children:
                    if c.type == "heredoc_start":
                        quoted = any(q in c.text for q in (b"'", b'"', b"\\"))
                    elif c.type == "heredoc_body":
                        body_text = self.heredoc(c, quoted)
                    elif c.type not in ("heredoc_end",):
                        continuation.append(c)
                stdin = body_text
        return stdin, captured, continuation

    def heredoc(self, node: Any, quoted: bool) -> Stream:
        if quoted:
            return self.text(node)
        parts = self.parts(node, quoted=True)
        return DYNAMIC if any(p.dynamic for p in parts) else "".join(p.text for p in parts)

    def assign(self, node: Any, env: dict[str, str]) -> None:
        name_node = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        name = self.text(name_node) if name_node is not None else ""
        words = self.words(value, split=False) if value is not None else [Word("")]
        if name_node is None or name_node.type != "variable_name" or value is not None and value.type == "array":
            env.pop(name, None)
        elif all(not w.dynamic for w in words):
            env[name] = "".join(w.text for w in words)
        else:
            env.pop(name, None)

    # -- words -----------------------------------------------------------------

    def words(self, node: Any, split: bool = True) -> list[Word]:
        parts = self.parts(node, quoted=False)
        if not split:
            return [Word("".join(p.text for p in parts), any(p.dynamic for p in parts))]
        fields = _fields(parts)
        if len(fields) == 1 and all(not p.quoted and not p.dynamic for p in parts) and "{" in fields[0].text:
            return [Word(text) for text in _braces(fields[0].text)]
        return fields

    def parts(self, node: Any, quoted: bool) -> list[_Part]:
        kind = node.type
        text = self.text(node)
        if kind == "word":
            return [_Part(_unescape_word(text), quoted)]
        if kind == "raw_string":
            return [_Part(text[1:-1], True)]
        if kind == "ansi_c_string":
            return [_Part(_ansi_c(text[2:-1]), True)]
        if kind in ("string", "translated_string", "heredoc_body"):
            out: list[_Part] = []
            for child in node.named_children:
                if child.type in ("string_content", "heredoc_content"):
                    body = self.text(child)
                    out.append(_Part(_unescape_dquoted(body) if kind != "heredoc_body" else body, True))
                else:
                    out.extend(self.parts(child, quoted=True))
            if kind == "heredoc_body" and not node.named_children:
                out.append(_Part(text, True))
            return out or [_Part("", True)]
        if kind == "concatenation":
            return [p for child in node.named_children for p in self.parts(child, quoted)]
        if kind in ("simple_expansion", "expansion"):
            return [self.expansion(node, text, quoted)]
        if kind == "command_substitution":
            output = self.substitution(node)
            if isinstance(output, str):
                return [_Part(output.rstrip("\n"), quoted, splittable=not quoted)]
            return [_Part(text, quoted, dynamic=True)]
        if kind == "process_substitution":
            self.substitution(node)
            return [_Part(text, quoted, dynamic=True)]
        if kind == "arithmetic_expansion":
            self.statement(node, _NO_DATA)
            return [_Part(text, quoted, dynamic=True)]
        if kind == "comment":
            return []
        if kind == "number" or not node.named_children:
            return [_Part(_unescape_word(text) if not quoted else text, quoted)]
        self.statement(node, _NO_DATA)
        return [_Part(text, quoted, dynamic=True)]

    def expansion(self, node: Any, text: str, quoted: bool) -> _Part:
        names = [c for c in node.named_children if c.type in ("variable_name", "special_variable_name")]
        plain = len(node.named_children) == 1 and names and not any(
            c.type == "#" or c.text in (b"#", b"!") for c in node.children[:2] if not c.is_named and c.type != "${")
        if not names or not plain:
            for child in node.named_children:
                if child.type not in ("variable_name", "special_variable_name"):
                    self.parts(child, quoted=True)
            return _Part(text, quoted, dynamic=True)
        name = self.text(names[0])
        if name == "IFS":
            return _Part(IFS, quoted, splittable=not quoted)
        if name == "HOME":
            return _Part("~", quoted)
        if name in self.env:
            return _Part(self.env[name], quoted, splittable=not quoted)
        return _Part(text, quoted, dynamic=True)

    def substitution(self, node: Any) -> Stream:
        """Run the inner commands; their output when it is known literally (`$(echo rm)`), else DYNAMIC."""
        saved = self.cwd, self.cwd_dynamic
        outputs = [self.statement(child, _NO_DATA) for child in node.named_children if child.type != "comment"]
        self.cwd, self.cwd_dynamic = saved
        joined = _join(outputs)
        return joined if isinstance(joined, str) else DYNAMIC

    # -- commands --------------------------------------------------------------

    def command(self, node: Any, stdin: Stream, writes: list[Word]) -> Stream:
        prefix: dict[str, str] = {}
        argv: list[Word] = []
        inner_redirects = []
        for i, child in enumerate(node.children):
            field = node.field_name_for_child(i)
            if child.type == "variable_assignment":
                self.assign(child, prefix)
            elif field == "redirect" or child.type.endswith("_redirect"):
                inner_redirects.append(child)
            elif field in ("name", "argument"):
                target = child.named_children[0] if child.type == "command_name" and child.named_children else child
                argv.extend(self.words(target))
            elif child.is_named and child.type not in ("comment",):
                self.statement(child, _NO_DATA)
        writes = list(writes)
        stdin, captured, continuation = self.redirects(inner_redirects, stdin, writes)
        out = self.resolve(argv, stdin, writes) if argv else _NO_DATA
        if not argv and writes:
            self.emit(":", (), any(w.dynamic for w in writes), tuple(writes))
        return self.after_redirects(out, captured, continuation)

    def resolve(self, argv: list[Word], stdin: Stream, writes: list[Word], dynamic_args: bool = False) -> Stream:
        """Unwrap wrappers and nested shells; emit every program that would run."""
        while argv:
            head = argv[0]
            if head.dynamic:
                self.emit("", tuple(w.text for w in argv), True, tuple(writes))
                return DYNAMIC
            program = posixpath.basename(head.text.rstrip("/")) or head.text
            args = [w.text for w in argv[1:]]
            dynamic = dynamic_args or any(w.dynamic for w in argv[1:])
            wrapper = P.WRAPPERS.get(program)
            if wrapper is not None:
                parsed = parse_options(args, wrapper.spec)
                self.emit(program, tuple(args), dynamic or any(w.dynamic for w in writes), tuple(writes))
                writes = []
                if wrapper.string_option and parsed.value(wrapper.string_option, "--command", "--split-string"):
                    for string in parsed.value(wrapper.string_option, "--command", "--split-string"):
                        self.nested(string)
                if any(f in wrapper.quiet_flags for f in parsed.flags):
                    return _NO_DATA
                rest = parsed.rest[wrapper.skip:]
                offset = len(argv) - len(rest)
                if program in P.ASSIGNING_WRAPPERS:
                    while rest and _ASSIGNMENT.match(rest[0]):
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
        return _NO_DATA

    def simple(self, program: str, argv: list[Word], args: list[str], dynamic: bool, stdin: Stream,
               writes: list[Word]) -> Stream:
        sql: list[str] = []
        sql_dynamic = False
        out: Stream = DYNAMIC
        own_writes = [Word(t, _is_dynamic(t, argv)) for t in P.writes_of(program, args)]
        if program == "git":
            own_writes += [Word(t) for t in P.git_writes(*P.git_subcommand(args))]
        if program in P.SHELLS:
            self.shell(argv, args, stdin)
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
        all_writes = tuple(writes) + tuple(own_writes)
        self.emit(program, tuple(args), dynamic or sql_dynamic or any(w.dynamic for w in all_writes), all_writes,
                  P.normalise_sql(" ; ".join(sql)) if sql else "", sql_dynamic)
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
                        self.resolve(expanded, _NO_DATA, [])
                i = j
            i += 1


_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_BRACE = re.compile(r"\{([^{}]*,[^{}]*)\}")
MAX_BRACE_WORDS = 64


def _braces(text: str) -> list[str]:
    """Comma brace expansion (`/{,}` → `/ /`, `a{b,c}` → `ab ac`); sequences are left as written."""
    out, pending = [], [text]
    while pending and len(out) + len(pending) <= MAX_BRACE_WORDS:
        word = pending.pop(0)
        m = _BRACE.search(word)
        if m is None:
            out.append(word)
            continue
        pending.extend(word[:m.start()] + alt + word[m.end():] for alt in m.group(1).split(","))
    return out + pending


_OUTSIDE_BMP = re.compile("[\ud800-\udfff\U00010000-\U0010ffff]")
_PRIVATE_USE = range(0xE000, 0xF900)


def _bmp_only(text: str) -> tuple[str | None, dict[int, str] | None]:
    """Text the grammar can take safely, and the table that restores the original characters.

    tree-sitter-bash 0.25.1 crashes the process on some characters beyond the
    Basic Multilingual Plane (seen with `{` followed by U+E0000 and above), and
    lone surrogates are not UTF-8. Each such character is parsed as an unused
    private-use character instead (a word character all the same) and restored
    in every text taken from the tree. None when there are not enough of them.
    """
    found = sorted(set(_OUTSIDE_BMP.findall(text)))
    if not found:
        return text, None
    free = (chr(c) for c in _PRIVATE_USE if chr(c) not in text)
    forward: dict[int, str] = {}
    back: dict[int, str] = {}
    for ch in found:
        sub = next(free, None)
        if sub is None:
            return None, None
        forward[ord(ch)] = sub
        back[ord(sub)] = ch
    return text.translate(forward), back


def _is_dynamic(text: str, argv: list[Word]) -> bool:
    return any(w.dynamic and w.text == text for w in argv)


def _join(outputs: list[Stream]) -> Stream:
    data = [o for o in outputs if o is not None]
    if not data:
        return _NO_DATA
    if any(o is DYNAMIC for o in data):
        return DYNAMIC
    return "".join(data)


def _fields(parts: list[_Part]) -> list[Word]:
    """Word splitting: only unquoted expansions of known values split, on IFS white space."""
    fields: list[Word] = []
    text: list[str] = []
    dynamic = False
    started = False
    for part in parts:
        if part.splittable:
            pieces = re.split(f"[{re.escape(IFS)}]+", part.text)
            for k, piece in enumerate(pieces):
                if k > 0 and (started or text):
                    fields.append(Word("".join(text), dynamic))
                    text, dynamic, started = [], False, False
                if piece:
                    text.append(piece)
                    started = True
            continue
        text.append(part.text)
        dynamic = dynamic or part.dynamic
        started = started or part.quoted or bool(part.text)
    if started or text:
        fields.append(Word("".join(text), dynamic))
    return fields


class ShellAnalyser:
    """Holds one tree-sitter parser; analyse() is pure and never raises."""

    def __init__(self) -> None:
        self._parser = _parser()

    def analyse(self, command: str) -> Analysis:
        run = _Run(self._parser)
        try:
            _Walker(run, 0).script(command)
        except Exception as exc:  # noqa: BLE001 - an analysis failure must gate the call, never break it
            run.unknown(command)
            return Analysis(tuple(run.commands), False, type(exc).__name__)
        return Analysis(tuple(run.commands), run.complete)
