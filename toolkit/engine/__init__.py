"""The runtime three-outcome engine: tool call in, `allow` / `deny` / `require_approval` out.

    gate = Gate.from_blueprint("agent.yaml", task=TaskSettings(repo="acme/app"))
    decision = gate.evaluate("Bash", {"command": "git push --force"})
    if decision.outcome == "require_approval":
        resolution = gate.resolve(decision, Approve("bash_pattern:git push *"))

See docs/engine.md for the pipeline, scopes and state.
"""

from __future__ import annotations

from toolkit.engine.clock import Clock, ManualClock, SystemClock
from toolkit.engine.failures import EngineUnavailable, InputNotSerialisable, InvalidToolInput, ResolveError
from toolkit.engine.bundle import CedarEvaluationError, CedarInputError, PolicyBundle
from toolkit.engine.gate import Gate
from toolkit.engine.records import ALLOW, DENY, REQUIRE_APPROVAL, Approve, Decision, Deny, Resolution, Timeout
from toolkit.engine.scopes import Scope, ScopeError, parse_scope
from toolkit.engine.settings import TaskSettings, TaskSettingsError

_COMPILING = ("PolicyLoadError", "compile_bundle", "load_policies")


def __getattr__(name: str):
    """Compilation (linting, YAML) is imported on first use, so evaluating alone stays lean."""
    if name in _COMPILING:
        from toolkit.engine import policies

        return getattr(policies, name)
    raise AttributeError(f"module 'toolkit.engine' has no attribute {name!r}")


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
