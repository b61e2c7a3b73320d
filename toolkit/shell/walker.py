"""The Bash walker: statements, pipelines, redirections and commands of one parse tree.

The walk is conservative: function bodies, both branches of an `if` and every
loop body count as run; a command substitution's commands run wherever the
substitution appears. Whatever cannot be known statically (a variable set
outside the command line, a substitution's output, data arriving on stdin)
marks the word, and so the command, dynamic. Nested shells are parsed again
(toolkit.shell.nesting), up to a depth limit; past it the command counts as
dynamic and unreadable.
"""

from __future__ import annotations

from typing import Any

from toolkit.shell.expand import Expander
from toolkit.shell.grammar import bmp_only
from toolkit.shell.model import SimpleCommand, Word
from toolkit.shell.nesting import Nesting
from toolkit.shell.words import DYNAMIC, NO_DATA, Stream, join, long_sequence

MAX_DEPTH = 6
MAX_COMMANDS = 2000
MAX_LOOP_WALKS = 256
"""Loop bodies walked once per word, over the whole analysis; past it a loop's variable is unknown."""


class Run:
    """Shared output of one analysis (all nesting levels)."""

    def __init__(self, parser: Any) -> None:
        self.parser = parser
        self.commands: list[SimpleCommand] = []
        self.complete = True
        self.truncated = False
        self.loop_walks = 0
        self.git_aliases: dict[str, str] = {}
        """git aliases defined earlier in the call (`git config alias.p 'push -f' && git p`)."""
        self.git_expansions = 0

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



class Walker(Expander, Nesting):
    def __init__(self, run: Run, depth: int, env: dict[str, str] | None = None, cwd: str = "",
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

    def source(self, node: Any, start: int, end: int) -> str:
        """The text between two byte offsets of the parsed script, inside `node`."""
        text = node.text[start - node.start_byte:end - node.start_byte].decode("utf-8", "replace")
        return text.translate(self.restore) if self.restore else text

    # -- scripts ---------------------------------------------------------------

    def script(self, text: str, stdin: Stream = NO_DATA) -> Stream:
        if self.depth > MAX_DEPTH:
            self.run.unknown(text)
            return DYNAMIC
        safe, self.restore = bmp_only(text)
        if safe is None:
            self.run.unknown(text)
            return DYNAMIC
        if "\x00" in text:
            # Bash drops NUL bytes from the script text it reads, while a shell that keeps them (zsh) hands
            # the kernel argv cut at each NUL: both readings are walked, and a rule that fires on either holds.
            Walker(self.run, self.depth, self.env, self.cwd, self.cwd_dynamic).script(text.replace("\x00", ""),
                                                                                      stdin)
        tree = self.run.parser.parse(safe.encode("utf-8"))
        root = tree.root_node
        if root.has_error:
            self.run.complete = False
            self.run.emit(SimpleCommand("", (text[:200],), True))
        return self.statement(root, stdin)

    def nested(self, text: str, env: dict[str, str] | None = None, stdin: Stream = NO_DATA) -> None:
        Walker(self.run, self.depth + 1, env, self.cwd, self.cwd_dynamic).script(text, stdin)

    def emit(self, program: str, args: tuple[str, ...], dynamic: bool, writes: tuple[Word, ...] = (),
             sql: str = "", sql_dynamic: bool = False, effects: tuple[str, ...] = ()) -> None:
        if self.cwd_dynamic:
            writes = tuple(Word(w.text, w.dynamic or not w.text.startswith(("/", "~"))) for w in writes)
        self.run.emit(SimpleCommand(program, args, dynamic or self.cwd_dynamic, writes, sql, sql_dynamic, self.cwd,
                                    effects))

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
            return NO_DATA
        if kind == "declaration_command":
            for child in node.named_children:
                if child.type == "variable_assignment":
                    self.assign(child, self.env)
                elif child.type == "variable_name":
                    self.env.pop(self.text(child), None)
                else:
                    self.words(child)
            return NO_DATA
        if kind == "unset_command":
            for child in node.named_children:
                self.env.pop(self.text(child), None)
            return NO_DATA
        if kind == "for_statement":
            return self.for_loop(node)
        if kind == "select_statement":
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

    def for_loop(self, node: Any) -> Stream:
        """`for NAME in WORDS; do BODY; done`: when every word is known, BODY is walked once per word
        with NAME set to it (`for d in / /tmp; do rm -rf $d; done` runs `rm -rf /` and `rm -rf /tmp`).
        A list with anything unknown in it (`$(ls)`, `"$@"`, an unset variable) leaves NAME unknown."""
        variable = node.child_by_field_name("variable")
        name = self.text(variable) if variable is not None else ""
        values = [c for i, c in enumerate(node.children) if node.field_name_for_child(i) == "value"]
        words = [w for v in values for w in self.words(v)]
        literal = bool(values) and not any(w.dynamic or long_sequence(w.text) for w in words)
        if literal and self.run.loop_walks + len(words) > MAX_LOOP_WALKS:
            literal = False
        self.run.loop_walks += len(words) if literal else 0
        outputs: list[Stream] = []
        for word in words if literal and words else [None]:
            if word is None:
                self.env.pop(name, None)
            else:
                self.env[name] = word.text
            outputs.extend(self.statement(c, NO_DATA) for i, c in enumerate(node.children)
                           if node.field_name_for_child(i) == "body")
        self.env.pop(name, None)
        return join(outputs)

    def statement_children(self, node: Any, stdin: Stream, kind: str) -> Stream:
        outputs: list[Stream] = []
        for child in node.named_children:
            if child.type in ("comment", "heredoc_body", "heredoc_start", "heredoc_end"):
                continue
            outputs.append(self.statement(child, stdin if kind in ("subshell", "compound_statement", "list",
                                                                   "negated_command") else NO_DATA))
        return join(outputs)

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
            out: Stream = NO_DATA
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
            out = NO_DATA
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
                self.statement(child, NO_DATA)
        writes = list(writes)
        stdin, captured, continuation = self.redirects(inner_redirects, stdin, writes)
        out = self.resolve(argv, stdin, writes) if argv else NO_DATA
        if not argv and writes:
            self.emit(":", (), any(w.dynamic for w in writes), tuple(writes))
        return self.after_redirects(out, captured, continuation)
