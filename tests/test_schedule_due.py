"""Scheduling rules without git: due, backoff, catch-up lateness, failure and stale claims."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from specweave_git.errors import UsageError
from specweave_git.schedule import due
from specweave_git.schedule.clock import ManualClock, SystemClock, format_time, parse_time
from specweave_git.schedule.model import JobState

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("state", "enabled", "now", "expected"),
    [
        (JobState("j"), True, at(0), True),  # never ran: due at once
        (JobState("j"), False, at(0), False),  # off in the config
        (JobState("j", next_run=at(10)), True, at(9), False),
        (JobState("j", next_run=at(10)), True, at(10), True),  # now >= next run
        (JobState("j", next_run=at(10)), True, at(600), True),
        (JobState("j", status="running", next_run=at(0)), True, at(5), False),
        (JobState("j", status="failed"), True, at(5), False),
        (JobState("j", status="disabled"), True, at(5), False),  # paused
    ],
)
def test_due(state: JobState, enabled: bool, now: datetime, expected: bool) -> None:
    assert due.is_due(state, enabled, now) is expected


@pytest.mark.parametrize(
    ("interval", "failures", "minutes"),
    [
        (5, 1, 10),
        (5, 2, 20),
        (5, 3, 40),
        (15, 1, 30),
        (15, 2, 60),
        (15, 3, 60),  # capped at an hour
        (30, 1, 60),
        (1440, 1, 60),  # a daily job retries within the hour
    ],
)
def test_backoff_table(interval: int, failures: int, minutes: int) -> None:
    assert due.backoff_minutes(interval, failures) == minutes


@pytest.mark.parametrize(
    ("next_run", "started", "interval", "expected"),
    [
        (None, at(0), 15, (0, 0)),
        (at(0), at(0), 15, (0, 0)),
        (at(0), at(7), 15, (7, 0)),  # late, but within the interval
        (at(0), at(45), 15, (45, 3)),
        (at(0), at(60 * 24 * 3), 60, (4320, 72)),  # three days of a disabled workflow
    ],
)
def test_lateness(
    next_run: datetime | None, started: datetime, interval: int, expected: tuple[int, int]
) -> None:
    assert due.lateness(JobState("j", next_run=next_run), interval, started) == expected


def test_success_after_a_long_gap_schedules_from_now_not_from_the_missed_slots() -> None:
    prior = JobState("j", next_run=at(0), retries=2, last_error="boom")
    claimed = due.claim(prior, "run-1", at(300))
    after = due.succeed(claimed, prior, 15, "done")
    assert (after.status, after.next_run, after.last_run) == ("idle", at(315), at(300))
    assert (after.retries, after.last_error, after.late_minutes, after.missed_runs) == (
        0,
        None,
        300,
        20,
    )
    # Due once now, and not again until a whole interval has passed.
    assert not due.is_due(after, True, at(314))


@pytest.mark.parametrize(
    ("retries_before", "status", "next_run"),
    [
        (0, "idle", at(30)),  # 15 × 2^1
        (1, "idle", at(60)),  # 15 × 2^2
        (2, "failed", None),  # the third failure in a row stops the job
    ],
)
def test_failure_backs_off_then_stops(
    retries_before: int, status: str, next_run: datetime | None
) -> None:
    prior = JobState("j", next_run=at(0), retries=retries_before)
    after = due.fail(due.claim(prior, "r", at(0)), prior, 15, "boom", at(0))
    assert (after.status, after.next_run, after.retries, after.last_error) == (
        status,
        next_run,
        retries_before + 1,
        "boom",
    )


def test_a_paused_job_run_by_hand_stays_paused() -> None:
    prior = JobState("j", status="disabled")
    claimed = due.claim(prior, "r", at(0))
    assert due.succeed(claimed, prior, 15, "ok").status == "disabled"
    assert due.fail(claimed, prior, 15, "no", at(0)).status == "disabled"


@pytest.mark.parametrize(
    ("state", "now", "expected"),
    [
        (JobState("j", status="running", started_at=at(0), run_id="r"), at(59), None),
        (JobState("j", status="running", started_at=at(0), run_id="r"), at(60), 60.0),
        (JobState("j", status="running", started_at=None, run_id="r"), at(0), 60.0),
        (JobState("j", status="idle", started_at=at(0)), at(600), None),
    ],
)
def test_stale_age(state: JobState, now: datetime, expected: float | None) -> None:
    assert due.stale_age(state, now, 60) == expected


def test_release_names_the_dead_run_and_counts_as_a_failure() -> None:
    state = JobState("j", status="running", run_id="gh-42-1", started_at=at(0), next_run=at(0))
    after = due.release(state, 15, at(90), 90.0)
    assert after.status == "idle" and after.retries == 1 and after.next_run == at(120)
    assert after.last_outcome == "released"
    assert after.last_error == (
        "run gh-42-1 claimed the job at 2026-01-01T12:00:00Z and died (running for 90 min); "
        "released"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-01T12:00:00Z", T0),
        ("2026-01-01T12:00:00", T0),  # naive means UTC
        ("2026-01-01T14:00:00+02:00", T0),
    ],
)
def test_parse_time(text: str, expected: datetime) -> None:
    assert parse_time(text) == expected
    assert format_time(parse_time(text)) == "2026-01-01T12:00:00Z"


def test_specweave_now_pins_the_clock_and_a_bad_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SPECWEAVE_NOW", "2026-01-01T12:00:00Z")
    assert SystemClock().now() == T0
    monkeypatch.setenv("SPECWEAVE_NOW", "yesterday")
    with pytest.raises(UsageError, match="SPECWEAVE_NOW: not an ISO 8601 time"):
        SystemClock().now()


def test_manual_clock_advances() -> None:
    clock = ManualClock("2026-01-01T12:00:00Z")
    clock.advance(minutes=90)
    assert clock.now() == at(90)


@pytest.mark.parametrize(
    ("raw", "pointer"),
    [
        (b'{"status": "sleeping"}', "/status"),
        (b'{"retries": -1}', "/retries"),
        (b'{"next_run": 5}', "/next_run"),
        (b'{"next_run": "soon"}', "/next_run"),
        (b"[]", "/"),
    ],
)
def test_a_damaged_state_file_names_file_and_key(raw: bytes, pointer: str) -> None:
    with pytest.raises(UsageError) as e:
        JobState.from_bytes("j", raw, source="refs/specweave/state:schedule/jobs/j.json")
    assert e.value.pointer == pointer
    assert e.value.file == "refs/specweave/state:schedule/jobs/j.json"


def test_state_round_trips() -> None:
    state = JobState("j", "failed", at(0), None, 3, "boom", "r", None, "failed", "boom", 7, 1)
    assert JobState.from_bytes("j", state.to_bytes(), source="x") == state
