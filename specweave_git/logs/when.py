"""``--since``/``--until`` values: ISO dates and times, or durations before now (``24h``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from ..errors import UsageError
from ..times import format_utc_ms, parse_iso

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_when(text: str, now: datetime, *, flag: str, end_of_day: bool = False) -> datetime:
    """A UTC moment from ``30m``/``24h``/``7d``/``2w`` (that long before ``now``), an ISO
    date (its midnight; with ``end_of_day`` the next midnight, so ``--until 2026-03-01``
    includes that whole day) or an ISO time (UTC unless it has an offset).
    UsageError naming ``flag`` otherwise."""
    value = text.strip()
    number, unit = value[:-1], value[-1:].lower()
    if unit in _UNITS and number.isdigit():
        return now - timedelta(seconds=int(number) * _UNITS[unit])
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
            return moment + timedelta(days=1) if end_of_day else moment
        return parse_iso(value)
    except ValueError:
        raise UsageError(
            f"invalid value {text!r}: give a date (2026-03-01), an ISO 8601 time "
            "(2026-03-01T12:00:00Z) or a duration like 30m, 24h, 7d or 2w",
            pointer=flag,
        ) from None


# ``moment`` in the audit records' ``ts`` format, so times compare as strings.
stamp = format_utc_ms
