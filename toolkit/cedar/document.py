"""A Cedar text as the linter sees it: engine-parsed policies joined to their source spans."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from toolkit.cedar import pyengine
from toolkit.cedar.limits import LimitProblem, check
from toolkit.cedar.scan import ScannedPolicy, Span, scan, tokens

_EOF_MESSAGE = "unexpected end of input"


@dataclass
class Policy:
    index: int
    effect: str
    annotations: dict[str, str | None]
    is_template: bool
    scanned: ScannedPolicy

    @property
    def rule_id(self) -> str | None:
        value = self.annotations.get("rule_id")
        return value if isinstance(value, str) else None

    @property
    def tier(self) -> str | None:
        value = self.annotations.get("tier")
        return value if isinstance(value, str) else None

    @property
    def is_base_permit(self) -> bool:
        return self.rule_id == "base_permit" and self.effect == "permit" and "tier" not in self.annotations


@dataclass
class SyntaxProblem:
    span: Span
    message: str


@dataclass
class CedarDocument:
    text: str
    policies: list[Policy] = field(default_factory=list)
    syntax_errors: list[SyntaxProblem] = field(default_factory=list)
    too_complex: LimitProblem | None = None
    """Set when the text exceeds a structural limit (toolkit.cedar.limits); no engine has seen it then,
    and `syntax_errors` holds the same problem so every caller that stops on a syntax error stops here too."""

    @property
    def parsed(self) -> bool:
        return not self.syntax_errors and self.too_complex is None


def load_document(text: str) -> CedarDocument:
    """Scan, then parse with the engine, unless the text is too deep or too large for the engines to survive."""
    problem = check(text)
    if problem is not None:
        return CedarDocument(text, [], [SyntaxProblem(Span(problem.start, problem.end), problem.message)], problem)
    scanned = scan(text)
    try:
        engine_policies = pyengine.parse(text)
    except pyengine.CedarSyntaxError as exc:
        return CedarDocument(text, [], _locate_syntax_errors(text, scanned, str(exc)))
    if len(engine_policies) != len(scanned.policies):
        # The scanner and the engine disagree on the policy count; keep the engine's
        # reading and point every policy at the start of the text rather than guess.
        whole = Span(0, len(text))
        fallback = [ScannedPolicy(span=whole, head=Span(0, 0)) for _ in engine_policies]
        scanned_policies = fallback
    else:
        scanned_policies = scanned.policies
    policies = [
        Policy(i, p.effect, p.annotations, p.is_template, s)
        for i, (p, s) in enumerate(zip(engine_policies, scanned_policies))
    ]
    return CedarDocument(text, policies)


def _locate_syntax_errors(text: str, scanned, whole_message: str) -> list[SyntaxProblem]:
    """Find each failing policy, then the first token at which its prefix stops being a valid start."""
    problems = []
    for policy in scanned.policies:
        chunk = text[policy.span.start : policy.span.end]
        message = pyengine.syntax_error(chunk)
        if message is not None:
            problems.append(_pinpoint(text, policy.span.start, chunk, message))
    if scanned.trailing is not None:
        chunk = text[scanned.trailing.start : scanned.trailing.end]
        message = pyengine.syntax_error(chunk) or _EOF_MESSAGE
        if message == _EOF_MESSAGE:
            problems.append(
                SyntaxProblem(
                    Span(scanned.trailing.start, scanned.trailing.end),
                    "unexpected end of input: the last policy is not terminated with `;`",
                )
            )
        else:
            problems.append(_pinpoint(text, scanned.trailing.start, chunk, message))
    if not problems:
        problems.append(SyntaxProblem(Span(0, min(len(text), 1)), whole_message))
    return problems


def _pinpoint(text: str, base: int, chunk: str, message: str) -> SyntaxProblem:
    """Point at the fragment the engine's message names.

    cedarpy reports no positions and its parser only reports the first error at
    end of input for a truncated prefix, so the message's backticked fragment is
    looked up in the failing policy; among several occurrences, the one whose
    blanking changes the error is the culprit.
    """
    toks = tokens(chunk)
    if message == _EOF_MESSAGE or not toks:
        end = base + (toks[-1].end if toks else 0)
        return SyntaxProblem(Span(end, end), message)
    duplicate = re.match(r"duplicate annotation: @(\w+)", message)
    if duplicate:
        candidates = [Span(m.start(), m.end()) for m in re.finditer(rf"@\s*{duplicate.group(1)}\b", chunk)]
        if candidates:
            return SyntaxProblem(Span(base + candidates[-1].start, base + candidates[-1].end), message)
    if message.startswith("integer parse error"):
        numbers = [t for t in toks if chunk[t.start : t.end].isdigit()]
        if numbers:
            widest = max(numbers, key=lambda t: t.end - t.start)
            return SyntaxProblem(Span(base + widest.start, base + widest.end), message)
    named = re.search(r"`([^`]+)`", message)
    if named is None:
        return SyntaxProblem(Span(base + toks[0].start, base + toks[0].end), message)
    fragment = named.group(1)
    candidates = [t for t in toks if chunk[t.start : t.end] == fragment]
    if not candidates:
        candidates = [Span(m.start(), m.end()) for m in re.finditer(re.escape(fragment), chunk)]
    if not candidates:
        return SyntaxProblem(Span(base + toks[0].start, base + toks[0].end), message)
    chosen = candidates[0]
    if len(candidates) > 1:
        for candidate in candidates:
            blanked = chunk[: candidate.start] + " " * (candidate.end - candidate.start) + chunk[candidate.end :]
            if pyengine.syntax_error(blanked) != message:
                chosen = candidate
                break
    return SyntaxProblem(Span(base + chosen.start, base + chosen.end), message)
