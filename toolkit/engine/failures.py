"""Named failure classes: a fail-closed decision says which of these stopped it."""

from __future__ import annotations


class EngineUnavailable(RuntimeError):
    """No usable policy set: the gate cannot evaluate anything."""


class InvalidToolInput(ValueError):
    """The call is not a tool name plus an object, or a path/command field has the wrong type."""


class InputNotSerialisable(ValueError):
    """The tool input cannot be written as canonical JSON, so it cannot be hashed, cached or logged."""


class ResolveError(ValueError):
    """A response that does not fit the decision: not a pending gate, or resolved twice."""

