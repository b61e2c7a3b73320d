"""docs/lint-rules.md is generated from the catalogue so the two cannot drift."""

from __future__ import annotations

from toolkit.lint.catalogue import all_rules

HEADER = """# Lint rules

<!-- Generated from the rule catalogue by `python scripts/gen_lint_docs.py`; do not edit by hand. -->

Every finding carries one of these stable codes. Levels are defaults: change them per project with
`[tool.cedar-gates.lint.levels]` (for example `CG052 = "off"`), or silence a warning on one policy with
`@lint_allow("CG070")`. Errors cannot be silenced per policy. `cedar-gates rule CODE` prints one entry.

| code | name | level | summary |
|---|---|---|---|
"""


def render_markdown() -> str:
    rules = all_rules()
    parts = [HEADER]
    parts.extend(f"| [{r.code}](#{r.code.lower()}-{r.name}) | {r.name} | {r.level} | {r.summary} |\n" for r in rules)
    for r in rules:
        parts.append(f"\n## {r.code} {r.name}\n\n**Level:** {r.level}\n\n{r.summary}\n\n{r.docs}\n\n**Fix:** {r.hint}\n")
    return "".join(parts)
