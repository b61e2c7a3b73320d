"""Parity of the real policy files: the built-in tiers and configured blueprints over a tool-call corpus.

The corpus (builtin_corpus.json) names, per call, the rules each bundled tier must
match and the rules the call is built to just miss, so it doubles as the hit and
near-miss coverage of every built-in rule.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from toolkit.blueprint.loader import load_blueprint
from toolkit.blueprint.source import display_path
from toolkit.errors import InputError
from toolkit.parity.fixtures import Expected
from toolkit.parity.harness import Case
from toolkit.policies import BuiltinSet
from toolkit.resources import builtin_policies_dir
from toolkit.toolcall import TaskFacts, requests_for

CORPUS_PATH = Path(__file__).resolve().parent / "builtin_corpus.json"
TIERS = ("hard", "soft")
BASE_PERMIT = "base_permit"


@dataclass(frozen=True)
class CorpusCall:
    name: str
    tool_name: str
    tool_input: dict[str, Any]
    read_only: bool
    hits: dict[str, tuple[str, ...]]
    near_miss: tuple[str, ...]
    gate_files: tuple[tuple[str, str], ...] = ()
    """The task's gate files (path, kind), as TaskSettings.gate_files."""
    cwd: str | None = None
    """The task's working directory, as TaskSettings.cwd (paths resolve against it)."""

    def requests(self) -> list[dict[str, Any]]:
        facts = TaskFacts(repo="acme/app", read_only=self.read_only, cwd=self.cwd, gate_files=self.gate_files)
        return requests_for(self.tool_name, self.tool_input, facts)


def load_corpus(path: Path = CORPUS_PATH) -> list[CorpusCall]:
    raw = json.loads(path.read_text("utf-8"))
    return [
        CorpusCall(
            name=c["name"],
            tool_name=c["tool_name"],
            tool_input=c["tool_input"],
            read_only=c.get("read_only", False),
            hits={tier: tuple(sorted(c.get(tier, []))) for tier in TIERS},
            near_miss=tuple(c.get("near_miss", [])),
            gate_files=tuple(sorted(c.get("gate_files", {}).items())),
            cwd=c.get("cwd"),
        )
        for c in raw["calls"]
    ]


def coverage_gaps(builtins: BuiltinSet, corpus: Sequence[CorpusCall]) -> list[str]:
    """Built-in rules the corpus never hits, or never narrowly misses."""
    hit = {rule for call in corpus for ids in call.hits.values() for rule in ids}
    missed = {rule for call in corpus for rule in call.near_miss}
    gaps = []
    for rule_id in sorted(builtins.hard_ids() | builtins.soft_ids()):
        if rule_id not in hit:
            gaps.append(f"{rule_id}: no call in the corpus matches it")
        if rule_id not in missed:
            gaps.append(f"{rule_id}: no near miss in the corpus")
    return gaps


def _expected(ids: tuple[str, ...]) -> Expected:
    if ids:
        return Expected("deny", ids, ())
    return Expected("allow", (BASE_PERMIT,), ())


def builtin_cases(builtins: BuiltinSet, corpus: Sequence[CorpusCall]) -> list[Case]:
    """Expectations apply to the bundled built-ins only; a platform's own set is checked for agreement."""
    bundled = builtins.directory.resolve() == builtin_policies_dir().resolve()
    cases = []
    for tier in TIERS:
        source = display_path(builtins.files[tier].source.path)
        text = builtins.text(tier)
        for call in corpus:
            expected = _expected(call.hits[tier]) if bundled else None
            cases.append(Case(f"builtins/{tier}/{call.name}", source, text, [], call.requests(), expected))
    return cases


def blueprint_cases(paths: Sequence[Path], corpus: Sequence[CorpusCall], max_file_bytes: int) -> list[Case]:
    """Every Cedar block of every blueprint, over the same corpus (agreement only)."""
    cases = []
    for path in paths:
        blueprint = load_blueprint(path, max_file_bytes)
        if blueprint.kind == "unreadable":
            problem = blueprint.problems[0] if blueprint.problems else None
            raise InputError(display_path(path), problem.message if problem else "cannot read the blueprint")
        source = display_path(path)
        for block in blueprint.blocks:
            limit = block.document.too_complex
            if limit is not None:  # never hand it to an engine: it may crash cedarpy natively
                where = block.origin.location(limit.start)
                raise InputError(source, f"Cedar text refused unparsed (CG006): {limit.message}", where.line,
                                 where.column, f"run `cedar-gates lint {source}`")
            label = block.section if block.legacy_index is None else f"{block.section}[{block.legacy_index}]"
            for call in corpus:
                cases.append(Case(f"{source}/{label}/{call.name}", source, block.text, [], call.requests()))
    return cases
