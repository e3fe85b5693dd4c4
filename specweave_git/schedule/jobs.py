"""The job runners: a registry of name -> callable(ctx) -> JobResult, and the built-in jobs."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeAlias

from ..config.model import Config
from ..errors import SpecweaveError
from ..gitio.repo import Repo
from .clock import Clock
from .model import JobResult


class JobUnavailable(SpecweaveError):
    """A job whose implementation is not part of this installation: the job fails."""


class JobContext:
    """What a runner gets: the repository, the config, the clock, and a place for state
    files to record in the same commit as the job's result."""

    __slots__ = ("clock", "config", "job", "remote", "repo", "run_id", "state_changes")

    def __init__(
        self,
        repo: Repo,
        config: Config,
        clock: Clock,
        job: str,
        run_id: str,
        remote: str | None = None,
    ) -> None:
        self.repo = repo
        self.remote = remote  # where the shared state goes; None: this clone only
        self.config = config
        self.clock = clock
        self.job = job
        self.run_id = run_id
        self.state_changes: dict[str, bytes | None] = {}


Runner: TypeAlias = "Callable[[JobContext], JobResult]"


def optional(module: str, attr: str, job: str) -> Callable[..., Any]:
    """``specweave_git.<module>.<attr>``, imported when the job runs; a clear failure
    (never a fake success) when this installation does not have it."""
    name = f"specweave_git.{module}"
    try:
        mod = importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name is None or not name.startswith(e.name):
            raise  # something the module itself imports is missing: a real error
        raise JobUnavailable(f"job {job!r} is not available: {name} is not installed") from None
    fn = getattr(mod, attr, None)
    if not callable(fn):
        raise JobUnavailable(f"job {job!r} is not available: {name}.{attr} does not exist")
    return fn  # type: ignore[no-any-return]


def external_sync(ctx: JobContext) -> JobResult:
    from .sync_job import run_sync_job

    return run_sync_job(ctx, "push")


def external_pull(ctx: JobContext) -> JobResult:
    from .sync_job import run_sync_job

    return run_sync_job(ctx, "pull")


def living_docs_sync(ctx: JobContext) -> JobResult:
    from .docs_job import living_docs_sync as run

    return run(ctx)


def notification_cleanup(ctx: JobContext) -> JobResult:
    from ..notify.store import cleanup

    days = ctx.config.notifications.retention_days
    archived = cleanup(ctx.repo, days, ctx.clock.now(), by=f"schedule {ctx.run_id}")
    return JobResult(
        True,
        f"archived {archived} notification{'' if archived == 1 else 's'} older than {days} days",
        {"archived": archived, "retention_days": days},
    )


def discrepancy_check(ctx: JobContext) -> JobResult:
    """A full drift scan; its commit becomes the next `check --since-last` base and its
    counts go to the commit's note (the monitor's drift trend reads them)."""
    from .scan import full_scan

    return full_scan(ctx)


RUNNERS: dict[str, Runner] = {
    "external-sync": external_sync,
    "external-pull": external_pull,
    "discrepancy-check": discrepancy_check,
    "living-docs-sync": living_docs_sync,
    "notification-cleanup": notification_cleanup,
}
