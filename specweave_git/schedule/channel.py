"""Job state shared through the remote: pull, push, and claims made by compare-and-swap."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TypeAlias

from ..errors import GitError
from ..gitio.remote import pull, push, tracking_ref
from ..gitio.repo import Repo
from ..gitio.run import stderr_text
from ..gitio.state import (
    STATE_REF,
    backoff,
    build_tree,
    commit_tree,
    compare_and_swap,
    state_head,
)
from .model import JobState, state_path
from .state import parse_job

# A push rejected for one of these lost a race: re-read and decide again. Anything else
# (a protected ref, a declined hook, no access) will not get better by retrying.
_RACE_SIGNS = ("fetch first", "non-fast-forward", "stale info", "failed to update ref", "lock")
ATTEMPTS = 8

# decide(current state) -> the state to record, or None to leave the job alone.
Decide: TypeAlias = "Callable[[JobState], JobState | None]"


def has_remote(repo: Repo, remote: str) -> bool:
    return (
        not remote.startswith("-") and repo.run("remote", "get-url", "--", remote).returncode == 0
    )


class Channel:
    """The state ref of one repository, shared with ``remote`` (None: local only)."""

    def __init__(
        self, repo: Repo, remote: str | None, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.repo = repo
        self.remote = remote
        self._sleep = sleep
        # What the first pull and the last push did, for the command's output.
        self._pulled: list[str] | None = None
        self._pushed: list[str] = []
        self.races = 0  # claims lost to another run (each one re-read and decided again)

    @property
    def log(self) -> list[str]:
        return [*(self._pulled or []), *self._pushed]

    def pull(self) -> None:
        if self.remote is not None:
            lines = pull(self.repo, self.remote).lines()
            if self._pulled is None:
                self._pulled = [f"pull: {line}" for line in lines]

    def push(self) -> None:
        """Push notes and state; a race is merged and retried (gitio.remote.push)."""
        if self.remote is not None:
            self._pushed = [f"push: {line}" for line in push(self.repo, self.remote).lines()]

    def _job_at(self, commit: str | None, job: str) -> JobState:
        raw = None
        if commit is not None:
            proc = self.repo.run("cat-file", "blob", f"{commit}:{state_path(job)}")
            raw = proc.stdout if proc.returncode == 0 else None
        return parse_job(job, raw)

    def transition(
        self,
        job: str,
        decide: Decide,
        message: str,
        extra: Mapping[str, bytes | None] | None = None,
    ) -> tuple[JobState, JobState] | None:
        """Change ``job``'s state so that every other run sees the change before we act
        on it: (state before, state recorded), or None when ``decide`` left it alone.

        Online, the new state commit is pushed as it is, never merged: when another run
        changed the state first the push is rejected, and we pull and decide again on
        what that run recorded (it may have claimed the job: then we skip it).
        """
        for attempt in range(1, ATTEMPTS + 1):
            old = state_head(self.repo)
            current = self._job_at(old, job)
            new = decide(current)
            if new is None:
                return None
            changes = {state_path(job): new.to_bytes(), **(extra or {})}
            tree = build_tree(self.repo, old, changes)
            commit = commit_tree(self.repo, tree, [old] if old else [], message)
            if self.remote is None:
                if compare_and_swap(self.repo, STATE_REF, commit, old, message):
                    return current, new
            elif self._push_exact(commit):
                if not compare_and_swap(self.repo, STATE_REF, commit, old, message):
                    self.pull()  # a local writer moved the ref meanwhile: merge ours in
                self.repo.git("update-ref", tracking_ref(self.remote, STATE_REF), commit)
                return current, new
            else:
                self.races += 1
                self._sleep(backoff(attempt, base=0.05, cap=1.0))
                self.pull()
        where = f"remote {self.remote!r}" if self.remote else "this repository"
        raise GitError(
            f"could not record the state of job {job!r}: other runs kept changing "
            f"{STATE_REF} on {where} ({ATTEMPTS} attempts)",
            file=str(self.repo.root),
        )

    def _push_exact(self, commit: str) -> bool:
        """Push ``commit`` as the remote's state ref (fast-forward only): False when
        another writer got there first."""
        assert self.remote is not None
        spec = f"{commit}:{STATE_REF}"
        proc = self.repo.run("push", "--porcelain", "--no-verify", "--", self.remote, spec)
        if proc.returncode == 0:
            return True
        rows = proc.stdout.decode(errors="replace").splitlines()
        rejected = [r for r in rows if r.startswith("!")]
        if rejected and all(any(s in r for s in _RACE_SIGNS) for r in rejected):
            return False
        why = "; ".join(rejected) or stderr_text(proc)
        raise GitError(
            f"cannot push {STATE_REF} to {self.remote!r}: {why}", file=str(self.repo.root)
        )
