"""Pure scheduling rules: when a job is due, backoff after failures, catch-up, stale runs."""

from __future__ import annotations

from datetime import datetime, timedelta

from .clock import format_time, minutes_between
from .model import JobState

MAX_BACKOFF_MINUTES = 60
MAX_FAILURES = 3  # consecutive failures after which a job is `failed` until reset
DEFAULT_STALE_MINUTES = 60  # a `running` claim older than this belongs to a dead run


def effective_status(state: JobState, enabled: bool) -> str:
    """The status `schedule list` shows: a job the config turns off is `disabled`."""
    if state.status == "running" or enabled:
        return state.status
    return "disabled"


def is_due(state: JobState, enabled: bool, now: datetime) -> bool:
    """Due = enabled, idle and now >= next run (a job that never ran is due at once)."""
    if not enabled or state.status != "idle":
        return False
    return state.next_run is None or now >= state.next_run


def backoff_minutes(interval: int, failures: int) -> int:
    """Minutes until the retry after ``failures`` consecutive failures:
    ``interval × 2^failures``, capped at an hour."""
    return int(min(interval * 2**failures, MAX_BACKOFF_MINUTES))


def lateness(state: JobState, interval: int, started: datetime) -> tuple[int, int]:
    """(minutes late, whole intervals missed) of a run started at ``started``.

    A job missed for many intervals (cron delays, a disabled workflow) runs once for
    all of them; these numbers say how late that one run was.
    """
    if state.next_run is None or started <= state.next_run:
        return 0, 0
    late = minutes_between(state.next_run, started)
    return int(late), int(late // interval) if interval > 0 else 0


def claim(state: JobState, run_id: str, now: datetime) -> JobState:
    return state.replace(status="running", run_id=run_id, started_at=now)


def _after(prior_status: str) -> str:
    # A paused job run by hand stays paused; anything else becomes idle again.
    return "disabled" if prior_status == "disabled" else "idle"


def succeed(claimed: JobState, prior: JobState, interval: int, message: str) -> JobState:
    """The state after a successful run; the next run counts from this run's start, so a
    late run never schedules a burst of catch-up runs."""
    started = claimed.started_at
    assert started is not None, "succeed() needs a claimed state"
    late, missed = lateness(prior, interval, started)
    return claimed.replace(
        status=_after(prior.status),
        last_run=started,
        next_run=started + timedelta(minutes=interval),
        retries=0,
        last_error=None,
        started_at=None,
        last_outcome="ok",
        last_message=message,
        late_minutes=late,
        missed_runs=missed,
    )


def fail(claimed: JobState, prior: JobState, interval: int, error: str, now: datetime) -> JobState:
    """The state after a failed run: back off, and `failed` after MAX_FAILURES in a row."""
    started = claimed.started_at or now
    late, missed = lateness(prior, interval, started)
    failures = prior.retries + 1
    gave_up = failures >= MAX_FAILURES
    status = "failed" if gave_up else "idle"
    if prior.status == "disabled":
        status = "disabled"  # a paused job run by hand stays paused
    return claimed.replace(
        status=status,
        last_run=started,
        next_run=None if gave_up else now + timedelta(minutes=backoff_minutes(interval, failures)),
        retries=failures,
        last_error=error,
        started_at=None,
        last_outcome="failed",
        last_message=error,
        late_minutes=late,
        missed_runs=missed,
    )


def stale_age(state: JobState, now: datetime, stale_minutes: int) -> float | None:
    """Minutes a `running` claim has been held, when that is long enough that its run
    must have died (the workflow's timeout is far shorter); None otherwise."""
    if state.status != "running":
        return None
    if state.started_at is None:
        return float(stale_minutes)  # a claim without a start time cannot be live
    age = minutes_between(state.started_at, now)
    return age if age >= stale_minutes else None


def release(state: JobState, interval: int, now: datetime, age: float) -> JobState:
    """Free a claim whose run died; it counts as a failure (a job that keeps killing its
    runner must end up `failed`, not loop forever)."""
    since = format_time(state.started_at) if state.started_at else "an unknown time"
    error = (
        f"run {state.run_id or '?'} claimed the job at {since} and died "
        f"(running for {int(age)} min); released"
    )
    prior = state.replace(status="idle")
    released = fail(state.replace(started_at=state.started_at or now), prior, interval, error, now)
    return released.replace(last_outcome="released")
