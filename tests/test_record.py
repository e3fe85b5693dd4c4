"""Record/FrozenRecord behave like the frozen dataclasses they replace; digests are stable."""

from __future__ import annotations

import copy
import hashlib
import pickle
from typing import Any

import pytest

from specweave_git.digest import digest, sha256_hex
from specweave_git.drift.result import CheckResult
from specweave_git.model import Location, Param, Symbol

SYM = Symbol("f", "function", Location("a.ts", 3), "a.ts", language="ts")

# (what, value, expected)
CASES: list[tuple[str, Any, Any]] = [
    ("equal by value", Location("a.ts", 1) == Location("a.ts", 1), True),
    ("unequal field", Location("a.ts", 1) == Location("a.ts", 2), False),
    ("other type", Location("a.ts", 1) == ("a.ts", 1), False),
    ("hash by value", hash(Location("a.ts", 1)) == hash(Location("a.ts", 1)), True),
    ("dict key", {Param("x"): 1}[Param("x")], 1),
    ("replace", SYM.replace(name="g").name, "g"),
    ("replace keeps the rest", SYM.replace(name="g").location, Location("a.ts", 3)),
    ("replace leaves the original", (SYM.replace(name="g"), SYM.name)[1], "f"),
    ("as_tuple in __init__ order", Location("a.ts", 7).as_tuple(), ("a.ts", 7)),
    ("repr", repr(Location("a.ts", 1)), "Location(path='a.ts', line=1)"),
    ("deepcopy", copy.deepcopy(SYM), SYM),
    ("pickle", pickle.loads(pickle.dumps(SYM)), SYM),
    ("sha256 as hashlib", sha256_hex(b"abc"), hashlib.sha256(b"abc").hexdigest()),
    ("digest of parts", digest(b"a", b"bc"), hashlib.blake2b(b"abc", digest_size=32).hexdigest()),
]


@pytest.mark.parametrize(("what", "value", "expected"), CASES, ids=[c[0] for c in CASES])
def test_record_semantics(what: str, value: Any, expected: Any) -> None:
    assert value == expected


@pytest.mark.parametrize(
    "mutate",
    [
        lambda: setattr(SYM, "name", "g"),
        lambda: delattr(SYM, "name"),
        lambda: setattr(SYM, "extra", 1),
    ],
    ids=["assign", "delete", "new attribute"],
)
def test_frozen_records_reject_changes(mutate: Any) -> None:
    with pytest.raises(AttributeError):
        mutate()
    assert SYM.name == "f"


def test_mutable_record_defaults_are_not_shared_and_it_is_unhashable() -> None:
    a = CheckResult(scope=None, discrepancies=[])  # type: ignore[arg-type]
    b = CheckResult(scope=None, discrepancies=[])  # type: ignore[arg-type]
    a.warnings.append("w")
    assert (a.warnings, b.warnings) == (["w"], [])
    with pytest.raises(TypeError):
        hash(a)


def test_init_must_match_slots() -> None:
    from specweave_git.record import FrozenRecord, set_field

    with pytest.raises(TypeError, match="__slots__"):

        class Bad(FrozenRecord):
            __slots__ = ("a", "b")

            def __init__(self, a: int) -> None:
                set_field(self, "a", a)
