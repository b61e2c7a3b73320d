"""The runtime three-outcome engine: tool call in, `allow` / `deny` / `require_approval` out.

    gate = Gate.from_blueprint("agent.yaml", task=TaskSettings(repo="acme/app"))
    decision = gate.evaluate("Bash", {"command": "git push --force"})
    if decision.outcome == "require_approval":
        resolution = gate.resolve(decision, Approve("bash_pattern:git push *"))

See docs/engine.md for the pipeline, scopes and state.
"""

from __future__ import annotations

_HOMES = {
    "Clock": "clock", "ManualClock": "clock", "SystemClock": "clock",
    "EngineUnavailable": "failures", "InputNotSerialisable": "failures", "InvalidToolInput": "failures",
    "ResolveError": "failures",
    "CedarEvaluationError": "bundle", "CedarInputError": "bundle", "PolicyBundle": "bundle",
    "Gate": "gate",
    "ALLOW": "records", "DENY": "records", "REQUIRE_APPROVAL": "records", "Approve": "records",
    "Decision": "records", "Deny": "records", "Resolution": "records", "Timeout": "records",
    "Scope": "scopes", "ScopeError": "scopes", "parse_scope": "scopes",
    "TaskSettings": "settings", "TaskSettingsError": "settings",
    "PolicyLoadError": "policies", "compile_bundle": "policies",
    "load_policies": "toolkit.policyset",  # lint, then compile: lives above the engine; kept here by name only
}


def __getattr__(name: str):
    """Every name is imported on first use: a hook process that only reads records or the clock
    (a PostToolUse with nothing pending) must not pay for Cedar, the shell parser or linting."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'toolkit.engine' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(home if "." in home else f"toolkit.engine.{home}"), name)


__all__ = [
    "ALLOW",
    "DENY",
    "REQUIRE_APPROVAL",
    "Approve",
    "CedarEvaluationError",
    "CedarInputError",
    "Clock",
    "Decision",
    "Deny",
    "EngineUnavailable",
    "Gate",
    "InputNotSerialisable",
    "InvalidToolInput",
    "ManualClock",
    "PolicyBundle",
    "PolicyLoadError",
    "Resolution",
    "ResolveError",
    "Scope",
    "ScopeError",
    "SystemClock",
    "TaskSettings",
    "TaskSettingsError",
    "Timeout",
    "compile_bundle",
    "load_policies",
    "parse_scope",
]
