"""The scheduler's clock: injectable for tests, ``SPECWEAVE_NOW`` pins it across processes."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from typing import Protocol

from ..errors import UsageError
from ..times import format_utc, parse_iso

NOW_ENV = "SPECWEAVE_NOW"


class Clock(Protocol):
    def now(self) -> datetime: ...


def parse_time(text: str, *, source: str = "time", pointer: str | None = None) -> datetime:
    """An ISO 8601 time as an aware UTC datetime; a naive time is taken as UTC."""
    try:
        return parse_iso(text)
    except ValueError:
        raise UsageError(
            f"not an ISO 8601 time: {text!r} (e.g. 2026-01-01T12:00:00Z)",
            file=source,
            pointer=pointer,
        ) from None


# ``2026-01-01T12:00:00Z``: whole seconds, UTC, the form the state ref stores.
format_time = format_utc


class SystemClock:
    """The wall clock, unless ``SPECWEAVE_NOW`` (an ISO time) pins it."""

    def now(self) -> datetime:
        pinned = os.environ.get(NOW_ENV)
        if pinned:
            return parse_time(pinned, source="environment", pointer=NOW_ENV)
        return datetime.now(timezone.utc)


class ManualClock:
    """A clock tests set and advance by hand."""

    def __init__(self, start: datetime | str) -> None:
        self._now = parse_time(start) if isinstance(start, str) else start

    def now(self) -> datetime:
        return self._now

    def set(self, value: datetime | str) -> None:
        self._now = parse_time(value) if isinstance(value, str) else value

    def advance(self, minutes: float = 0.0, seconds: float = 0.0) -> None:
        self._now += timedelta(minutes=minutes, seconds=seconds)


def minutes_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60.0
