"""The `living-docs-sync` job: regenerate the living docs; in CI, hand them over on a branch."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import GitError
from ..gitio.repo import head
from ..gitio.run import stderr_text
from ..gitio.state import build_tree, commit_tree
from .model import JobResult

if TYPE_CHECKING:
    from .jobs import JobContext

# The branch a scheduled run leaves its living-docs changes on, rebuilt from HEAD each
# time: a runner's work tree is thrown away, and nobody's branch is pushed to directly.
BRANCH = "specweave/living-docs"


def living_docs_sync(ctx: JobContext) -> JobResult:
    from ..context import detect
    from .jobs import optional

    sync = optional("sync.livedocs", "sync_living_docs", ctx.job)
    result = sync(ctx.repo.root, ctx.config, today=ctx.clock.now().date())
    changed: tuple[str, ...] = tuple(result.changed)
    details: dict[str, object] = {
        "changed": list(changed),
        "skipped": list(result.skipped),
        "warnings": [w.render() for w in result.warnings],
    }
    skipped = f"; {len(result.skipped)} left untouched (see details)" if result.skipped else ""
    if not changed:
        return JobResult(True, f"living docs up to date{skipped}", details)
    files = f"{len(changed)} living-docs file{'' if len(changed) == 1 else 's'}"
    if ctx.remote is None or detect().name not in ("ci", "schedule"):
        return JobResult(
            True, f"{files} changed in the work tree: review and commit them{skipped}", details
        )
    commit = _commit_to_branch(ctx, changed)
    details["branch"] = BRANCH
    details["commit"] = commit
    return JobResult(
        True,
        f"{files} changed; pushed to branch {BRANCH} ({commit[:12]}): "
        f"open a pull request from it{skipped}",
        details,
    )


def _commit_to_branch(ctx: JobContext, paths: tuple[str, ...]) -> str:
    """A commit of HEAD plus the changed files (read from the work tree), pushed as
    ``BRANCH``; the work tree, the index and HEAD stay as they are."""
    base = head(ctx.repo)
    if base is None:
        raise GitError("no commits yet: nothing to put living docs on", file=str(ctx.repo.root))
    changes = {p: (ctx.repo.root / p).read_bytes() for p in paths}
    tree = build_tree(ctx.repo, base, changes)
    message = (
        f"docs: sync living docs ({len(paths)} files)\n\nspecweave-git schedule, run {ctx.run_id}\n"
    )
    commit = commit_tree(ctx.repo, tree, [base], message)
    assert ctx.remote is not None
    proc = ctx.repo.run(
        "push",
        "--porcelain",
        "--no-verify",
        "--force",
        "--",
        ctx.remote,
        f"{commit}:refs/heads/{BRANCH}",
    )
    if proc.returncode != 0:
        raise GitError(
            f"cannot push branch {BRANCH} to {ctx.remote!r}: {stderr_text(proc)}",
            file=str(ctx.repo.root),
        )
    return commit
