"""Notifications kept in git notes: add, list with their folded status, dismiss, clean up."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..gitio.notes import append_note, iter_notes
from ..gitio.repo import resolve
from .model import (
    CHANGES,
    KIND_NOTIFICATION,
    KIND_STATE,
    SEVERITIES,
    Notification,
    StateChange,
    dumps,
    format_time,
    now_utc,
    parse_line,
)

if TYPE_CHECKING:
    from ..config.model import Config
    from ..gitio.repo import Repo

# An id may be abbreviated like a commit id, down to this many characters.
MIN_PREFIX = 4

# Notification type -> its switch under sync.orchestration.notifications.types; a type
# without a switch is always recorded.
CONFIG_KEYS = {
    "import-complete": "importComplete",
    "discrepancy": "discrepancy",
    "sync-failure": "syncFailure",
    "drift": "drift",
    "job-complete": "jobComplete",
}


class Ledger:
    """Everything the notes hold about notifications, folded."""

    __slots__ = ("history", "notifications")

    def __init__(
        self, notifications: dict[str, Notification], history: dict[str, list[StateChange]]
    ) -> None:
        self.notifications = notifications  # id -> notification with its current status
        self.history = history  # id -> its state records, oldest first


def notify_config_allows(config: Config, type_: str) -> bool:
    """Whether the config wants notifications of ``type_`` recorded at all."""
    settings = config.notifications
    if not settings.enabled:
        return False
    key = CONFIG_KEYS.get(type_)
    return key is None or bool(settings.types.get(key, True))


def fold(notes: Iterable[tuple[str, list[str]]]) -> Ledger:
    """The ledger of ``(commit, lines)`` notes. Lines that are not JSON objects, records
    of kinds this version does not know and malformed records are skipped."""
    found: dict[str, Notification] = {}
    history: dict[str, list[StateChange]] = {}
    for commit, lines in notes:
        for line in lines:
            record = parse_line(line)
            if record is None:
                continue
            kind = record.get("kind")
            try:
                if kind == KIND_NOTIFICATION:
                    n = Notification.from_json(record, commit)
                    found.setdefault(n.id, n)
                elif kind == KIND_STATE:
                    change = StateChange.from_json(record)
                    history.setdefault(change.id, []).append(change)
            except ValueError:
                continue
    for nid, changes in history.items():
        changes.sort(key=StateChange.order)
        target = found.get(nid)
        if target is not None:
            found[nid] = target.replace(status=changes[-1].status)
    return Ledger(found, history)


def load(repo: Repo) -> Ledger:
    """The ledger of the repository: one `git notes list` and one batch read."""
    return fold(iter_notes(repo))


def _newest_first(items: Iterable[Notification]) -> list[Notification]:
    return sorted(items, key=lambda n: (n.created, n.id), reverse=True)


def add_notification(repo: Repo, n: Notification) -> Notification:
    """Append ``n`` to the note of ``n.commit`` (HEAD when empty) and return it as
    stored. Callers decide whether to record it (``notify_config_allows``)."""
    commit = resolve(repo, n.commit or "HEAD")
    stored = n if n.commit == commit else n.with_commit(commit)
    append_note(repo, commit, [dumps(stored.to_json())])
    return stored


def list_notifications(repo: Repo, *, include_all: bool = False) -> list[Notification]:
    """Pending notifications, newest first; with ``include_all`` dismissed and archived
    ones too."""
    items = load(repo).notifications.values()
    return _newest_first(n for n in items if include_all or n.status == "pending")


def find(repo: Repo, id_prefix: str, ledger: Ledger | None = None) -> Notification:
    """The notification ``id_prefix`` names (its id, or a unique prefix of it, of any
    status); ``UsageError`` (exit 2) naming the id when none or several match."""
    ledger = ledger or load(repo)
    given = id_prefix.strip().lower()
    if given in ledger.notifications:
        return ledger.notifications[given]
    matches = sorted(k for k in ledger.notifications if k.startswith(given))
    if len(given) >= MIN_PREFIX and len(matches) == 1:
        return ledger.notifications[matches[0]]
    hint = "see `specweave-git notifications list --all`"
    if len(matches) > 1:
        raise UsageError(
            f"notification id {id_prefix!r} is ambiguous: {', '.join(matches)}",
            file=str(repo.root),
        )
    if matches:
        raise UsageError(
            f"notification id {id_prefix!r} is too short: give at least {MIN_PREFIX} "
            f"characters ({hint})",
            file=str(repo.root),
        )
    raise UsageError(f"unknown notification id {id_prefix!r} ({hint})", file=str(repo.root))


def set_status(
    repo: Repo,
    id: str,
    status: str,
    by: str,
    *,
    now: datetime | None = None,
    ledger: Ledger | None = None,
) -> Notification:
    """Dismiss or archive a notification: a state record appended to the note of its
    commit (no line is ever rewritten). Returns it with its new status; setting the
    status it has already writes nothing."""
    if status not in CHANGES:
        raise ValueError(f"a notification can be set to {' or '.join(CHANGES)}, not {status!r}")
    n = find(repo, id, ledger)
    if n.status == status:
        return n
    change = StateChange(n.id, status, format_time(now or now_utc()), by)
    append_note(repo, n.commit, [dumps(change.to_json())])
    return n.replace(status=status)


def expired(repo: Repo, retention_days: int, now: datetime | None = None) -> list[Notification]:
    """Pending and dismissed notifications created more than ``retention_days`` ago."""
    cutoff = (now or now_utc()) - timedelta(days=retention_days)
    items = load(repo).notifications.values()
    return _newest_first(n for n in items if n.status != "archived" and n.created < cutoff)


def cleanup(
    repo: Repo,
    retention_days: int,
    now: datetime | None = None,
    *,
    by: str = "specweave-git cleanup",
) -> int:
    """Archive what ``expired`` finds (one note update per commit); how many."""
    moment = now or now_utc()
    old = expired(repo, retention_days, moment)
    at = format_time(moment)
    by_commit: dict[str, list[str]] = {}
    for n in old:
        by_commit.setdefault(n.commit, []).append(
            dumps(StateChange(n.id, "archived", at, by).to_json())
        )
    for commit, lines in by_commit.items():
        append_note(repo, commit, lines)
    return len(old)


def pending_counts(repo: Repo) -> dict[str, int]:
    """Pending notifications per severity (every severity present, zero or not)."""
    counts = dict.fromkeys(SEVERITIES, 0)
    for n in load(repo).notifications.values():
        if n.status == "pending":
            counts[n.severity] += 1
    return counts
