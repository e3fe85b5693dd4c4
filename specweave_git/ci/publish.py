"""What a run leaves behind besides its exit code: the PR comment, git notes and their push.

Every step here may fail without failing the run (a fork's read-only token, a
protected notes ref): each returns one line saying what happened, and a failure is a
warning for the log and the job summary. The exit code follows ``fail-on`` only.
"""

from __future__ import annotations

import base64
import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import SpecweaveError
from ..record import FrozenRecord, set_field

if TYPE_CHECKING:
    from pathlib import Path

    from ..drift.result import CheckResult
    from ..gitio.repo import Repo
    from .event import Event

MARKER = "specweave-git:drift-report"
# What git and GitHub say when the token may not write (fork PRs, `contents: read`).
_DENIED = ("403", "permission", "denied", "declined", "forbidden", "not allowed", "protected")


class Step(FrozenRecord):
    """The outcome of one side effect: ``ok`` false means a warning for the log."""

    __slots__ = ("message", "ok", "status")

    status: str  # done | skipped | failed
    ok: bool
    message: str

    def __init__(self, status: str, ok: bool, message: str) -> None:
        set_field(self, "status", status)
        set_field(self, "ok", ok)
        set_field(self, "message", message)


def done(message: str) -> Step:
    return Step("done", True, message)


def skipped(message: str, *, warn: bool = False) -> Step:
    return Step("skipped", not warn, message)


def failed(message: str) -> Step:
    return Step("failed", False, message)


def run_url(env: Mapping[str, str]) -> str | None:
    server, repository, run_id = (
        env.get("GITHUB_SERVER_URL"),
        env.get("GITHUB_REPOSITORY"),
        env.get("GITHUB_RUN_ID"),
    )
    if server and repository and run_id:
        return f"{server.rstrip('/')}/{repository}/actions/runs/{run_id}"
    return None


def open_findings(result: CheckResult) -> int:
    from ..drift.result import SETTLED

    return sum(1 for d in result.discrepancies if d.status not in SETTLED)


# ---------------------------------------------------------------- PR comment


def pr_comment(
    env: Mapping[str, str], event: Event, token: str | None, markdown: str, result: CheckResult
) -> Step:
    """Create or update the sticky comment of the pull request."""
    if event.pr_number is None:
        return skipped("no pull request: no comment")
    if event.fork and event.name == "pull_request":
        return skipped(
            "no PR comment: the pull request comes from a fork, whose token is read-only "
            "(the job summary has the report)",
            warn=True,
        )
    repository = env.get("GITHUB_REPOSITORY") or event.repository or ""
    owner, _, name = repository.partition("/")
    if not owner or not name:
        return skipped("no PR comment: GITHUB_REPOSITORY is not set", warn=True)
    if not token:
        return skipped("no PR comment: no token (the `token` input is empty)", warn=True)
    from ..net.errors import NetError
    from ..net.github import GitHubClient
    from ..net.secret import Secret
    from ..notify.pr_comment import upsert_sticky_comment

    url = run_url(env)
    if url:
        markdown = (
            markdown.rstrip("\n")
            + f"\n\n[The workflow run]({url}) has the JSON and SARIF reports.\n"
        )
    try:
        with GitHubClient(owner, name, Secret(token), base_url=env.get("GITHUB_API_URL")) as gh:
            outcome = upsert_sticky_comment(
                gh,
                event.pr_number,
                markdown,
                has_findings=open_findings(result) > 0,
                marker=MARKER,
                report_url=url,
            )
    except NetError as e:
        return failed(f"PR comment failed: {e}")
    action, detail, link = outcome.action, outcome.message, outcome.url
    if action == "forbidden":
        why = detail or "the token may not comment (fork PRs get a read-only token)"
        return failed(f"PR comment not written: {why}")
    text = f"PR comment {action}" + (f": {link}" if link else "")
    return done(text + (f" ({detail})" if detail else ""))


# ---------------------------------------------------------------- git notes


def check_line(
    result: CheckResult, event: Event, env: Mapping[str, str], at: str
) -> dict[str, Any]:
    """The note record of one check: enough to list past checks of a commit without
    rerunning them (open fingerprints, counts, where the run is)."""
    from .. import __version__
    from ..drift.result import SETTLED
    from ..notify.model import KIND_CHECK

    record: dict[str, Any] = {
        "kind": KIND_CHECK,
        "version": 1,
        "tool": f"specweave-git {__version__}",
        "at": at,
        "event": event.name or None,
        "scope": {"kind": result.scope.kind, "base": result.scope.base, "head": result.scope.head},
        "summary": {k: v for k, v in result.summary().items() if k != "elapsed_ms"},
        "max_severity": result.max_severity(),
        "fail_on": result.fail_on,
        "exit_code": result.exit_code,
        "open": sorted(d.fingerprint for d in result.discrepancies if d.status not in SETTLED),
    }
    if event.pr_number is not None:
        record["pull_request"] = event.pr_number
    url = run_url(env)
    if url:
        record["run"] = url
    return record


def write_notes(
    repo: Repo,
    commit: str,
    result: CheckResult,
    event: Event,
    env: Mapping[str, str],
    config_path: Path | None = None,
) -> Step:
    """The check line, and a notification when there are open findings, on ``commit``."""
    from ..config import load_config
    from ..gitio.notes import NOTES_REF, append_note
    from ..gitio.repo import cache_dir
    from ..notify.model import Notification, dumps, format_time, now_utc
    from ..notify.store import add_notification, notify_config_allows
    from ..report._common import counts_text

    moment = now_utc()
    try:
        append_note(repo, commit, [dumps(check_line(result, event, env, format_time(moment)))])
        count = open_findings(result)
        what = "check line"
        if count:
            cfg = load_config(repo.root, path=config_path, cache_dir=cache_dir(repo))
            if notify_config_allows(cfg, "discrepancy"):
                top = result.max_severity()
                severity = "critical" if top in ("major", "breaking") else "warning"
                scope = result.scope
                title = f"{counts_text(result)} in {scope.kind} check of {commit[:12]}"
                data: dict[str, Any] = {
                    "max_severity": top,
                    "count": count,
                    "fingerprints": sorted(
                        d.fingerprint for d in result.discrepancies if d.status == "new"
                    ),
                }
                if event.pr_number is not None:
                    data["pull_request"] = event.pr_number
                url = run_url(env)
                if url:
                    data["run"] = url
                n = Notification.new(
                    "discrepancy",
                    severity,
                    title,
                    "specs and code disagree; `specweave-git check` shows the findings",
                    data=data,
                    commit=commit,
                    created_at=moment,
                )
                add_notification(repo, n)
                what += " and a notification"
    except SpecweaveError as e:
        return failed(f"git notes not written: {e}")
    return done(f"{what} written to {NOTES_REF} on {commit[:12]}")


def _denied(text: str) -> bool:
    low = text.lower()
    return any(sign in low for sign in _DENIED)


@contextlib.contextmanager
def git_auth(repo: Repo, env: Mapping[str, str], token: str | None) -> Iterator[None]:
    """Let git push to the GitHub remote with ``token`` for the duration of the block.

    The workflow templates check out with ``persist-credentials: false``, so the clone
    holds no credential. The token goes to the git children only, as an
    ``http.<server>/.extraheader`` in ``GIT_CONFIG_*`` variables (what actions/checkout
    writes to .git/config, without writing it to disk). Skipped when the clone already
    has an extra header: a second Authorization header makes GitHub refuse the request.
    """
    server = (env.get("GITHUB_SERVER_URL") or "").rstrip("/")
    url = repo.run("remote", "get-url", "--", "origin").stdout.decode().strip()
    configured = repo.run("config", "--get-regexp", r"^http\..*\.extraheader$").stdout.strip()
    if not token or not server.startswith("https://") or not url.startswith(server + "/"):
        yield
        return
    if configured:
        yield
        return
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    count = int(os.environ.get("GIT_CONFIG_COUNT", "0") or "0")
    added = {
        "GIT_CONFIG_COUNT": str(count + 1),
        f"GIT_CONFIG_KEY_{count}": f"http.{server}/.extraheader",
        f"GIT_CONFIG_VALUE_{count}": f"AUTHORIZATION: basic {basic}",
    }
    saved = {k: os.environ.get(k) for k in added}
    os.environ.update(added)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def push_notes(repo: Repo, env: Mapping[str, str], token: str | None) -> Step:
    """Push the notes (and the state ref) to origin; a refusal is a warning."""
    if repo.run("remote", "get-url", "--", "origin").returncode != 0:
        return skipped("notes kept locally: the clone has no remote 'origin'", warn=True)
    from ..gitio.remote import push
    from ..net.secret import redact

    try:
        with git_auth(repo, env, token):
            outcome = push(repo, "origin")
    except SpecweaveError as e:
        text = redact(str(e), [token])
        if _denied(text):
            return failed(
                f"git notes not pushed: {text} (the token needs `contents: write` to push "
                "refs/notes/specweave; or set `notes: false`)"
            )
        return failed(f"git notes not pushed: {text}")
    sent = [o.describe(outcome.remote) for o in outcome.pushed if o.action != "nothing"]
    return done("; ".join(sent) or "nothing to push")
