"""Rules about whether a YAML file is a blueprint at all, so nothing lints clean by accident.

A file with no `security:` section gives every other rule nothing to look at;
a misspelt or misplaced top-level key hides the policies under it. Other
top-level keys belong to the platform (name, description, model, ...) and pass.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from toolkit.blueprint.model import Location
from toolkit.lint.context import LintContext
from toolkit.lint.rule import Hit, Rule

SECURITY = "security"
SECURITY_KEYS = ("cedarPolicies", "approvalGateCap", "maxPreApprovalScope")
"""Keys that only mean something under `security:`."""

_LOOKALIKES = {
    ("apiVersion", "kind"): "a Kubernetes manifest",
    ("services",): "a Compose file",
    ("jobs",): "a GitHub Actions workflow",  # YAML 1.1 reads its `on:` key as true
    ("repos",): "a pre-commit configuration",
    ("blueprint", "tests"): "a policy test file",
}


def _near_security(key: str) -> bool:
    if key == SECURITY:
        return False
    folded = key.strip().lower().replace("-", "").replace("_", "")
    return folded == SECURITY or difflib.SequenceMatcher(None, folded, SECURITY).ratio() >= 0.75


def _misplaced(ctx: LintContext) -> Iterator[tuple[str, Location, str]]:
    """(key, place, what the author meant) for every top-level key that hides security settings."""
    keys = ctx.blueprint.top_keys
    for key, location in keys.items():
        if _near_security(key):
            yield key, location, SECURITY
        elif key == "tests":
            if "blueprint" not in keys:  # with `blueprint:` it is a policy test file, which CG007 names
                yield key, location, f"{SECURITY}.tests"
        else:
            close = difflib.get_close_matches(key, SECURITY_KEYS, n=1, cutoff=0.8)
            if close:
                yield key, location, f"{SECURITY}.{close[0]}"


def check_top_level_keys(ctx: LintContext) -> Iterator[Hit]:
    for key, location, meant in _misplaced(ctx):
        if meant == SECURITY:
            message = (f"unknown top-level key `{key}`: did you mean `security`? cedar-gates reads only `security:`, "
                       "so everything under this key is ignored")
            hint = f"rename `{key}:` to `security:`"
        else:
            message = (f"top-level key `{key}`: did you mean `{meant}`? At the top level it is ignored; "
                       "the gates read it only under `security:`")
            hint = f"move `{key}:` under `security:`"
        yield Hit(message, location, hint=hint)


def _looks_like(keys: dict[str, Location]) -> str | None:
    for needed, name in _LOOKALIKES.items():
        if all(k in keys for k in needed):
            return name
    return None


def check_blueprint_shape(ctx: LintContext) -> Iterator[Hit]:
    blueprint = ctx.blueprint
    if blueprint.top_kind != "mapping" or SECURITY in blueprint.top_keys:
        return
    if any(_misplaced(ctx)):
        return  # CG008 names the misspelt or misplaced key, which says more
    lookalike = _looks_like(blueprint.top_keys)
    found = f" (it looks like {lookalike})" if lookalike else ""
    first = next(iter(blueprint.top_keys.values()), Location(1, 1))
    hint = "run it with `cedar-gates test FILE`; `lint` checks blueprints" if lookalike == "a policy test file" else None
    yield Hit(f"not a blueprint{found}: there is no top-level `security:` section, so there is nothing to check",
              first, hint=hint)


RULES = [
    Rule(
        "CG007", "not-a-blueprint", "error",
        "A YAML mapping without a top-level `security:` section: the file is not a blueprint.",
        "add a `security:` section with `cedarPolicies`, or stop passing this file to `cedar-gates lint`",
        "Every other rule looks inside `security:`, so without one a file would lint clean while checking "
        "nothing: a Compose file, a Kubernetes manifest or a policy test file passed by mistake. Without "
        "configuration, `check` and `lint` only look at `blueprints/**/*.yaml` and `**/*.blueprint.yaml` "
        "(docs/configuration.md); name the files you mean under `blueprints` otherwise. A document that "
        "is not a mapping at all (a list, a bare value) is CG002.",
        check_blueprint_shape,
    ),
    Rule(
        "CG008", "unknown-top-level-key", "error",
        "A top-level key is a misspelling of `security`, or a security setting outside `security:`.",
        "rename the key to `security`, or move the setting under `security:`",
        "Top-level keys other than `security` belong to the platform and are not checked, so `securty:` or a "
        "`cedarPolicies:` written one level too high would silently drop every policy under it. The finding "
        "names the key cedar-gates expected.",
        check_top_level_keys,
    ),
]
