"""Gather the dashboard from git: job states, notes (notifications, checks), audit log."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from ..errors import SpecweaveError
from ..times import format_utc
from .model import DRIFT_SEVERITIES, NOTIFY_SEVERITIES, Dashboard, JobRow, Recent, TrendPoint

if TYPE_CHECKING:
    from ..config.model import Config
    from ..gitio.repo import Repo

RECENT = 5
DEFAULT_SCANS = 10
WINDOW_HOURS = 24


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return format_utc(value)


def jobs(repo: Repo, config: Config, now: datetime) -> tuple[list[JobRow], list[str]]:
    """Every job's row, from its state file in the state ref; an unreadable state file
    shows the job as ``unknown`` and names the problem."""
    from ..errors import UsageError
    from ..schedule.due import effective_status, is_due
    from ..schedule.model import JOBS, JobState
    from ..schedule.state import read_job

    rows: list[JobRow] = []
    problems: list[str] = []
    # With the scheduler off nothing is due, whatever the job's own switch says.
    running = config.sync.orchestration.scheduler.enabled
    for job, key in JOBS.items():
        settings = config.jobs.get(key)
        enabled = bool(settings and settings.enabled)
        interval = settings.interval_minutes if settings else None
        try:
            state = read_job(repo, job)
            status = effective_status(state, enabled)
        except UsageError as e:
            problems.append(f"job {job}: {e}")
            state, status = JobState(job), "unknown"
        rows.append(
            JobRow(
                job,
                enabled,
                interval,
                status,
                running and status != "unknown" and is_due(state, enabled, now),
                _iso(state.last_run),
                _iso(state.next_run),
                state.last_outcome,
                state.last_message,
                state.last_error,
                state.retries,
            )
        )
    return rows, problems


def notifications(
    notes: Iterable[tuple[str, list[str]]],
) -> tuple[dict[str, int], str | None, list[Recent]]:
    """Pending counts per severity, the one-line summary `check` prints
    (notify.terminal), and the newest few pending ones."""
    from ..notify.store import fold
    from ..notify.terminal import summary

    ledger = fold(notes)
    pending = sorted(
        (n for n in ledger.notifications.values() if n.status == "pending"),
        key=lambda n: (n.created, n.id),
        reverse=True,
    )
    counts = dict.fromkeys(NOTIFY_SEVERITIES, 0)
    for n in pending:
        counts[n.severity] = counts.get(n.severity, 0) + 1
    recent = [Recent(n.id, n.severity, n.type, n.title, n.created_at) for n in pending[:RECENT]]
    return counts, summary(counts), recent


def sync_activity(repo: Repo, since: datetime) -> dict[str, dict[str, int]]:
    """platform -> synced/failed/denied/dry-run since ``since``, from the local audit
    files and the state ref's copy (each record once), streamed."""
    from ..logs.query import Filter, origins_of, records
    from ..logs.stats import collect
    from ..logs.when import stamp
    from ..sync.audit import log_dir

    origins = origins_of(repo, log_dir(repo.root), "all")
    stats = collect(records(origins, Filter(since=stamp(since)), newest_first=False))
    return {p: dict(c) for p, c in sorted(stats.platforms.items())}


def check_points(notes: Iterable[tuple[str, list[str]]]) -> list[TrendPoint]:
    """Every ``kind: "check"`` note line as a point, oldest first. Two writers: the
    Action (``scope``, ``summary``) and the scheduler's full scan (which adds ``commit``
    and ``counts``); lines without a readable time or counts are skipped."""
    from ..notify.model import parse_line, parse_time

    points: list[tuple[datetime, TrendPoint]] = []
    for annotated, lines in notes:
        for line in lines:
            rec = parse_line(line)
            if rec is None or rec.get("kind") != "check":
                continue
            point = _point(rec, annotated)
            if point is None:
                continue
            try:
                moment = parse_time(point.at)
            except ValueError:
                continue
            points.append((moment, point))
    points.sort(key=lambda mp: (mp[0], mp[1].commit))
    return [p for _, p in points]


def _point(rec: dict[str, Any], annotated: str) -> TrendPoint | None:
    at = rec.get("at")
    counts = rec.get("counts")
    if not isinstance(counts, dict):
        counts = rec.get("summary")
    if not isinstance(at, str) or not isinstance(counts, dict):
        return None
    numbers = {s: counts.get(s, 0) for s in DRIFT_SEVERITIES}
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in numbers.values()):
        return None
    scope = rec.get("scope")
    kind = scope.get("kind") if isinstance(scope, dict) else None
    commit = rec.get("commit") or (scope.get("head") if isinstance(scope, dict) else None)
    source = "schedule" if rec.get("source") == "schedule" else "action"
    return TrendPoint(
        at,
        str(commit or annotated),
        str(kind or "?"),
        source,
        {k: int(v) for k, v in numbers.items()},
    )


def trend(points: Sequence[TrendPoint], scans: int) -> tuple[str, list[TrendPoint]]:
    """The last ``scans`` full scans (scope ``all``: comparable with each other); when
    none was recorded yet, the last ``scans`` checks of any scope."""
    full = [p for p in points if p.scope == "all"]
    if full:
        return "full scans", full[-scans:]
    return "checks", list(points[-scans:])


def collect(
    repo: Repo,
    config: Config,
    *,
    now: datetime | None = None,
    scans: int = DEFAULT_SCANS,
    window_hours: int = WINDOW_HOURS,
) -> Dashboard:
    from ..gitio.notes import iter_notes

    moment = now or datetime.now(timezone.utc)
    problems: list[str] = []
    rows, job_problems = jobs(repo, config, moment)
    problems += job_problems
    counts: dict[str, int] = dict.fromkeys(NOTIFY_SEVERITIES, 0)
    line: str | None = None
    recent: list[Recent] = []
    kind, points = "full scans", list[TrendPoint]()
    try:
        # One read of the notes for both: notifications and check lines share them.
        notes = list(iter_notes(repo))
        counts, line, recent = notifications(notes)
        kind, points = trend(check_points(notes), scans)
    except SpecweaveError as e:
        problems.append(f"git notes: {e}")
    since = moment - timedelta(hours=window_hours)
    sync: dict[str, dict[str, int]] = {}
    try:
        sync = sync_activity(repo, since)
    except SpecweaveError as e:
        problems.append(f"audit log: {e}")
    return Dashboard(
        _iso(moment) or "",
        repo.root.name,
        config.sync.orchestration.scheduler.enabled,
        rows,
        counts,
        line,
        recent,
        window_hours,
        _iso(since) or "",
        sync,
        kind,
        points,
        problems,
    )
