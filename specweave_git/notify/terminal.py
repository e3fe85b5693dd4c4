"""The one-line count of pending notifications that `check` and `monitor` print."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import SpecweaveError
from ..log import get_logger

if TYPE_CHECKING:
    from ..gitio.repo import Repo

log = get_logger(__name__)

HINT = "specweave-git notifications list"


def summary(counts: dict[str, int]) -> str | None:
    """``3 pending notifications (1 critical, 1 warning) — HINT``; None when none."""
    total = sum(counts.values())
    if not total:
        return None
    noun = "notification" if total == 1 else "notifications"
    parts = [f"{counts[s]} {s}" for s in ("critical", "warning") if counts.get(s)]
    detail = f" ({', '.join(parts)})" if parts else ""
    return f"{total} pending {noun}{detail} — {HINT}"


def pending_line(repo: Repo) -> str | None:
    """The summary line of ``repo``'s pending notifications, None when there are none.

    A reminder, never a reason to fail: a notes ref git cannot read is logged and
    treated as empty, so the command printing it keeps its own exit code.
    """
    from .store import pending_counts

    try:
        counts = pending_counts(repo)
    except SpecweaveError as e:
        log.debug("pending notifications not counted: %s", e)
        return None
    return summary(counts)
