"""The Notification record and the status change (state) record, as note lines."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from ..digest import sha256_hex
from ..record import FrozenRecord, set_field
from ..times import format_utc, parse_iso

TYPES = (
    "discrepancy",
    "drift",
    "sync-failure",
    "permission-denied",
    "conflict",
    "import-complete",
    "job-complete",
    "job-failed",
)
SEVERITIES = ("info", "warning", "critical")
STATUSES = ("pending", "dismissed", "archived")
# Statuses a state record may set; a notification is pending until one says otherwise.
CHANGES = ("dismissed", "archived")

KIND_NOTIFICATION = "notification"
KIND_STATE = "state"
KIND_CHECK = "check"  # a check-result summary written by the Action; not read here

ID_LENGTH = 12


# Notifications store times as the rest of the tool does (``2026-01-01T00:00:00Z``).
format_time = format_utc
parse_time = parse_iso


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def make_id(type_: str, commit: str, title: str, created_at: str) -> str:
    """12 hex digits of SHA-256 over the identifying fields: the same everywhere."""
    key = "\0".join((type_, commit, title, created_at)).encode("utf-8")
    return sha256_hex(key)[:ID_LENGTH]


def dumps(record: Mapping[str, Any]) -> str:
    """One note line: compact with sorted keys, so the same record is the same line and
    `cat_sort_uniq` (how notes of two writers merge) keeps one copy."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _text(d: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = d.get(key, default)
    if not isinstance(value, str):
        raise ValueError(f"{key!r} must be a string, not {type(value).__name__}")
    return value


class Notification(FrozenRecord):
    """Something a run wants a person to see; ``status`` is folded from state records."""

    __slots__ = (
        "commit",
        "created_at",
        "data",
        "id",
        "message",
        "severity",
        "status",
        "title",
        "type",
    )

    id: str
    type: str  # one of TYPES (a newer writer's type is kept as it is)
    severity: str  # info | warning | critical
    title: str
    message: str
    data: Mapping[str, Any]  # details for machines (counts, urls, job names)
    created_at: str  # format_time()
    commit: str  # the commit whose note holds it ("" until stored: HEAD then)
    status: str  # pending | dismissed | archived

    def __init__(
        self,
        id: str,
        type: str,
        severity: str,
        title: str,
        message: str,
        data: Mapping[str, Any],
        created_at: str,
        commit: str,
        status: str = "pending",
    ) -> None:
        set_field(self, "id", id)
        set_field(self, "type", type)
        set_field(self, "severity", severity)
        set_field(self, "title", title)
        set_field(self, "message", message)
        set_field(self, "data", data)
        set_field(self, "created_at", created_at)
        set_field(self, "commit", commit)
        set_field(self, "status", status)

    def __hash__(self) -> int:
        # ``data`` is a dict; the id already stands for the identifying fields.
        return hash((self.id, self.status))

    @classmethod
    def new(
        cls,
        type: str,
        severity: str,
        title: str,
        message: str = "",
        *,
        data: Mapping[str, Any] | None = None,
        commit: str = "",
        created_at: datetime | None = None,
    ) -> Notification:
        """A pending notification with its id computed; ValueError for an unknown type
        or severity (a caller's mistake, not the user's)."""
        if type not in TYPES:
            raise ValueError(f"unknown notification type {type!r}; one of {', '.join(TYPES)}")
        if severity not in SEVERITIES:
            raise ValueError(f"unknown severity {severity!r}; one of {', '.join(SEVERITIES)}")
        stamp = format_time(created_at or now_utc())
        nid = make_id(type, commit, title, stamp)
        return cls(nid, type, severity, title, message, dict(data or {}), stamp, commit)

    def with_commit(self, commit: str) -> Notification:
        """Placed on ``commit``: the id follows, as it is a hash over the commit too."""
        nid = make_id(self.type, commit, self.title, self.created_at)
        return self.replace(commit=commit, id=nid)

    @property
    def created(self) -> datetime:
        return parse_time(self.created_at)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": KIND_NOTIFICATION,
            "id": self.id,
            "type": self.type,
            "severity": self.severity,
            "title": self.title,
            "message": self.message,
            "data": dict(self.data),
            "created_at": self.created_at,
            "commit": self.commit,
            "status": self.status,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any], commit: str = "") -> Notification:
        """From a note line's object; ``commit`` (the annotated one) fills a missing
        commit. ValueError when the object is not a usable notification."""
        if d.get("kind") != KIND_NOTIFICATION:
            raise ValueError(f"not a notification: kind {d.get('kind')!r}")
        severity = _text(d, "severity")
        if severity not in SEVERITIES:
            raise ValueError(f"unknown severity {severity!r}")
        status = _text(d, "status", "pending")
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        data = d.get("data") or {}
        if not isinstance(data, dict):
            raise ValueError("'data' must be an object")
        created_at = _text(d, "created_at")
        parse_time(created_at)  # a time we cannot compare is no use to cleanup or --since
        type_, title = _text(d, "type"), _text(d, "title")
        found_commit = _text(d, "commit", "") or commit
        nid = _text(d, "id", "") or make_id(type_, found_commit, title, created_at)
        return cls(
            nid,
            type_,
            severity,
            title,
            _text(d, "message", ""),
            data,
            created_at,
            found_commit,
            status,
        )


class StateChange(FrozenRecord):
    """``{"kind":"state","id":..,"status":"dismissed|archived","at":..,"by":..}``."""

    __slots__ = ("at", "by", "id", "status")

    id: str
    status: str
    at: str
    by: str

    def __init__(self, id: str, status: str, at: str, by: str) -> None:
        set_field(self, "id", id)
        set_field(self, "status", status)
        set_field(self, "at", at)
        set_field(self, "by", by)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": KIND_STATE,
            "id": self.id,
            "status": self.status,
            "at": self.at,
            "by": self.by,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> StateChange:
        if d.get("kind") != KIND_STATE:
            raise ValueError(f"not a state record: kind {d.get('kind')!r}")
        status = _text(d, "status")
        if status not in CHANGES:
            raise ValueError(f"unknown status {status!r}")
        at = _text(d, "at")
        parse_time(at)
        return cls(_text(d, "id"), status, at, _text(d, "by", ""))

    def order(self) -> tuple[datetime, int]:
        """Latest wins; at the same second archived beats dismissed, so the fold gives
        the same answer whatever order a notes merge left the lines in."""
        return parse_time(self.at), CHANGES.index(self.status)


def parse_line(line: str) -> dict[str, Any] | None:
    """The JSON object on a note line; None for anything else (plain text, a list)."""
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None
