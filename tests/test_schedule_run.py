"""run-due against real repositories and a bare origin: claims, catch-up, backoff, races."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from specweave_git.config import load_config
from specweave_git.errors import UsageError
from specweave_git.gitio.notes import read_note
from specweave_git.gitio.repo import Repo, open_repo
from specweave_git.schedule.admin import change
from specweave_git.schedule.channel import Channel
from specweave_git.schedule.clock import ManualClock, format_time
from specweave_git.schedule.jobs import JobContext, JobUnavailable, optional
from specweave_git.schedule.model import JOBS, JobResult, JobState
from specweave_git.schedule.runner import Outcome, Scheduler
from specweave_git.schedule.state import read_job, write_job

T0 = "2026-01-01T00:00:00Z"
CONFIG = {
    "sync": {
        "orchestration": {
            "scheduler": {
                "enabled": True,
                "jobs": {
                    "externalSync": {"enabled": True, "intervalMinutes": 15},
                    "externalPull": {"enabled": True, "intervalMinutes": 30},
                    "discrepancyCheck": {"enabled": True, "intervalMinutes": 60},
                    "livingDocsSync": {"enabled": False, "intervalMinutes": 30},
                    "notificationCleanup": {"enabled": True, "intervalMinutes": 1440},
                },
            }
        }
    }
}
ENABLED = ["external-sync", "external-pull", "discrepancy-check", "notification-cleanup"]


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """A bare origin holding one commit with the scheduler config."""
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    seed = tmp_path / "seed"
    git(tmp_path, "clone", "-q", str(bare), str(seed))
    (seed / ".specweave").mkdir()
    (seed / ".specweave" / "config.json").write_text(json.dumps(CONFIG), encoding="utf-8")
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "config")
    git(seed, "push", "-q", "origin", "HEAD:refs/heads/main")
    return bare


def clone(origin: Path, name: str) -> Repo:
    path = origin.parent / name
    git(origin.parent, "clone", "-q", "--branch", "main", str(origin), str(path))
    return open_repo(path)


Calls = list[str]


def runners(
    calls: Calls,
    fail: frozenset[str] = frozenset(),
    clock: ManualClock | None = None,
    minutes_each: float = 0.0,
) -> dict[str, Callable[[JobContext], JobResult]]:
    def run(ctx: JobContext) -> JobResult:
        calls.append(ctx.job)
        if clock is not None:
            clock.advance(minutes=minutes_each)
        if ctx.job in fail:
            return JobResult(False, f"{ctx.job} broke")
        return JobResult(True, f"{ctx.job} done")

    return {job: run for job in JOBS}


def scheduler(
    repo: Repo, clock: ManualClock, calls: Calls, *, remote: str | None = "origin", **kw: object
) -> Scheduler:
    channel = Channel(repo, remote, sleep=lambda _s: None)
    channel.pull()
    fail = kw.pop("fail", frozenset())
    minutes_each = kw.pop("minutes_each", 0.0)
    return Scheduler(
        repo,
        load_config(repo.root),
        clock,
        str(kw.pop("run_id", "run-1")),
        channel=channel,
        runners=runners(calls, fail, clock, minutes_each),  # type: ignore[arg-type]
    )


def actions(outcomes: list[Outcome]) -> dict[str, str]:
    return {o.job: o.action for o in outcomes}


def test_run_due_runs_each_due_job_once_and_shares_the_state(origin: Path) -> None:
    a, b = clone(origin, "a"), clone(origin, "b")
    clock, calls = ManualClock(T0), []
    outcomes = scheduler(a, clock, calls).run_due()
    assert calls == ENABLED  # in order; living-docs-sync is off
    assert actions(outcomes)["living-docs-sync"] == "disabled"
    Channel(b, "origin").pull()
    state = read_job(b, "external-pull")
    assert (state.status, format_time(state.last_run), format_time(state.next_run)) == (  # type: ignore[arg-type]
        "idle",
        T0,
        "2026-01-01T00:30:00Z",
    )
    # The other clone, at the same moment, finds nothing due.
    again: Calls = []
    assert set(actions(scheduler(b, clock, again).run_due()).values()) == {"not-due", "disabled"}
    assert again == []


def test_catch_up_after_a_long_gap_runs_once_and_says_how_late(origin: Path) -> None:
    repo = clone(origin, "a")
    clock, calls = ManualClock(T0), []
    scheduler(repo, clock, calls, remote=None).run_due()
    clock.advance(minutes=3 * 24 * 60)  # the workflow was disabled for three days
    calls.clear()
    outcomes = {o.job: o for o in scheduler(repo, clock, calls, remote=None).run_due()}
    assert calls == ENABLED  # once each, not once per missed slot
    sync = outcomes["external-sync"]
    assert sync.state.late_minutes == 3 * 24 * 60 - 15
    assert sync.state.missed_runs == 287
    assert sync.message == (
        "external-sync done; started 4305 min late: 287 missed runs caught up by this one run"
    )
    calls.clear()
    scheduler(repo, clock, calls, remote=None).run_due()
    assert calls == []


def test_failures_back_off_then_stop_with_a_job_failed_notification(origin: Path) -> None:
    repo = clone(origin, "a")
    clock, calls = ManualClock(T0), []
    rows = [
        # (minutes after T0, ran?, action, status, retries, next run)
        (0, True, "failed", "idle", 1, "2026-01-01T00:30:00Z"),
        (29, False, "not-due", "idle", 1, "2026-01-01T00:30:00Z"),
        (30, True, "failed", "idle", 2, "2026-01-01T01:30:00Z"),
        (90, True, "failed", "failed", 3, None),
        (900, False, "stopped", "failed", 3, None),
    ]
    for minutes, ran, action, status, retries, next_run in rows:
        clock.set(T0)
        clock.advance(minutes=minutes)
        calls.clear()
        s = scheduler(repo, clock, calls, remote=None, fail=frozenset(JOBS))
        out = {o.job: o for o in s.run_due()}
        sync = out["external-sync"]
        assert ("external-sync" in calls, sync.action, sync.state.status) == (ran, action, status)
        assert sync.state.retries == retries
        assert (format_time(sync.state.next_run) if sync.state.next_run else None) == next_run
    lines = [json.loads(x) for x in read_note(repo, "HEAD")]
    failed = [x for x in lines if x.get("type") == "job-failed"]
    assert sorted(x["data"]["job"] for x in failed) == sorted(ENABLED)
    assert failed[0]["title"].endswith("failed 3 times in a row")


def test_a_stale_running_claim_is_released_naming_the_run(origin: Path) -> None:
    repo = clone(origin, "a")
    clock = ManualClock(T0)
    dead = JobState("external-sync", status="running", run_id="gh-7-1", started_at=clock.now())
    write_job(repo, dead, "a run that died")
    live_since = ManualClock("2026-01-01T00:50:00Z").now()
    live = JobState("external-pull", status="running", run_id="gh-8-1", started_at=live_since)
    write_job(repo, live, "a run still going")
    clock.advance(minutes=61)
    calls: Calls = []
    out = {o.job: o for o in scheduler(repo, clock, calls, remote=None).run_due()}
    assert out["external-sync"].action == "released"
    assert out["external-sync"].message == (
        "run gh-7-1 claimed the job at 2026-01-01T00:00:00Z and died (running for 61 min); released"
    )
    assert out["external-pull"].action == "running-elsewhere"
    assert "external-sync" not in calls and "external-pull" not in calls
    assert read_job(repo, "external-sync").status == "idle"
    clock.advance(minutes=30)  # the release backs off like a failure
    calls.clear()
    scheduler(repo, clock, calls, remote=None).run_due()
    assert "external-sync" in calls


def test_the_budget_defers_what_does_not_fit(origin: Path) -> None:
    repo = clone(origin, "a")
    clock, calls = ManualClock(T0), []
    outcomes = scheduler(repo, clock, calls, remote=None, minutes_each=10.0).run_due(15)
    assert actions(outcomes) == {
        "external-sync": "ran",
        "external-pull": "ran",
        "discrepancy-check": "deferred",
        "living-docs-sync": "disabled",
        "notification-cleanup": "deferred",
    }
    assert read_job(repo, "discrepancy-check").next_run is None  # still due next time


def test_run_now_ignores_due_but_not_a_live_claim(origin: Path) -> None:
    repo = clone(origin, "a")
    clock, calls = ManualClock(T0), []
    scheduler(repo, clock, calls).run_due()
    calls.clear()
    outcome = scheduler(repo, clock, calls).run_now("discrepancy-check")
    assert (calls, outcome.action) == (["discrepancy-check"], "ran")
    claim = JobState("discrepancy-check", status="running", run_id="other", started_at=clock.now())
    write_job(repo, claim, "someone is running it")
    with pytest.raises(UsageError, match="is running: running in run other"):
        scheduler(repo, clock, calls, remote=None).run_now("discrepancy-check")
    with pytest.raises(UsageError, match="unknown job 'nope'"):
        scheduler(repo, clock, calls, remote=None).run_now("nope")


def test_a_crashing_runner_fails_its_job_only(origin: Path) -> None:
    repo = clone(origin, "a")

    def boom(ctx: JobContext) -> JobResult:
        raise RuntimeError("kaput")

    calls: Calls = []
    s = scheduler(repo, ManualClock(T0), calls, remote=None)
    s.runners = {**s.runners, "external-sync": boom}
    out = {o.job: o for o in s.run_due()}
    assert out["external-sync"].action == "failed"
    assert out["external-sync"].message == "unexpected error: RuntimeError: kaput"
    assert out["external-pull"].action == "ran"


@pytest.mark.parametrize(
    ("module", "attr", "message"),
    [
        ("no_such_module", "run", "specweave_git.no_such_module is not installed"),
        ("schedule.model", "no_such_function", "specweave_git.schedule.model.no_such_function"),
    ],
)
def test_a_missing_implementation_fails_clearly(module: str, attr: str, message: str) -> None:
    with pytest.raises(JobUnavailable, match="job 'x' is not available: " + message):
        optional(module, attr, "x")


@pytest.mark.parametrize(
    ("steps", "status", "text"),
    [
        ([("pause", "disabled")], "disabled", "paused"),
        ([("pause", "disabled"), ("pause", "disabled")], "disabled", "already paused"),
        ([("pause", "disabled"), ("resume", "idle")], "idle", "resumed"),
        ([("resume", "idle")], "idle", "not paused or failed (status idle)"),
        ([("pause", "disabled"), ("reset", "idle")], "idle", "reset"),
    ],
)
def test_pause_resume_reset(
    origin: Path, steps: list[tuple[str, str]], status: str, text: str
) -> None:
    repo, other = clone(origin, "a"), clone(origin, "b")
    clock = ManualClock(T0)
    message = ""
    for action, expected in steps:
        channel = Channel(repo, "origin")
        channel.pull()
        state, message = change(channel, clock, "external-sync", action, stale_minutes=60)
        assert state.status == expected
    assert text in message
    Channel(other, "origin").pull()  # pushed: every clone sees it
    assert read_job(other, "external-sync").status == status


def test_pause_refuses_a_running_job(origin: Path) -> None:
    repo = clone(origin, "a")
    clock = ManualClock(T0)
    write_job(repo, JobState("external-sync", "running", run_id="r", started_at=clock.now()), "m")
    with pytest.raises(UsageError, match="is running \\(run r\\); pause it when it finishes"):
        change(Channel(repo, None), clock, "external-sync", "pause", stale_minutes=60)


_RACER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from specweave_git.config import load_config
    from specweave_git.gitio.repo import open_repo
    from specweave_git.schedule.channel import Channel
    from specweave_git.schedule.clock import ManualClock
    from specweave_git.schedule.model import JOBS, JobResult
    from specweave_git.schedule.runner import Scheduler

    root, log, go, run_id = sys.argv[1:5]

    def run(ctx):
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"{ctx.job} {run_id}\\n")
        time.sleep(0.1)  # hold the claim a while: the other process must see it
        return JobResult(True, "ok")

    while not Path(go).exists():
        time.sleep(0.005)
    repo = open_repo(Path(root))
    channel = Channel(repo, "origin")
    channel.pull()
    clock = ManualClock("2026-01-01T00:00:00Z")
    s = Scheduler(repo, load_config(repo.root), clock, run_id, channel=channel,
                  runners={job: run for job in JOBS})
    outcomes = s.run_due()
    channel.push()
    print(json.dumps({o.job: o.action for o in outcomes}))
    """
)


def test_two_concurrent_run_dues_run_each_due_job_once(origin: Path, tmp_path: Path) -> None:
    a, b = clone(origin, "a"), clone(origin, "b")
    script = tmp_path / "racer.py"
    script.write_text(_RACER, encoding="utf-8")
    log, go = tmp_path / "calls.log", tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(r.root), str(log), str(go), name],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for r, name in ((a, "run-a"), (b, "run-b"))
    ]
    go.touch()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        results.append(json.loads(out))
    ran = sorted(line.split()[0] for line in log.read_text(encoding="utf-8").splitlines())
    assert ran == sorted(ENABLED)  # every due job exactly once between the two
    for job in ENABLED:
        assert sorted(r[job] for r in results) in (
            ["not-due", "ran"],
            ["ran", "running-elsewhere"],
        )
    # Origin's state says each job ran once, by whichever run claimed it.
    final = clone(origin, "check")
    Channel(final, "origin").pull()
    for job in ENABLED:
        state = read_job(final, job)
        assert (state.status, state.last_outcome, state.run_id in ("run-a", "run-b")) == (
            "idle",
            "ok",
            True,
        )
