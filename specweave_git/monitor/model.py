"""The Dashboard: what `monitor` shows, as plain data every renderer reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..record import FrozenRecord, set_field

DRIFT_SEVERITIES = ("trivial", "minor", "major", "breaking")
NOTIFY_SEVERITIES = ("critical", "warning", "info")
ACTIVITY = ("synced", "failed", "denied", "dry-run")


class JobRow(FrozenRecord):
    __slots__ = (
        "due",
        "enabled",
        "interval_minutes",
        "job",
        "last_error",
        "last_message",
        "last_outcome",
        "last_run",
        "next_run",
        "retries",
        "status",
    )

    job: str
    enabled: bool
    interval_minutes: int | None
    status: str  # idle | running | failed | disabled
    due: bool
    last_run: str | None
    next_run: str | None
    last_outcome: str | None
    last_message: str | None
    last_error: str | None
    retries: int

    def __init__(
        self,
        job: str,
        enabled: bool,
        interval_minutes: int | None,
        status: str,
        due: bool,
        last_run: str | None,
        next_run: str | None,
        last_outcome: str | None,
        last_message: str | None,
        last_error: str | None,
        retries: int,
    ) -> None:
        set_field(self, "job", job)
        set_field(self, "enabled", enabled)
        set_field(self, "interval_minutes", interval_minutes)
        set_field(self, "status", status)
        set_field(self, "due", due)
        set_field(self, "last_run", last_run)
        set_field(self, "next_run", next_run)
        set_field(self, "last_outcome", last_outcome)
        set_field(self, "last_message", last_message)
        set_field(self, "last_error", last_error)
        set_field(self, "retries", retries)

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._fields}


class Recent(FrozenRecord):
    """One pending notification, as the dashboard lists it."""

    __slots__ = ("created_at", "id", "severity", "title", "type")

    id: str
    severity: str
    type: str
    title: str
    created_at: str

    def __init__(self, id: str, severity: str, type: str, title: str, created_at: str) -> None:
        set_field(self, "id", id)
        set_field(self, "severity", severity)
        set_field(self, "type", type)
        set_field(self, "title", title)
        set_field(self, "created_at", created_at)

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._fields}


class TrendPoint(FrozenRecord):
    """One check's counts by drift severity, from its note line."""

    __slots__ = ("at", "commit", "counts", "scope", "source")

    at: str
    commit: str
    scope: str  # all | range | staged | since-last
    source: str  # schedule | action
    counts: Mapping[str, int]  # DRIFT_SEVERITIES -> open + settled findings

    def __init__(
        self, at: str, commit: str, scope: str, source: str, counts: Mapping[str, int]
    ) -> None:
        set_field(self, "at", at)
        set_field(self, "commit", commit)
        set_field(self, "scope", scope)
        set_field(self, "source", source)
        set_field(self, "counts", counts)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "commit": self.commit,
            "scope": self.scope,
            "source": self.source,
            "counts": dict(self.counts),
            "total": self.total,
        }


class Dashboard(FrozenRecord):
    """Everything `monitor` shows. A section that could not be read is empty and its
    reason is in ``problems`` (a dashboard shows what it can)."""

    __slots__ = (
        "generated_at",
        "jobs",
        "notifications",
        "pending_line",
        "problems",
        "recent",
        "repo",
        "scheduler_enabled",
        "sync",
        "sync_since",
        "trend",
        "trend_kind",
        "window_hours",
    )

    generated_at: str
    repo: str
    scheduler_enabled: bool
    jobs: Sequence[JobRow]
    notifications: Mapping[str, int]  # pending per NOTIFY_SEVERITIES
    pending_line: str | None  # notify.terminal.summary of those counts
    recent: Sequence[Recent]  # the newest pending ones, newest first
    window_hours: int
    sync_since: str
    sync: Mapping[str, Mapping[str, int]]  # platform -> ACTIVITY counts
    trend_kind: str  # "full scans" or "checks" (no full scan recorded yet)
    trend: Sequence[TrendPoint]  # oldest first
    problems: Sequence[str]

    def __init__(
        self,
        generated_at: str,
        repo: str,
        scheduler_enabled: bool,
        jobs: Sequence[JobRow],
        notifications: Mapping[str, int],
        pending_line: str | None,
        recent: Sequence[Recent],
        window_hours: int,
        sync_since: str,
        sync: Mapping[str, Mapping[str, int]],
        trend_kind: str,
        trend: Sequence[TrendPoint],
        problems: Sequence[str],
    ) -> None:
        set_field(self, "generated_at", generated_at)
        set_field(self, "repo", repo)
        set_field(self, "scheduler_enabled", scheduler_enabled)
        set_field(self, "jobs", tuple(jobs))
        set_field(self, "notifications", dict(notifications))
        set_field(self, "pending_line", pending_line)
        set_field(self, "recent", tuple(recent))
        set_field(self, "window_hours", window_hours)
        set_field(self, "sync_since", sync_since)
        set_field(self, "sync", {p: dict(c) for p, c in sync.items()})
        set_field(self, "trend_kind", trend_kind)
        set_field(self, "trend", tuple(trend))
        set_field(self, "problems", tuple(problems))

    def sync_totals(self) -> dict[str, int]:
        return {a: sum(c.get(a, 0) for c in self.sync.values()) for a in ACTIVITY}

    def to_json(self) -> dict[str, Any]:
        """The `monitor --format json` document (version 1; keys are only ever added)."""
        return {
            "version": 1,
            "generated_at": self.generated_at,
            "repo": self.repo,
            "jobs": {
                "scheduler_enabled": self.scheduler_enabled,
                "items": [j.to_json() for j in self.jobs],
            },
            "notifications": {
                "pending": dict(self.notifications),
                "total": sum(self.notifications.values()),
                "line": self.pending_line,
                "recent": [r.to_json() for r in self.recent],
            },
            "sync": {
                "window_hours": self.window_hours,
                "since": self.sync_since,
                "platforms": {p: dict(c) for p, c in sorted(self.sync.items())},
                "totals": self.sync_totals(),
            },
            "drift": {
                "kind": self.trend_kind,
                "scans": [p.to_json() for p in self.trend],
            },
            "problems": list(self.problems),
        }
