"""`@record` behaves as the dataclass it replaces on the hook's path: same equality, hashing, repr and freezing."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from toolkit.record import record

values = st.one_of(st.integers(-3, 3), st.text(max_size=3), st.none(), st.just(math.nan),
                   st.tuples(st.integers(0, 2)))


def pair(**options):
    def body():
        return {"__annotations__": {"a": "object", "b": "object", "c": "object"}, "__module__": __name__,
                "c": dataclasses.field(default=0, compare=False, repr=False)}
    made = record(type("Made", (), body()), **options) if options else record(type("Made", (), body()))
    plain = dataclasses.dataclass(type("Made", (), body()), **({"frozen": True} | options))
    return made, plain


@given(values, values, values, values, values, values)
def test_a_frozen_record_compares_hashes_and_prints_as_its_dataclass(a1, b1, c1, a2, b2, c2):
    made, plain = pair()
    x, y = made(a1, b1, c1), made(a2, b2, c2)
    px, py = plain(a1, b1, c1), plain(a2, b2, c2)
    assert (x == y) == (px == py)
    assert (x != y) == (px != py)
    assert repr(x).replace("Made", "P") == repr(px).replace("Made", "P")
    if not any(isinstance(v, float) for v in (a1, b1)):
        assert hash(x) == hash(px)


def test_a_record_is_never_equal_to_another_class_with_the_same_fields():
    made, plain = pair()
    assert made(1, 2) != plain(1, 2)
    assert made(1, 2) != (1, 2)


def test_a_frozen_record_refuses_assignment_and_keeps_replace():
    made, _ = pair()
    x = made(1, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        x.a = 3  # type: ignore[misc]
    assert dataclasses.replace(x, a=3) == made(3, 2)


def test_a_mutable_record_is_unhashable_and_an_eq_false_record_compares_by_identity():
    mutable, _ = pair(frozen=False)
    with pytest.raises(TypeError):
        hash(mutable(1, 2))
    mutable(1, 2).a = 5
    identity, _ = pair(frozen=False, eq=False)
    x = identity(1, 2)
    assert x == x and x != identity(1, 2)
    assert hash(x) == object.__hash__(x)


def test_methods_a_record_defines_itself_are_kept():
    @record
    class Named:
        a: int

        def __repr__(self) -> str:
            return "named"

        def __eq__(self, other: object) -> bool:
            return True

        def __hash__(self) -> int:
            return 7

    assert repr(Named(1)) == "named" and Named(1) == 0 and hash(Named(2)) == 7


def test_a_frozen_record_refuses_deleting_fields_and_setting_new_attributes():
    made, _ = pair()
    x = made(1, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        del x.a
    with pytest.raises(dataclasses.FrozenInstanceError):
        x.other = 1  # type: ignore[attr-defined]
    assert (x.a, x.b) == (1, 2)


def test_a_frozen_record_with_a_field_init_does_not_set_is_refused_at_definition():
    with pytest.raises(TypeError, match="init=False"):
        @record
        class Late:
            a: int = dataclasses.field(default=0, init=False)


def test_every_dataclass_a_hook_process_imports_is_a_record():
    """A plain dataclass on the hook's path costs every tool call its generated methods' compile time again."""
    code = ("import dataclasses, inspect, sys; import toolkit.hook.lean, toolkit.engine.gate, toolkit.shell;"
            "print('\\n'.join(f'{m}.{n}' for m, mod in list(sys.modules.items()) if m.startswith('toolkit') "
            "for n, c in vars(mod).items() if inspect.isclass(c) and c.__module__ == m "
            "and dataclasses.is_dataclass(c) and not hasattr(c, '__record_repr__')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []


def test_a_frozen_record_with_its_own_equality_still_hashes_like_its_dataclass():
    @record
    class Same:
        a: int

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Same)

    @dataclasses.dataclass(frozen=True)
    class Plain:
        a: int

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Plain)

    assert hash(Same(3)) == hash(Plain(3))


def test_options_a_record_replaces_and_inheriting_from_a_dataclass_are_refused():
    with pytest.raises(TypeError, match="order"):
        record(order=True)(type("Ordered", (), {"__annotations__": {"a": "int"}, "__module__": __name__}))
    made, _ = pair()
    with pytest.raises(TypeError, match="inherit"):
        record(type("Child", (made,), {"__module__": __name__}))
