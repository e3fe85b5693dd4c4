"""Cheap value classes: slotted records with value equality, repr and replace()."""

from __future__ import annotations

from operator import attrgetter
from typing import Any, TypeVar

_R = TypeVar("_R", bound="_Base")

# Frozen records set their fields through object's own __setattr__ (Record's raises).
set_field = object.__setattr__


def _getter(fields: tuple[str, ...]) -> Any:
    """A function of a record giving its field values as a tuple (fast: C attrgetter)."""
    if len(fields) > 1:
        return attrgetter(*fields)
    if fields:
        one = attrgetter(fields[0])

        def single(obj: object) -> tuple[Any, ...]:
            return (one(obj),)

        return single

    def empty(obj: object) -> tuple[Any, ...]:
        return ()

    return empty


class _Base:
    """Base of the value classes, in place of ``@dataclass(slots=True)``.

    Such a dataclass costs ~0.7 ms to create at import (the decorator generates and
    execs code, and ``slots=True`` builds the class twice); the pre-commit hook imports
    dozens of them (DESIGN §11), against ~0.01 ms for a plain class. A subclass lists its
    fields in ``__slots__`` and sets them in a hand-written ``__init__`` whose
    parameters are exactly the fields, in order. Equality, repr, copying and
    ``replace`` work on those fields as the dataclass's did.
    """

    __slots__ = ()
    # Set per subclass: the field names, and a getter of their values as a tuple.
    _fields: tuple[str, ...] = ()
    _values: Any = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The fields in order are __init__'s parameters (ruff keeps __slots__ sorted).
        if cls.__init__ is object.__init__:  # Record and FrozenRecord themselves
            return
        code = cls.__init__.__code__
        fields = code.co_varnames[1 : code.co_argcount + code.co_kwonlyargcount]
        slots = {name for c in cls.__mro__ for name in c.__dict__.get("__slots__", ())}
        if set(fields) != slots:
            raise TypeError(f"{cls.__name__}: __init__ parameters {fields} != __slots__")
        cls._fields = fields
        cls._values = staticmethod(_getter(fields))

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        values = self._values
        return bool(values(self) == values(other))

    def __repr__(self) -> str:
        body = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__qualname__}({body})"

    def __reduce__(self) -> tuple[Any, ...]:
        # copy, deepcopy and pickle rebuild through __init__, which owns the fields.
        return (type(self), self._values(self))

    def replace(self: _R, **changes: Any) -> _R:
        """A copy with some fields changed (``dataclasses.replace``), through __init__."""
        kwargs = {name: getattr(self, name) for name in self._fields}
        kwargs.update(changes)
        return type(self)(**kwargs)

    def as_tuple(self) -> tuple[Any, ...]:
        """The field values in order (``dataclasses.astuple`` without the recursion)."""
        return tuple(self._values(self))


class Record(_Base):
    """A mutable record (a plain ``@dataclass``): like one, not hashable, because it
    defines ``__eq__`` without ``__hash__``."""

    __slots__ = ()


class FrozenRecord(_Base):
    """An immutable record (``frozen=True``): hashable by value, so usable as a dict key.

    ``__init__`` sets the fields with ``set_field``; assigning or deleting afterwards
    raises AttributeError.
    """

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of {type(self).__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of {type(self).__name__}")

    def __hash__(self) -> int:
        return hash(self._values(self))
