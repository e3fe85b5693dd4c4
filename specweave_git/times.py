"""UTC timestamps as the tool stores them: ISO 8601 text with ``Z``, parsed back aware."""

from __future__ import annotations

from datetime import datetime, timezone


def parse_iso(text: str) -> datetime:
    """An ISO 8601 time as an aware UTC datetime (a naive time is taken as UTC);
    ``ValueError`` when it is not one."""
    # Python 3.10's fromisoformat does not read the "Z" suffix.
    raw = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def format_utc(moment: datetime) -> str:
    """``2026-01-01T12:00:00Z``: UTC, whole seconds (sorts as text, reads as a date).
    A naive time is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def format_utc_ms(moment: datetime) -> str:
    """``2026-01-01T12:00:00.123Z``: the audit records' ``ts``, milliseconds kept."""
    utc = moment.astimezone(timezone.utc)
    return utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_utc() -> str:
    """The current time as :func:`format_utc` writes it."""
    return format_utc(datetime.now(timezone.utc))
