"""The scheduler's files in the state ref: one per job, and the `--since-last` point."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import UsageError
from ..gitio.repo import Repo
from ..gitio.state import STATE_REF, change_state, read_state_file
from .model import JOBS, JobState, state_path

SINCE_LAST_PATH = "schedule/since-last.json"


def _source(path: str) -> str:
    return f"{STATE_REF}:{path}"


def parse_job(job: str, raw: bytes | None) -> JobState:
    """A job's state from its file's bytes; a fresh state when there is no file."""
    if raw is None:
        return JobState(job)
    return JobState.from_bytes(job, raw, source=_source(state_path(job)))


def read_job(repo: Repo, job: str) -> JobState:
    return parse_job(job, read_state_file(repo, state_path(job)))


def read_jobs(repo: Repo) -> dict[str, JobState]:
    """Every job's state, in run order (jobs never run have a fresh state)."""
    return {job: read_job(repo, job) for job in JOBS}


def write_job(
    repo: Repo,
    state: JobState,
    message: str,
    extra: Mapping[str, bytes | None] | None = None,
) -> str:
    """Record ``state`` (and ``extra`` state files) in one commit of the local state ref."""
    changes: dict[str, bytes | None] = {state_path(state.job): state.to_bytes()}
    changes.update(extra or {})

    def change(_read: Callable[[str], bytes | None]) -> Mapping[str, bytes | None]:
        return changes

    return change_state(repo, change, message)


def since_last_record(
    commit: str, at: str, counts: Mapping[str, int], run_id: str
) -> dict[str, bytes | None]:
    """The state change that makes ``commit`` the next `check --since-last` base."""
    doc = {"commit": commit, "at": at, "counts": dict(counts), "run_id": run_id}
    return {SINCE_LAST_PATH: (json.dumps(doc, indent=2) + "\n").encode("utf-8")}


def since_last(repo: Repo) -> dict[str, Any] | None:
    """The last full scan's record ({commit, at, counts, run_id}), None before the first."""
    raw = read_state_file(repo, SINCE_LAST_PATH)
    if raw is None:
        return None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UsageError(f"not valid JSON ({e})", file=_source(SINCE_LAST_PATH)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("commit"), str):
        raise UsageError(
            "expected an object with a commit id", file=_source(SINCE_LAST_PATH), pointer="/commit"
        )
    return doc


def since_last_point(repo: Repo) -> str | None:
    """The commit the last scheduled full drift scan covered: where `check --since-last`
    starts. None before the first scan (the caller falls back to a full check)."""
    doc = since_last(repo)
    return str(doc["commit"]) if doc is not None else None
