"""The compiled, lint-clean policy bundle, cached between hook processes.

Linting and compiling the tiers costs far more than deciding a call, and a hook
runs once per tool call. The cache key is a hash of every input the bundle
depends on — the tier files, the vocabulary schema, the blueprint, the
constants contract, the configuration file and the toolkit version — so a
changed file is picked up on the next call. Only bundles that linted clean are
ever stored; the cached form holds the joined policy text (parsed again by
cedarpy, which takes about a millisecond), the rule table and what the request
prefilter needs.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from toolkit import __version__
from toolkit.cedar import pyengine
from toolkit.contract import Constants, Range
from toolkit.digest import sha256
from toolkit.engine.bundle import GateRule, PolicyBundle, ShadowSet, policy_hash
from toolkit.engine.prefilter import Prefilter
from toolkit.safeio import read_input
from toolkit.resources import builtin_policies_dir, constants_path

if TYPE_CHECKING:
    from toolkit.hook.store import StateStore

TIER_FILES = ("hard_deny.cedar", "soft_deny.cedar")
MAX_INPUT_BYTES = 16 << 20
"""A policy input larger than this (or a FIFO or device in its place) is refused before anything parses it."""
SCHEMA_FILE = "agent.cedarschema"
FORMAT = 2
"""Bumped when the cached form changes meaning (2: log-only rules, a policy set of their own), so an older entry
is never read."""


def inputs(builtins: Path | None, blueprint: Path | None, constants: Path | None, config: Path | None) -> list[Path]:
    """Every file the compiled bundle depends on (missing ones are hashed as absent)."""
    directory = builtins or builtin_policies_dir()
    schema = directory / SCHEMA_FILE
    return [*(directory / name for name in TIER_FILES),
            schema if schema.is_file() else builtin_policies_dir() / SCHEMA_FILE,
            constants or constants_path(), *(p for p in (blueprint, config) if p is not None)]


def key_of(paths: list[Path]) -> str:
    digest = sha256(f"cedar-gates {__version__} bundle-format {FORMAT}\n".encode())
    for path in paths:
        digest.update(str(path.resolve()).encode("utf-8", "surrogateescape") + b"\0")
        try:
            digest.update(read_input(path, MAX_INPUT_BYTES))
        except FileNotFoundError:
            digest.update(b"\0missing\0")
        digest.update(b"\0")
    return digest.hexdigest()


def _forbids(text: str) -> list[list[Any]]:
    return [[sorted(p.actions) if p.actions is not None else None, list(p.conditions)]
            for p in pyengine.parse(text) if p.effect == "forbid"]


def _prefilter(forbids: list[list[Any]]) -> Prefilter:
    return Prefilter((frozenset(a) if a is not None else None, tuple(c_)) for a, c_ in forbids)


def dump(bundle: PolicyBundle, constants: Constants) -> str:
    forbids = _forbids(bundle.text)
    shadow = bundle.shadow
    return json.dumps({
        "text": bundle.text,
        "policy_hash": bundle.policy_hash,
        "rules": [dataclasses.asdict(r) for r in bundle.rules.values()],
        "by_policy_id": {pid: rule.rule_id for pid, rule in bundle.by_policy_id.items()},
        "gate_cap": bundle.gate_cap,
        "max_scope": bundle.max_scope,
        "fast": bundle.authorizer is pyengine.authorize_fast,
        "forbids": forbids,
        "shadow": None if shadow is None else {
            "text": shadow.text, "by_policy_id": {pid: rule.rule_id for pid, rule in shadow.by_policy_id.items()},
            "fast": shadow.authorizer is pyengine.authorize_fast, "forbids": _forbids(shadow.text)},
        "constants": dataclasses.asdict(constants),
    })


def load(data: str) -> tuple[PolicyBundle, Constants]:
    raw = json.loads(data)
    rules = {r["rule_id"]: GateRule(**r) for r in raw["rules"]}
    c = dict(raw["constants"])
    for name in ("approval_gate_cap", "approval_timeout_s"):
        c[name] = Range(**c[name])
    for name in ("severities", "categories"):
        c[name] = tuple(c[name])
    authorizer: Callable[..., Any] = pyengine.authorize_fast if raw["fast"] else pyengine.authorize_batch
    entities = pyengine.no_entities()
    shadow = None
    if raw["shadow"] is not None:
        s = raw["shadow"]
        shadow = ShadowSet(s["text"], {pid: rules[rule_id] for pid, rule_id in s["by_policy_id"].items()},
                           pyengine.preparse(s["text"]), entities,
                           pyengine.authorize_fast if s["fast"] else pyengine.authorize_batch, _prefilter(s["forbids"]))
    bundle = PolicyBundle(
        text=raw["text"],
        policy_hash=raw["policy_hash"],
        rules=rules,
        by_policy_id={pid: rules[rule_id] for pid, rule_id in raw["by_policy_id"].items()},
        gate_cap=raw["gate_cap"],
        max_scope=raw["max_scope"],
        policy_set=pyengine.preparse(raw["text"]),
        entities=entities,
        authorizer=authorizer,
        prefilter=_prefilter(raw["forbids"]),
        shadow=shadow,
    )
    if policy_hash(bundle.text, shadow.text if shadow else None) != bundle.policy_hash:
        raise ValueError("cached policy bundle does not match its hash")
    _check_shadow(bundle)
    return bundle, Constants(**c)


def _check_shadow(bundle: PolicyBundle) -> None:
    """A log-only rule evaluated as enforced (or the reverse) would change decisions, so an entry whose shadow set
    is not exactly the rules marked log-only, apart from the enforced ones, is refused (and compiled afresh)."""
    marked = {r.rule_id for r in bundle.rules.values() if r.shadow}
    shadow = {r.rule_id for r in bundle.shadow.by_policy_id.values()} if bundle.shadow is not None else set()
    enforced = {r.rule_id for r in bundle.by_policy_id.values()}
    if shadow != marked or enforced & shadow:
        raise ValueError("cached policy bundle's log-only rules do not match its rule table")


def compiled(store: StateStore, config: Any, blueprint: Path | None, now: float) -> tuple[PolicyBundle, Constants]:
    """The bundle for these inputs from the cache, or linted, compiled and cached (lint errors raise)."""
    key = key_of(inputs(config.builtins, blueprint, config.constants, config.source))
    cached = store.bundle(key)
    if cached is not None:
        try:
            return load(cached)
        except (ValueError, KeyError, TypeError, AttributeError):
            pass  # an entry this version cannot read (damaged, or from a development build): compiled afresh
    from toolkit.config import Config
    from toolkit.policyset import load_policies

    bundle, constants = load_policies(blueprint, config if isinstance(config, Config) else Config(root=config.root))
    store.save_bundle(key, dump(bundle, constants), now)
    return bundle, constants


def user_cache() -> Path:
    """Where `cedar-gates eval` keeps compiled bundles: the platform's user cache directory from platformdirs
    (~/.cache/cedar-gates on Linux unless the XDG variables move it, ~/Library/Caches on macOS, %LOCALAPPDATA%)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("cedar-gates", appauthor=False)) / "bundles.sqlite3"
