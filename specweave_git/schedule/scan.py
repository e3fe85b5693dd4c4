"""The `discrepancy-check` job: a full drift scan recorded as the `--since-last` point."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from .clock import format_time
from .model import JobResult
from .state import since_last, since_last_record

if TYPE_CHECKING:
    from ..drift.result import CheckResult
    from .jobs import JobContext


def check_line(result: CheckResult, commit: str, at: str, run_id: str) -> dict[str, Any]:
    """The note line a check leaves on its commit (notify.model.KIND_CHECK), in the
    Action's shape (ci.publish.check_line) plus ``commit`` and ``counts`` (open and
    settled findings per severity), which the monitor's drift trend reads."""
    import os

    from .. import __version__
    from ..drift.model import SEVERITIES
    from ..drift.result import SETTLED

    summary = {k: v for k, v in result.summary().items() if k != "elapsed_ms"}
    record: dict[str, Any] = {
        "kind": "check",
        "version": 1,
        "tool": f"specweave-git {__version__}",
        "at": at,
        "event": "schedule",
        "commit": commit,
        "counts": {s: summary[s] for s in SEVERITIES},
        "scope": {"kind": "all", "base": None, "head": commit},
        "summary": summary,
        "max_severity": result.max_severity(),
        "fail_on": result.fail_on,
        "exit_code": result.exit_code,
        "open": sorted(d.fingerprint for d in result.discrepancies if d.status not in SETTLED),
        "source": "schedule",
        "run_id": run_id,
    }
    server, repository = os.environ.get("GITHUB_SERVER_URL"), os.environ.get("GITHUB_REPOSITORY")
    gh_run = os.environ.get("GITHUB_RUN_ID")
    if server and repository and gh_run:
        record["run"] = f"{server.rstrip('/')}/{repository}/actions/runs/{gh_run}"
    return record


def full_scan(ctx: JobContext) -> JobResult:
    from ..drift.engine import check_repository
    from ..drift.model import SEVERITIES, severity_rank
    from ..drift.result import SETTLED
    from ..gitio.notes import append_note
    from ..notify.model import dumps

    result = check_repository(ctx.repo.root, scope_kind="all", config_path=ctx.config.path)
    commit = result.scope.head
    if commit is None:
        raise UsageError("no commits yet: nothing to scan", file=str(ctx.repo.root))
    summary = result.summary()
    counts = {s: summary[s] for s in SEVERITIES}
    at = format_time(ctx.clock.now())
    previous = since_last(ctx.repo)
    append_note(ctx.repo, commit, [dumps(check_line(result, commit, at, ctx.run_id))])
    ctx.state_changes.update(since_last_record(commit, at, counts, ctx.run_id))
    threshold = severity_rank(result.fail_on) if result.fail_on != "never" else None
    failing = [
        d
        for d in result.discrepancies
        if threshold is not None
        and d.status not in SETTLED
        and severity_rank(d.severity) >= threshold
    ]
    changed = previous is None or previous.get("counts") != counts
    noted = bool(failing) and changed and _notify(ctx, commit, counts, len(failing), result.fail_on)
    text = ", ".join(f"{counts[s]} {s}" for s in reversed(SEVERITIES))
    return JobResult(
        True,
        f"scanned {commit[:12]}: {text} ({_files(summary['files_parsed'])} parsed); "
        "`check --since-last` starts here",
        {
            "commit": commit,
            "counts": counts,
            "at_or_above_fail_on": len(failing),
            "fail_on": result.fail_on,
            "notified": noted,
        },
    )


def _notify(ctx: JobContext, commit: str, counts: dict[str, int], n: int, fail_on: str) -> bool:
    """A `discrepancy` notification when the scan finds drift at or above fail_on and
    the counts moved since the last scan (an unchanged picture is not news)."""
    from ..notify.model import Notification
    from ..notify.store import add_notification, notify_config_allows

    if not notify_config_allows(ctx.config, "discrepancy"):
        return False
    note = Notification.new(
        "discrepancy",
        "critical" if counts.get("breaking") else "warning",
        f"scheduled scan: {n} discrepanc{'y' if n == 1 else 'ies'} at or above {fail_on}",
        "run `specweave-git check --all` to see them",
        data={"counts": counts, "job": ctx.job, "run_id": ctx.run_id},
        commit=commit,
        created_at=ctx.clock.now(),
    )
    add_notification(ctx.repo, note)
    return True


def _files(n: int) -> str:
    return f"{n} file{'' if n == 1 else 's'}"
