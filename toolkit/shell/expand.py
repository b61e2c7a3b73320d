"""Expansion of the words of a command: strings, variables, substitutions, heredocs and assignments.

A mixin of the walker (toolkit.shell.walker): command and process
substitutions are walked as commands in their own right, so their programs are
reported wherever the substitution appears.
"""

from __future__ import annotations

from typing import Any

from toolkit.shell.model import Word
from toolkit.shell.words import (DYNAMIC, IFS, NO_DATA, Part, Stream, ansi_c, braces, c_string, join, split_fields,
                                 unescape_dquoted, unescape_word)


class Expander:
    """Words → expanded `Word`s, with the walker's known variables (`self.env`)."""

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
        """The fields a word expands to, each cut at its first NUL (see c_string)."""
        parts = self.parts(node, quoted=False)
        if not split:
            return [Word(c_string("".join(p.text for p in parts)), any(p.dynamic for p in parts))]
        fields = split_fields(parts)
        if len(fields) == 1 and all(not p.quoted and not p.dynamic for p in parts) and "{" in fields[0].text:
            return [Word(c_string(text)) for text in braces(fields[0].text)]
        return [Word(c_string(w.text), w.dynamic) if "\x00" in w.text else w for w in fields]

    def parts(self, node: Any, quoted: bool) -> list[Part]:
        kind = node.type
        text = self.text(node)
        if kind == "word":
            return [Part(unescape_word(text), quoted)]
        if kind == "raw_string":
            return [Part(text[1:-1], True)]
        if kind == "ansi_c_string":
            return [Part(ansi_c(text[2:-1]), True)]
        if kind in ("string", "translated_string", "heredoc_body"):
            return self.quoted_parts(node, kind)
        if kind == "brace_expression" and all(c.type == "number" for c in node.named_children):
            return [Part(text, quoted)]
        if kind == "concatenation":
            return [p for child in node.named_children for p in self.parts(child, quoted)]
        if kind in ("simple_expansion", "expansion"):
            return [self.expansion(node, text, quoted)]
        if kind == "command_substitution":
            output = self.substitution(node)
            if isinstance(output, str):
                return [Part(output.rstrip("\n"), quoted, splittable=not quoted)]
            return [Part(text, quoted, dynamic=True)]
        if kind == "process_substitution":
            self.substitution(node)
            return [Part(text, quoted, dynamic=True)]
        if kind == "arithmetic_expansion":
            self.statement(node, NO_DATA)
            return [Part(text, quoted, dynamic=True)]
        if kind == "comment":
            return []
        if kind == "number" or not node.named_children:
            return [Part(unescape_word(text) if not quoted else text, quoted)]
        self.statement(node, NO_DATA)
        return [Part(text, quoted, dynamic=True)]

    def quoted_parts(self, node: Any, kind: str) -> list[Part]:
        """A double-quoted string or a heredoc body, rebuilt from the source text.

        The grammar's pieces of a string do not cover all of it: the newlines
        between lines (and a lone `$`) belong to no child. Every byte between
        the pieces is literal text, so a multi-line string keeps its lines.
        """
        children = node.children
        start, end = node.start_byte, node.end_byte
        if kind != "heredoc_body" and children and not children[0].is_named:
            start = children[0].end_byte
        if kind != "heredoc_body" and len(children) > 1 and not children[-1].is_named:
            end = children[-1].start_byte
        out: list[Part] = []
        for child in node.named_children:
            if child.start_byte > start:
                out.append(Part(self.source(node, start, child.start_byte), True))
            if child.type in ("string_content", "heredoc_content"):
                body = self.text(child)
                out.append(Part(unescape_dquoted(body) if kind != "heredoc_body" else body, True))
            else:
                out.extend(self.parts(child, quoted=True))
            start = max(start, child.end_byte)
        if end > start:
            out.append(Part(self.source(node, start, end), True))
        return out or [Part("", True)]

    def expansion(self, node: Any, text: str, quoted: bool) -> Part:
        names = [c for c in node.named_children if c.type in ("variable_name", "special_variable_name")]
        plain = len(node.named_children) == 1 and names and not any(
            c.type == "#" or c.text in (b"#", b"!") for c in node.children[:2] if not c.is_named and c.type != "${")
        if not names or not plain:
            for child in node.named_children:
                if child.type not in ("variable_name", "special_variable_name"):
                    self.parts(child, quoted=True)
            return Part(text, quoted, dynamic=True)
        name = self.text(names[0])
        if name == "IFS":
            return Part(IFS, quoted, splittable=not quoted)
        if name == "HOME":
            return Part("~", quoted)
        if name in self.env:
            return Part(self.env[name], quoted, splittable=not quoted)
        return Part(text, quoted, dynamic=True)

    def substitution(self, node: Any) -> Stream:
        """Run the inner commands; their output when it is known literally (`$(echo rm)`), else DYNAMIC."""
        saved = self.cwd, self.cwd_dynamic
        outputs = [self.statement(child, NO_DATA) for child in node.named_children if child.type != "comment"]
        self.cwd, self.cwd_dynamic = saved
        joined = join(outputs)
        return joined if isinstance(joined, str) else DYNAMIC
