"""The job model: job names, the per-job state kept in the state ref, and a run's result."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..errors import UsageError
from ..record import FrozenRecord, set_field
from .clock import format_time, parse_time

# The jobs, in the order run-due runs them; name -> key under scheduler.jobs in the config.
JOBS: dict[str, str] = {
    "external-sync": "externalSync",
    "external-pull": "externalPull",
    "discrepancy-check": "discrepancyCheck",
    "living-docs-sync": "livingDocsSync",
    "notification-cleanup": "notificationCleanup",
}
STATUSES = ("idle", "running", "failed", "disabled")
STATE_VERSION = 1


def check_job_name(name: str) -> str:
    if name not in JOBS:
        raise UsageError(f"unknown job {name!r}; expected one of {', '.join(JOBS)}", pointer="JOB")
    return name


def state_path(job: str) -> str:
    """Where a job's state lives in the state ref: one file per job, so two runs that
    record different jobs never touch the same file."""
    return f"schedule/jobs/{job}.json"


def _time(value: datetime | None) -> str | None:
    return format_time(value) if value is not None else None


class JobState(FrozenRecord):
    __slots__ = (
        "job",
        "last_error",
        "last_message",
        "last_outcome",
        "last_run",
        "late_minutes",
        "missed_runs",
        "next_run",
        "retries",
        "run_id",
        "started_at",
        "status",
    )

    job: str
    status: str  # idle | running | failed | disabled (paused)
    last_run: datetime | None  # start of the last finished run
    next_run: datetime | None  # None: never ran, due at once
    retries: int  # consecutive failures
    last_error: str | None
    run_id: str | None  # the run holding (or that last held) the job
    started_at: datetime | None  # when the running run claimed it
    last_outcome: str | None  # ok | failed | released
    last_message: str | None
    late_minutes: int  # how late the last run started against its next_run
    missed_runs: int  # whole intervals the last run had missed (it ran once for all)

    def __init__(
        self,
        job: str,
        status: str = "idle",
        last_run: datetime | None = None,
        next_run: datetime | None = None,
        retries: int = 0,
        last_error: str | None = None,
        run_id: str | None = None,
        started_at: datetime | None = None,
        last_outcome: str | None = None,
        last_message: str | None = None,
        late_minutes: int = 0,
        missed_runs: int = 0,
    ) -> None:
        set_field(self, "job", job)
        set_field(self, "status", status)
        set_field(self, "last_run", last_run)
        set_field(self, "next_run", next_run)
        set_field(self, "retries", retries)
        set_field(self, "last_error", last_error)
        set_field(self, "run_id", run_id)
        set_field(self, "started_at", started_at)
        set_field(self, "last_outcome", last_outcome)
        set_field(self, "last_message", last_message)
        set_field(self, "late_minutes", late_minutes)
        set_field(self, "missed_runs", missed_runs)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "job": self.job,
            "status": self.status,
            "last_run": _time(self.last_run),
            "next_run": _time(self.next_run),
            "retries": self.retries,
            "last_error": self.last_error,
            "run_id": self.run_id,
            "started_at": _time(self.started_at),
            "last_outcome": self.last_outcome,
            "last_message": self.last_message,
            "late_minutes": self.late_minutes,
            "missed_runs": self.missed_runs,
        }

    def to_bytes(self) -> bytes:
        # The state ref's JSON style (gitio.state_merge.dump_json): one key a line, so
        # `git log -p` of the ref reads well and merges key by key.
        return (json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    @classmethod
    def from_json(cls, job: str, data: Mapping[str, Any], *, source: str) -> JobState:
        """A stored state; anything unreadable names the state file and key."""

        def when(key: str) -> datetime | None:
            value = data.get(key)
            if value is None:
                return None
            if not isinstance(value, str):
                raise UsageError("expected an ISO time or null", file=source, pointer=f"/{key}")
            return parse_time(value, source=source, pointer=f"/{key}")

        def text(key: str) -> str | None:
            value = data.get(key)
            return None if value is None else str(value)

        def count(key: str) -> int:
            value = data.get(key, 0)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise UsageError("expected a non-negative integer", file=source, pointer=f"/{key}")
            return value

        status = data.get("status", "idle")
        if status not in STATUSES:
            raise UsageError(
                f"unknown status {status!r}; expected one of {', '.join(STATUSES)}",
                file=source,
                pointer="/status",
            )
        return cls(
            job=job,
            status=str(status),
            last_run=when("last_run"),
            next_run=when("next_run"),
            retries=count("retries"),
            last_error=text("last_error"),
            run_id=text("run_id"),
            started_at=when("started_at"),
            last_outcome=text("last_outcome"),
            last_message=text("last_message"),
            late_minutes=count("late_minutes"),
            missed_runs=count("missed_runs"),
        )

    @classmethod
    def from_bytes(cls, job: str, raw: bytes, *, source: str) -> JobState:
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise UsageError(f"not valid JSON ({e})", file=source) from None
        if not isinstance(data, dict):
            raise UsageError("expected a JSON object", file=source, pointer="/")
        return cls.from_json(job, data, source=source)


class JobResult(FrozenRecord):
    """What a job's runner returns; a runner that raises has failed."""

    __slots__ = ("details", "message", "ok")

    ok: bool
    message: str  # one line for the run's log and `schedule list`
    details: Mapping[str, Any]  # machine-readable, for --format json

    def __init__(self, ok: bool, message: str, details: Mapping[str, Any] | None = None) -> None:
        set_field(self, "ok", ok)
        set_field(self, "message", message)
        set_field(self, "details", dict(details) if details else {})
