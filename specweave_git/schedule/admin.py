"""pause, resume and reset: a person's changes to a job's state, shared like claims."""

from __future__ import annotations

from collections.abc import Callable

from ..errors import UsageError
from .channel import Channel
from .clock import Clock
from .due import stale_age
from .model import JobState, check_job_name

ACTIONS = ("pause", "resume", "reset")


def _refuse_running(job: str, state: JobState, action: str, now_stale: bool) -> None:
    if state.status == "running" and not now_stale:
        raise UsageError(
            f"job {job!r} is running (run {state.run_id or '?'}); {action} it when it finishes",
            pointer="JOB",
        )


def change(
    channel: Channel, clock: Clock, job: str, action: str, *, stale_minutes: int
) -> tuple[JobState, str]:
    """Apply ``action`` to ``job``: (the state now, what happened in words)."""
    check_job_name(job)
    now = clock.now()

    def pause(state: JobState) -> JobState | None:
        if state.status == "disabled":
            return None
        return state.replace(status="disabled")

    def resume(state: JobState) -> JobState | None:
        if state.status not in ("disabled", "failed"):
            return None
        # A resumed job starts with a clean failure count; its next run stays as it was
        # (due at once when that time has passed).
        return state.replace(status="idle", retries=0)

    def reset(state: JobState) -> JobState | None:
        fresh = JobState(job)
        return None if state == fresh else fresh

    decide: Callable[[JobState], JobState | None] = {
        "pause": pause,
        "resume": resume,
        "reset": reset,
    }[action]

    def guarded(state: JobState) -> JobState | None:
        _refuse_running(job, state, action, stale_age(state, now, stale_minutes) is not None)
        return decide(state)

    changed = channel.transition(job, guarded, f"schedule: {action} {job}")
    if changed is None:
        from .state import read_job

        state = read_job(channel.repo, job)
        unchanged = {
            "pause": "already paused",
            "resume": f"not paused or failed (status {state.status})",
            "reset": "already in its initial state",
        }[action]
        return state, f"{job}: {unchanged}; nothing changed"
    done = {
        "pause": "paused: run-due skips it until `schedule resume`",
        "resume": "resumed: runs when due",
        "reset": "reset: due at the next run-due",
    }[action]
    return changed[1], f"{job}: {done}"
