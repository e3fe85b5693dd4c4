"""``specweave-git schedule list|run-due|run JOB|pause JOB|resume JOB|reset JOB|render``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..config.model import Config
    from ..gitio.repo import Repo
    from ..schedule.channel import Channel
    from ..schedule.model import JobState
    from ..schedule.runner import Outcome, Scheduler


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ..schedule.model import JOBS

    job_names = tuple(JOBS)
    from .actions import action_adder

    add = action_adder(parser)

    def action(name: str, help_text: str, *, shared: bool = True) -> argparse.ArgumentParser:
        p = add(name, help_text)
        if shared:
            p.add_argument(
                "--remote",
                metavar="NAME",
                default=None,
                help="where the shared state lives (default: origin, when it exists)",
            )
            p.add_argument(
                "--local", action="store_true", help="use this clone's state only: no pull, no push"
            )
        return p

    p = action("list", "the jobs: enabled, interval, last run, next run, status")
    p.add_argument("--pull", action="store_true", help="pull the shared state first")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p = action("run-due", "run every due job once (what the scheduled workflow calls)")
    p.add_argument(
        "--budget-minutes",
        type=float,
        default=20.0,
        metavar="N",
        help="start no job after N minutes; the rest run next time (default 20)",
    )
    _stale(p)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p = action("run", "run one job now, due or not")
    p.add_argument("job", metavar="JOB", choices=job_names, help=", ".join(job_names))
    _stale(p)
    p.add_argument("--format", choices=("text", "json"), default="text")
    for name, text in (
        ("pause", "stop running a job until it is resumed"),
        ("resume", "run a paused (or failed) job again when due"),
        ("reset", "forget a job's history and failures: due at the next run"),
    ):
        p = action(name, text)
        p.add_argument("job", metavar="JOB", choices=job_names, help=", ".join(job_names))
        _stale(p)
    p = action("render", "write the scheduled workflow for this repository", shared=False)
    p.add_argument(
        "--output",
        metavar="FILE",
        default=None,
        help="where to write it (default: .github/workflows/specweave-scheduled.yml; - prints it)",
    )
    p.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 when the file is out of date"
    )
    p.add_argument(
        "--minute", type=int, default=None, metavar="M", help="pin the cron's minute offset"
    )


def _stale(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--stale-after",
        type=int,
        default=None,
        metavar="MIN",
        help="a `running` claim older than MIN minutes belongs to a dead run (default 60)",
    )


def _open(args: argparse.Namespace) -> tuple[Repo, Config]:
    from pathlib import Path

    from ..config import load_config
    from ..gitio.repo import cache_dir, open_repo

    repo = open_repo(Path(args.repo) if args.repo else None)
    return repo, load_config(repo.root, cache_dir=cache_dir(repo))


def _channel(repo: Repo, args: argparse.Namespace) -> tuple[Channel, str | None]:
    """The state channel, and a note when it is local only because there is no remote."""
    from ..errors import UsageError
    from ..schedule.channel import Channel, has_remote

    if args.local:
        return Channel(repo, None), None
    name = args.remote or "origin"
    if has_remote(repo, name):
        return Channel(repo, name), None
    if args.remote:
        raise UsageError(f"no remote named {name!r}", file=str(repo.root), pointer="--remote")
    return Channel(repo, None), "no remote 'origin': the schedule state stays in this clone"


def _scheduler(repo: Repo, cfg: Config, channel: Channel, args: argparse.Namespace) -> Scheduler:
    from ..schedule.clock import SystemClock
    from ..schedule.due import DEFAULT_STALE_MINUTES
    from ..schedule.runner import Scheduler
    from ..sync.audit import new_run_id

    stale = args.stale_after if args.stale_after is not None else DEFAULT_STALE_MINUTES
    if stale < 1:
        from ..errors import UsageError

        raise UsageError("must be at least 1 minute", pointer="--stale-after")
    return Scheduler(repo, cfg, SystemClock(), new_run_id(), channel=channel, stale_minutes=stale)


def run(args: argparse.Namespace) -> int:
    if args.action == "render":
        return _render(args)
    repo, cfg = _open(args)
    if args.action == "list":
        return _list(repo, cfg, args)
    import os
    import sys

    from ..ci.publish import git_auth
    from ..context import detect
    from ..errors import UsageError

    if not detect().network_allowed:
        raise UsageError("`schedule` does not run inside a git hook", pointer="SPECWEAVE_CONTEXT")
    channel, note = _channel(repo, args)
    if note:
        print(f"note: {note}", file=sys.stderr)
    # In a workflow the clone holds no credential: the token goes to our git children.
    with git_auth(repo, os.environ, os.environ.get("GITHUB_TOKEN")):
        channel.pull()
        if args.action == "run-due":
            return _run_due(repo, cfg, channel, args)
        if args.action == "run":
            scheduler = _scheduler(repo, cfg, channel, args)
            outcome = scheduler.run_now(args.job)
            channel.push()
            return _report(
                channel, [outcome], args, scheduler_enabled=True, run_id=scheduler.run_id
            )
        return _admin(repo, cfg, channel, args)


def _run_due(repo: Repo, cfg: Config, channel: Channel, args: argparse.Namespace) -> int:
    scheduler = _scheduler(repo, cfg, channel, args)
    if not cfg.sync.orchestration.scheduler.enabled:
        return _report(channel, [], args, scheduler_enabled=False)
    outcomes = scheduler.run_due(args.budget_minutes)
    channel.push()
    return _report(channel, outcomes, args, scheduler_enabled=True, run_id=scheduler.run_id)


def _report(
    channel: Channel,
    outcomes: list[Outcome],
    args: argparse.Namespace,
    *,
    scheduler_enabled: bool,
    run_id: str | None = None,
) -> int:
    failed = sum(1 for o in outcomes if o.action == "failed")
    if args.format == "json":
        import json

        doc: dict[str, Any] = {
            "scheduler_enabled": scheduler_enabled,
            "run_id": run_id,
            "jobs": [o.to_json() for o in outcomes],
            "failed": failed,
            "state": channel.log,
        }
        print(json.dumps(doc, indent=2))
        return 1 if failed else 0
    if not scheduler_enabled:
        print(
            "the scheduler is off (sync.orchestration.scheduler.enabled is false): nothing run; "
            "`schedule run JOB` runs one job by hand"
        )
    width = max((len(o.job) for o in outcomes), default=0)
    for o in outcomes:
        took = f" ({o.duration_ms / 1000:.1f}s)" if o.action in ("ran", "failed") else ""
        print(f"{o.job.ljust(width)}  {o.action}{took}: {o.message}")
    for line in channel.log:
        print(line)
    return 1 if failed else 0


def _admin(repo: Repo, cfg: Config, channel: Channel, args: argparse.Namespace) -> int:
    from ..schedule.admin import change
    from ..schedule.clock import SystemClock
    from ..schedule.due import DEFAULT_STALE_MINUTES

    stale = args.stale_after if args.stale_after is not None else DEFAULT_STALE_MINUTES
    _, message = change(channel, SystemClock(), args.job, args.action, stale_minutes=stale)
    print(message)
    for line in channel.log:
        print(line)
    return 0


def _list(repo: Repo, cfg: Config, args: argparse.Namespace) -> int:
    from ..schedule.clock import SystemClock
    from ..schedule.due import effective_status
    from ..schedule.model import JOBS
    from ..schedule.state import read_jobs

    if args.pull:
        import sys

        channel, note = _channel(repo, args)
        if note:
            print(f"note: {note}", file=sys.stderr)
        channel.pull()
    states = read_jobs(repo)
    now = SystemClock().now()
    rows: list[dict[str, Any]] = []
    for job, state in states.items():
        settings = cfg.jobs.get(JOBS[job])
        enabled = bool(settings and settings.enabled)
        interval = settings.interval_minutes if settings else None
        rows.append(
            {
                "job": job,
                "enabled": enabled,
                "interval_minutes": interval,
                "status": effective_status(state, enabled),
                "due": _due_text(state, enabled, now),
                **{k: v for k, v in state.to_json().items() if k not in ("job", "status")},
            }
        )
    if args.format == "json":
        import json

        doc = {"scheduler_enabled": cfg.sync.orchestration.scheduler.enabled, "jobs": rows}
        print(json.dumps(doc, indent=2))
        return 0
    _print_table(rows, cfg.sync.orchestration.scheduler.enabled, states)
    return 0


def _due_text(state: JobState, enabled: bool, now: Any) -> bool:
    from ..schedule.due import is_due

    return is_due(state, enabled, now)


def _print_table(rows: list[dict[str, Any]], enabled: bool, states: dict[str, JobState]) -> None:
    header = ("job", "enabled", "interval", "last run", "next run", "status")
    table = [
        (
            r["job"],
            "yes" if r["enabled"] else "no",
            f"{r['interval_minutes']} min" if r["interval_minutes"] is not None else "—",
            r["last_run"] or "never",
            "due now" if r["due"] else (r["next_run"] or "—"),
            r["status"]
            + (f" (retry {r['retries']})" if r["retries"] and r["status"] == "idle" else ""),
        )
        for r in rows
    ]
    widths = [max(len(str(row[i])) for row in [header, *table]) for i in range(len(header))]
    for row in [header, *table]:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    for job, state in states.items():
        if state.last_error:
            print(f"{job}: last error: {state.last_error}")
    if not enabled:
        print("the scheduler is off: set sync.orchestration.scheduler.enabled to run due jobs")


def _render(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from .. import __version__
    from ..errors import UsageError
    from ..schedule.render import WORKFLOW_PATH, render_workflow

    repo, cfg = _open(args)
    if args.minute is not None and not 0 <= args.minute <= 59:
        raise UsageError("a minute is 0..59", pointer="--minute")
    text = render_workflow(cfg, seed=_seed(repo, cfg), version=__version__, minute=args.minute)
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    path = Path(args.output) if args.output else repo.root / WORKFLOW_PATH
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    if args.check:
        if current == text:
            print(f"{path}: up to date")
            return 0
        print(f"{path}: out of date; run `specweave-git schedule render`")
        return 1
    if current == text:
        print(f"{path}: unchanged")
        return 0
    from ..config.atomic import atomic_write

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text.encode("utf-8"))
    print(f"{path}: {'updated' if current is not None else 'written'}")
    return 0


def _seed(repo: Repo, cfg: Config) -> str:
    from ..schedule.render import workflow_seed  # shared with `init`

    return workflow_seed(repo.root, cfg)
