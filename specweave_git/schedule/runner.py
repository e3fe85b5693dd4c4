"""run-due and run JOB: claim a job in the shared state, run it, record the result."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..config.model import Config
from ..errors import SpecweaveError, UsageError
from ..gitio.notes import NOTES_REF
from ..gitio.repo import Repo
from ..gitio.state import state_head
from ..log import get_logger
from ..record import FrozenRecord, set_field
from . import due
from .channel import Channel
from .clock import Clock, format_time, minutes_between
from .jobs import RUNNERS, JobContext, Runner
from .model import JOBS, JobResult, JobState, check_job_name

log = get_logger(__name__)

DEFAULT_BUDGET_MINUTES = 20.0


class Outcome(FrozenRecord):
    """What one run did with one job. ``action``: ran, failed, released, not-due,
    disabled (config or paused), stopped (failed too often), running-elsewhere,
    deferred (out of budget)."""

    __slots__ = ("action", "details", "duration_ms", "job", "message", "state")

    job: str
    action: str
    message: str
    state: JobState
    duration_ms: int
    details: Mapping[str, Any]

    def __init__(
        self,
        job: str,
        action: str,
        message: str,
        state: JobState,
        duration_ms: int = 0,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        set_field(self, "job", job)
        set_field(self, "action", action)
        set_field(self, "message", message)
        set_field(self, "state", state)
        set_field(self, "duration_ms", duration_ms)
        set_field(self, "details", dict(details) if details else {})

    def to_json(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "action": self.action,
            "message": self.message,
            "duration_ms": self.duration_ms,
            "details": dict(self.details),
            "state": self.state.to_json(),
        }


class Scheduler:
    """The jobs of one repository with its config, clock and remote."""

    def __init__(
        self,
        repo: Repo,
        config: Config,
        clock: Clock,
        run_id: str,
        *,
        channel: Channel,
        runners: Mapping[str, Runner] = RUNNERS,
        stale_minutes: int = due.DEFAULT_STALE_MINUTES,
    ) -> None:
        self.repo = repo
        self.config = config
        self.clock = clock
        self.run_id = run_id
        self.channel = channel
        self.runners = runners
        self.stale_minutes = stale_minutes

    def settings(self, job: str) -> tuple[bool, int]:
        """(enabled, interval minutes) of ``job`` from the config."""
        found = self.config.jobs.get(JOBS[job])
        if found is None:  # a config built before the job existed: off
            return False, 60
        return found.enabled, found.interval_minutes

    # --- run-due ------------------------------------------------------------------------

    def run_due(self, budget_minutes: float = DEFAULT_BUDGET_MINUTES) -> list[Outcome]:
        """Every due job once, in order, while the budget lasts (the caller pulled)."""
        start = self.clock.now()
        outcomes: list[Outcome] = []
        for job in JOBS:
            enabled, interval = self.settings(job)
            now = self.clock.now()
            if minutes_between(start, now) >= budget_minutes:
                outcomes.append(self._deferred(job, enabled, now, budget_minutes))
                continue
            outcomes.append(self._try(job, enabled, interval, now))
        return outcomes

    def _try(self, job: str, enabled: bool, interval: int, now: datetime) -> Outcome:
        """Release ``job``'s dead claim, or claim and run it when due, or say why not."""
        released: list[float] = []

        def decide(state: JobState) -> JobState | None:
            released.clear()
            age = due.stale_age(state, now, self.stale_minutes)
            if age is not None:
                released.append(age)
                return due.release(state, interval, now, age)
            if not due.is_due(state, enabled, now):
                return None
            return due.claim(state, self.run_id, now)

        changed = self.channel.transition(
            job, decide, f"schedule: {job} claimed by run {self.run_id}"
        )
        if changed is None:
            return self._not_run(job, enabled, now)
        if released:
            return self._released(job, *changed)
        return self._execute(job, interval, *changed)

    def _deferred(self, job: str, enabled: bool, now: datetime, budget: float) -> Outcome:
        from .state import read_job

        state = read_job(self.repo, job)
        if due.is_due(state, enabled, now):
            return Outcome(
                job, "deferred", f"due, left for the next run ({budget:g} min budget used)", state
            )
        return self._not_run(job, enabled, now)

    def _not_run(self, job: str, enabled: bool, now: datetime) -> Outcome:
        from .state import read_job

        state = read_job(self.repo, job)
        if state.status == "running":
            since = format_time(state.started_at) if state.started_at else "?"
            why = f"running in run {state.run_id or '?'} (claimed {since})"
            return Outcome(job, "running-elsewhere", why, state)
        if not enabled:
            return Outcome(job, "disabled", "disabled in the config", state)
        if state.status == "disabled":
            return Outcome(job, "disabled", "paused (`schedule resume` to run it again)", state)
        if state.status == "failed":
            why = f"failed {state.retries} times (`schedule reset` to retry): {state.last_error}"
            return Outcome(job, "stopped", why, state)
        left = minutes_between(now, state.next_run) if state.next_run else 0.0
        return Outcome(
            job, "not-due", f"next run {_when(state.next_run)} (in {left:.0f} min)", state
        )

    def _released(self, job: str, before: JobState, after: JobState) -> Outcome:
        message = after.last_error or "released"
        if after.status == "failed":
            message += self._job_failed(after)
        return Outcome(job, "released", message, after)

    # --- running one job -----------------------------------------------------------------

    def _execute(self, job: str, interval: int, before: JobState, claimed: JobState) -> Outcome:
        ctx = JobContext(self.repo, self.config, self.clock, job, self.run_id, self.channel.remote)
        notes_before = state_head(self.repo, NOTES_REF)
        t0 = time.monotonic()
        result = self._call(job, ctx)
        duration_ms = int((time.monotonic() - t0) * 1000)
        if result.ok:
            after = due.succeed(claimed, before, interval, result.message)
        else:
            after = due.fail(claimed, before, interval, result.message, self.clock.now())
        verb = "succeeded" if result.ok else "failed"
        self.channel.transition(
            job,
            lambda _current: after,
            f"schedule: {job} {verb} (run {self.run_id})",
            ctx.state_changes,
        )
        message = result.message + _late_text(after)
        if result.ok:
            message += self._notify_complete(after, duration_ms)
        elif after.status == "failed":
            message += self._job_failed(after)
        if state_head(self.repo, NOTES_REF) != notes_before:
            self.channel.push()  # the notes the job wrote (check lines, notifications)
        action = "ran" if result.ok else "failed"
        return Outcome(job, action, message, after, duration_ms, result.details)

    def _call(self, job: str, ctx: JobContext) -> JobResult:
        runner = self.runners.get(job)
        if runner is None:
            return JobResult(False, f"job {job!r} has no runner in this installation")
        try:
            return runner(ctx)
        except SpecweaveError as e:
            return JobResult(False, str(e))
        except Exception as e:
            # A bug in a job must not stop the other jobs nor leave the claim behind.
            import traceback

            log.warning("job %s crashed:\n%s", job, traceback.format_exc())
            return JobResult(False, f"unexpected error: {type(e).__name__}: {e}")

    def run_now(self, job: str) -> Outcome:
        """Run ``job`` now, due or not (a live claim of another run still wins)."""
        check_job_name(job)
        _, interval = self.settings(job)
        now = self.clock.now()

        def decide(state: JobState) -> JobState | None:
            if state.status == "running" and due.stale_age(state, now, self.stale_minutes) is None:
                return None
            return due.claim(state, self.run_id, now)

        changed = self.channel.transition(
            job, decide, f"schedule: {job} claimed by run {self.run_id}"
        )
        if changed is None:
            raise UsageError(
                f"job {job!r} is running: {self._not_run(job, True, now).message}; "
                f"a claim older than {self.stale_minutes} min is taken over",
                pointer="JOB",
            )
        return self._execute(job, interval, *changed)

    # --- notifications -------------------------------------------------------------------

    def _job_failed(self, state: JobState) -> str:
        title = f"scheduled job {state.job} failed {state.retries} times in a row"
        text = f"{state.last_error}\n`specweave-git schedule reset {state.job}` runs it again"
        return self._notify("job-failed", "critical", title, text, state)

    def _notify_complete(self, state: JobState, duration_ms: int) -> str:
        from ..notify.store import notify_config_allows

        if not notify_config_allows(self.config, "job-complete"):
            return ""
        title = f"scheduled job {state.job} finished"
        return self._notify("job-complete", "info", title, state.last_message or "", state)

    def _notify(self, type_: str, severity: str, title: str, text: str, state: JobState) -> str:
        """Write a notification on HEAD's note; a suffix for the outcome's message."""
        from ..notify.model import Notification
        from ..notify.store import add_notification, notify_config_allows

        if not notify_config_allows(self.config, type_):
            return ""
        note = Notification.new(
            type_,
            severity,
            title,
            text,
            data={"job": state.job, "run_id": self.run_id, "retries": state.retries},
            created_at=self.clock.now(),
        )
        try:
            stored = add_notification(self.repo, note)
        except SpecweaveError as e:  # an unborn HEAD has no note to hold it
            return f" (notification not written: {e})"
        return f" ({type_} notification {stored.id})"


def _when(value: datetime | None) -> str:
    return format_time(value) if value is not None else "now"


def _late_text(state: JobState) -> str:
    if state.missed_runs < 1:
        return ""
    runs = "run" if state.missed_runs == 1 else "runs"
    return (
        f"; started {state.late_minutes} min late: {state.missed_runs} missed {runs} "
        "caught up by this one run"
    )
