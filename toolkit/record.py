"""`@record`: a dataclass whose `__eq__`, `__hash__`, `__repr__` and freezing are shared functions.

Python 3.11 compiles every method a dataclass generates when its module is
imported. A hook process imports some forty records on every tool call, and
compiling their methods was the largest cost of a PreToolUse after cedarpy
itself, most of it for methods a call seldom uses. The shared versions behave
as the generated ones do: fields that compare are compared in order and only
against the same class; a frozen record hashes the fields that hash, a mutable
one is unhashable; the repr is `QualName(field=value, ...)`; a frozen record's
`__setattr__` lets `__init__` set each field once and refuses every later
assignment or deletion with `FrozenInstanceError`. A record without a
docstring gets one naming its fields (the dataclass would ask
`inspect.signature`, another cost at import). Everything else (`__init__`,
`replace`, `fields`, `asdict`, pickling) is the dataclass's own. Records take
only the options that do not touch what they replace, and inherit from no
dataclass: anything else is refused where the class is defined.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, TypeVar, overload

try:
    from typing import dataclass_transform
except ImportError:  # Python 3.10: the marker only tells type checkers that `record` makes dataclasses
    def dataclass_transform(**_: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return lambda decorator: decorator

T = TypeVar("T", bound=type)
OPTIONS = frozenset({"kw_only", "match_args"})
"""The dataclass options a record passes on; the others (order, unsafe_hash, ...) are what it replaces."""


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    names = self.__record_compare__
    return tuple(getattr(self, n) for n in names) == tuple(getattr(other, n) for n in names)


def _hash(self: Any) -> int:
    return hash(tuple(getattr(self, name) for name in self.__record_hash__))


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_repr__)
    return f"{self.__class__.__qualname__}({shown})"


def _set_once(self: Any, name: str, value: Any) -> None:
    if name in self.__record_fields__ and name not in self.__dict__:
        object.__setattr__(self, name, value)
        return
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _no_delete(self: Any, name: str) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


def _make(cls: T, frozen: bool, eq: bool, options: dict[str, Any]) -> T:
    if not OPTIONS.issuperset(options):
        raise TypeError(f"record options are {', '.join(sorted(OPTIONS))}; use a dataclass for "
                        f"{', '.join(sorted(set(options) - OPTIONS))}")
    if any(dataclasses.is_dataclass(base) for base in cls.__mro__[1:]):
        raise TypeError(f"{cls.__qualname__}: a record does not inherit from a dataclass or another record")
    body = cls.__dict__
    own_repr, own_eq = "__repr__" in body, "__eq__" in body
    own_hash = "__hash__" in body and not (body["__hash__"] is None and own_eq)
    if cls.__doc__ is None:
        cls.__doc__ = f"{cls.__name__}({', '.join(body.get('__annotations__', ()))})"
    if frozen and ("__setattr__" in body or "__delattr__" in body):
        raise TypeError(f"{cls.__qualname__}: a frozen record keeps the shared __setattr__ and __delattr__")
    cls = dataclasses.dataclass(cls, eq=False, repr=False, **options)  # frozen by `_set_once` below
    fields = dataclasses.fields(cls)
    if frozen:
        if any(not f.init for f in fields):
            raise TypeError(f"{cls.__qualname__}: a frozen record sets every field in __init__ (no init=False)")
        cls.__record_fields__ = frozenset(f.name for f in fields)  # type: ignore[attr-defined]
        cls.__setattr__ = _set_once  # type: ignore[assignment]
        cls.__delattr__ = _no_delete  # type: ignore[assignment]
    cls.__record_repr__ = tuple(f.name for f in fields if f.repr)  # type: ignore[attr-defined]
    if not own_repr:
        cls.__repr__ = _repr  # type: ignore[assignment]
    if eq and not own_eq:
        cls.__record_compare__ = tuple(f.name for f in fields if f.compare)  # type: ignore[attr-defined]
        cls.__eq__ = _eq  # type: ignore[assignment]
    if eq and not own_hash:
        if frozen:
            cls.__record_hash__ = tuple(  # type: ignore[attr-defined]
                f.name for f in fields if (f.compare if f.hash is None else f.hash))
            cls.__hash__ = _hash  # type: ignore[assignment]
        else:
            cls.__hash__ = None  # type: ignore[assignment]
    return cls


@overload
def record(cls: T, /) -> T: ...
@overload
def record(*, frozen: bool = True, eq: bool = True, **options: Any) -> Callable[[T], T]: ...


@dataclass_transform(eq_default=True, frozen_default=True, field_specifiers=(dataclasses.field,))
def record(cls: Any = None, /, *, frozen: bool = True, eq: bool = True, **options: Any) -> Any:
    """`@record` is `@dataclass(frozen=True)`; `@record(frozen=False)` and `@record(eq=False)` as with dataclass."""
    if cls is None:
        return lambda c: _make(c, frozen, eq, options)
    return _make(cls, frozen, eq, options)
