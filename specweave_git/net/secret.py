"""Secrets that redact themselves, and redaction of secrets inside free text."""

from __future__ import annotations

import hmac
from collections.abc import Iterable

REDACTED = "***"

# Shorter values would blank out ordinary words of a message ("a", "ok") if redacted.
_MIN_REDACT_LEN = 4


class Secret:
    """A token that never shows itself: ``repr``, ``str`` and ``format`` give ``***``.

    Deliberately not a ``str`` subclass: ``"Bearer " + secret`` or ``json.dumps(secret)``
    would then leak the value silently; here they raise and the code must say
    ``secret.reveal()`` at the one place the value is really needed.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, spec: str) -> str:
        return REDACTED

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __reduce__(self) -> tuple[object, ...]:
        # A pickled secret would land in caches and crash dumps in the clear.
        raise TypeError("a Secret cannot be pickled")


def as_secret(value: Secret | str | None) -> Secret | None:
    """``None`` and empty strings stay ``None``; anything else becomes a Secret."""
    if value is None or (isinstance(value, str) and not value):
        return None
    return value if isinstance(value, Secret) else Secret(value)


def redact(text: str, secrets: Iterable[Secret | str | None]) -> str:
    """``text`` with every occurrence of every secret value replaced by ``***``."""
    values = []
    for s in secrets:
        value = s.reveal() if isinstance(s, Secret) else s
        if value and len(value) >= _MIN_REDACT_LEN:
            values.append(value)
    # Longest first, so a secret containing another is replaced whole.
    for value in sorted(set(values), key=len, reverse=True):
        text = text.replace(value, REDACTED)
    return text
