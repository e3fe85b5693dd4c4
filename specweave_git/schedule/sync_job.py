"""The `external-sync` and `external-pull` jobs: the sync engine, for every enabled tracker."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ..config.model import PLATFORMS
from .model import JobResult

if TYPE_CHECKING:
    from .jobs import JobContext


def run_sync_job(ctx: JobContext, direction: str) -> JobResult:
    """Push (``push``) or pull (``pull``) through ``sync.engine.run_sync``. The tokens come
    from the environment as for `specweave-git sync` (GITHUB_TOKEN, ...)."""
    from .jobs import JobUnavailable, optional

    run_sync = optional("sync.engine", "run_sync", ctx.job)
    options_type: Any = optional("sync.engine", "SyncOptions", ctx.job)
    platforms = tuple(p for p in PLATFORMS if getattr(ctx.config.sync, p).enabled)
    if not platforms:
        return JobResult(
            True, "no tracker is enabled (sync.github|jira|ado.enabled): nothing to sync"
        )
    fields = {f.name for f in dataclasses.fields(options_type)}
    kwargs: dict[str, Any] = {"platforms": platforms}
    if direction == "pull":
        # Never a push in disguise: without a pull mode in the engine the job fails.
        if "direction" not in fields:
            raise JobUnavailable(
                f"job {ctx.job!r} is not available: the sync engine has no pull mode "
                "(specweave_git.sync.engine.SyncOptions.direction)"
            )
        kwargs["direction"] = "pull"
    report = run_sync(ctx.repo, ctx.config, options_type(**kwargs))
    parts = []
    for p in report.platforms:
        if p.error:
            parts.append(f"{p.platform}: {p.error}")
            continue
        counts = {k: v for k, v in p.summary().items() if v}
        text = ", ".join(f"{v} {k}" for k, v in counts.items()) or "nothing to do"
        parts.append(f"{p.platform}: {text}")
    details = report.to_json()
    return JobResult(not report.failed, "; ".join(parts) or "nothing to sync", details)
