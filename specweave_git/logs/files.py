"""Daily log files with a size cap: ``audit-YYYY-MM-DD.jsonl``, then ``-1``, ``-2``...

A day's records go to ``audit-2026-03-01.jsonl`` until it reaches the size cap, then to
``audit-2026-03-01-1.jsonl``, ``-2`` and so on. Nothing is ever renamed: a reader (or
``verify``) walking the files while a writer appends never sees a file change its name,
and the chain order is simply (day, segment). Plain name order is wrong for that
(``-1`` sorts before ``.jsonl``, ``-10`` before ``-2``), hence :func:`order_key`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path

# 10 MiB: a day of heavy sync (tens of thousands of records) fits one or two segments.
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_NAME = re.compile(r"\A(?P<stem>[a-z]+)-(?P<day>\d{4}-\d{2}-\d{2})(?:-(?P<n>\d+))?\.jsonl\Z")


def parse_name(name: str) -> tuple[str, str, int] | None:
    """``(stem, day, segment)`` of a daily log file name, segment 0 for the day's first;
    None for any other name."""
    m = _NAME.match(name)
    if m is None:
        return None
    return m["stem"], m["day"], int(m["n"] or 0)


def order_key(path: Path) -> tuple[str, int, str]:
    """Sort key putting a stem's files in write order: by day, then segment. Names that
    are not daily files sort by name, after nothing in particular (segment 0)."""
    parsed = parse_name(path.name)
    if parsed is None:
        return path.name, 0, ""
    stem, day, n = parsed
    return f"{stem}-{day}", n, ""


def day_of(path: Path) -> date | None:
    parsed = parse_name(path.name)
    return date.fromisoformat(parsed[1]) if parsed is not None else None


def daily_files(directory: Path, stem: str = "audit") -> list[Path]:
    """``stem``'s daily files (segments included) of ``directory``, oldest first."""
    try:
        found = [p for p in directory.iterdir() if (parse_name(p.name) or ("",))[0] == stem]
    except OSError:
        return []
    return sorted(found, key=order_key)


def segment_path(base: Path, n: int) -> Path:
    """``audit-D.jsonl`` for 0, ``audit-D-n.jsonl`` otherwise."""
    return base if n == 0 else base.with_name(f"{base.name[: -len('.jsonl')]}-{n}.jsonl")


def rotate_if_needed(base: Path, max_bytes: int | None, incoming: int = 0) -> Path:
    """The file to append a day's next record to: ``base`` (``audit-D.jsonl``) or its
    newest ``-N`` segment, or a new ``-N+1`` when that one would pass ``max_bytes`` with
    ``incoming`` more bytes. A segment is never left empty: one record larger than the
    cap still goes somewhere. ``max_bytes`` None (or 0) means no cap.

    Callers hold the log's append lock, so two writers never pick different segments.
    """
    n = 0
    prefix = base.name[: -len(".jsonl")] + "-"
    try:
        for p in base.parent.iterdir():
            name = p.name
            if name.startswith(prefix) and name.endswith(".jsonl"):
                middle = name[len(prefix) : -len(".jsonl")]
                if middle.isdigit():
                    n = max(n, int(middle))
    except OSError:
        return base
    current = segment_path(base, n)
    if not max_bytes:
        return current
    try:
        size = current.stat().st_size
    except FileNotFoundError:
        return current
    if size and size + incoming > max_bytes:
        return segment_path(base, n + 1)
    return current


def old_days(days: Iterable[date], retention_days: int, today: date) -> set[date]:
    """The days more than ``retention_days`` before ``today``, the newest day excepted
    whatever its age: the writer continues the hash chain from the last record on disk,
    and an empty log would restart it at seq 1."""
    found = set(days)
    if not found:
        return set()
    newest = max(found)
    cutoff = today - timedelta(days=retention_days)
    return {d for d in found if d < cutoff and d != newest}


def expired(paths: Iterable[Path], retention_days: int, today: date) -> list[Path]:
    """The daily files (all segments) of the days :func:`old_days` names, oldest first."""
    dated = [(p, d) for p in paths if (d := day_of(p)) is not None]
    old = old_days((d for _, d in dated), retention_days, today)
    return sorted((p for p, d in dated if d in old), key=order_key)


def prune(
    directory: Path, retention_days: int, now: datetime, *, dry_run: bool = False
) -> list[Path]:
    """Delete (unless ``dry_run``) the audit files :func:`expired` names; the list."""
    old = expired(daily_files(directory), retention_days, now.date())
    if not dry_run:
        for p in old:
            p.unlink(missing_ok=True)
    return old
