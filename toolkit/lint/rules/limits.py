"""Cedar text too deep or too large for the engines to parse safely (toolkit.cedar.limits).

Such a text is refused before any engine sees it: the blueprint loader does not
parse it, so no other Cedar rule runs on it and no gate can be built from it.
"""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.cedar.limits import FIRST_FAILURES, MAX_CHAIN, MAX_NESTING, MAX_TEXT_BYTES
from toolkit.lint.context import LintContext
from toolkit.lint.rule import Hit, Rule

_PY, _JS = FIRST_FAILURES["cedarpy"], FIRST_FAILURES["cedar-wasm"]
_HINTS = {
    "nesting": "remove redundant brackets, or split the condition into several policies",
    "chain": "split the condition into several policies (one forbid per alternative), or match a set with "
             "`.contains`/`.containsAny` instead of a long `||` chain",
    "size": "split the policies over several files or remove generated ones",
}


def check_too_complex(ctx: LintContext) -> Iterator[Hit]:
    for block in ctx.blueprint.blocks:
        problem = block.document.too_complex
        if problem is not None:
            yield Hit(f"the Cedar text is refused unparsed: {problem.message}",
                      block.origin.location(problem.start, problem.end), hint=_HINTS.get(problem.kind))


RULES = [
    Rule(
        "CG006", "cedar-too-complex", "error",
        "The Cedar text is nested too deeply, chains too many operators or is too large for the engines.",
        "remove redundant brackets or split the condition into several policies",
        "Both Cedar engines parse and evaluate recursively: deep enough text kills cedarpy with a native crash "
        "(SIGSEGV, no Python error) and makes cedar-wasm trap. The toolkit measures every Cedar text before "
        f"either engine sees it and refuses it when brackets (`(`, `[`, `{{` together) nest more than "
        f"{MAX_NESTING} deep, when operators nest more than {MAX_CHAIN} deep along one path into an expression, "
        "or when one text is larger than "
        f"{MAX_TEXT_BYTES:,} bytes. Operators are `||`, `&&`, comparisons, `in`, `has`, `like`, `is`, `+`, `-`, "
        "`*`, `.` (attribute access, method call) and `if`; the depth follows precedence, so a chain of N `&&` "
        "is N deep, `context.a like \"x\" || context.b like \"y\"` is 3, and a bracketed operand adds its own "
        "depth plus one. The finding marks the first place a limit is passed. Measured failure points "
        f"(cedarpy 4.12.2 / cedar-wasm 4.12.0): {_PY['nesting']:,} / {_JS['nesting']:,} nested brackets, "
        f"{_PY['chain']:,} / {_JS['chain']:,} chained operators to parse, and {_JS['erroring chain']:,} in "
        "cedar-wasm when evaluating such a chain errors; the built-in tiers nest "
        "at most 6 deep and reach a depth of about 40 on their largest rule. A refused text is not parsed, so no "
        "other Cedar rule reports on it and no gate is built from it; a parity fixture with such `policies` is "
        "unusable input (exit 2).",
        check_too_complex,
    ),
]
