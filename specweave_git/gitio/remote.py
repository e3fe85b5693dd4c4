"""Pull and push the notes and the state ref: fetch, merge (never force), retry on a race."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from functools import partial

from ..errors import GitError
from ..record import FrozenRecord, set_field
from .notes import NOTES_REF
from .repo import Repo
from .run import run, stderr_text
from .state import (
    STATE_REF,
    backoff,
    build_tree,
    commit_env,
    commit_tree,
    compare_and_swap,
    read_trees,
    state_head,
)
from .state_merge import merge_state

SYNCED_REFS = (NOTES_REF, STATE_REF)

# What a rejected push says when another writer got there first: pull, merge, retry.
# Anything else (a hook declined, the ref is protected) will not get better by retrying.
_RACE_SIGNS = (
    "fetch first",
    "non-fast-forward",
    "stale info",
    "lock",
    "failed to update ref",
    "incorrect old value",
    "is at ",
)
_LOCAL_ATTEMPTS = 20


class RefOutcome(FrozenRecord):
    """What happened to one ref: ``action`` is one of absent, up-to-date, created,
    fast-forwarded, merged, ahead (pull) or nothing, up-to-date, created, pushed (push);
    ``commits`` the number of commits that came in (pull) or went out (push)."""

    __slots__ = ("action", "commits", "ref")

    ref: str
    action: str
    commits: int

    def __init__(self, ref: str, action: str, commits: int = 0) -> None:
        set_field(self, "ref", ref)
        set_field(self, "action", action)
        set_field(self, "commits", commits)

    def describe(self, remote: str) -> str:
        n = f"{self.commits} commit{'' if self.commits == 1 else 's'}"
        text = {
            "absent": f"not on {remote} yet",
            "up-to-date": f"up to date with {remote}",
            "created": f"created from {remote} ({n})",
            "fast-forwarded": f"fast-forwarded {n} from {remote}",
            "merged": f"merged {n} from {remote}",
            "ahead": f"ahead of {remote} by {n} (push to send them)",
            "nothing": "nothing to push (no such local ref)",
            "pushed": f"pushed {n} to {remote}",
            "new": f"created on {remote}",
        }.get(self.action, self.action)
        return f"{self.ref}: {text}"


class SyncResult(FrozenRecord):
    """The outcome of ``pull``/``push``: per ref what was merged (``pulled``) and sent
    (``pushed``), the push attempts made and the merge conflicts decided by rule."""

    __slots__ = ("attempts", "conflicts", "pulled", "pushed", "remote")

    remote: str
    pulled: tuple[RefOutcome, ...]
    pushed: tuple[RefOutcome, ...]
    attempts: int
    conflicts: tuple[str, ...]

    def __init__(
        self,
        remote: str,
        pulled: tuple[RefOutcome, ...],
        pushed: tuple[RefOutcome, ...],
        attempts: int,
        conflicts: tuple[str, ...],
    ) -> None:
        set_field(self, "remote", remote)
        set_field(self, "pulled", pulled)
        set_field(self, "pushed", pushed)
        set_field(self, "attempts", attempts)
        set_field(self, "conflicts", conflicts)

    def lines(self) -> list[str]:
        """One line per ref (the push's when there was one), then the conflicts."""
        outcomes = self.pushed or self.pulled
        out = [o.describe(self.remote) for o in outcomes]
        if self.pushed and self.attempts > 1:
            note = f" (attempt {self.attempts}, after merging {self.remote})"
            out = [
                line + ("" if o.action == "nothing" else note)
                for line, o in zip(out, outcomes, strict=True)
            ]
        out += [f"conflict decided by rule: {c}" for c in self.conflicts]
        return out


def tracking_ref(remote: str, ref: str) -> str:
    """Where ``pull`` keeps the remote's value of ``ref`` (never shown as a branch)."""
    kind = "notes" if ref == NOTES_REF else "state"
    return f"refs/specweave-remote/{remote}/{kind}"


def _check_remote(repo: Repo, remote: str) -> None:
    proc = repo.run("remote", "get-url", "--", remote) if not remote.startswith("-") else None
    if proc is None or proc.returncode != 0:
        raise GitError(
            f"no remote named {remote!r}: add it with `git remote add {remote} URL` "
            "or name another with --remote",
            file=str(repo.root),
        )


def _remote_heads(repo: Repo, remote: str) -> dict[str, str]:
    """The remote's values of the synced refs that exist there (one round trip)."""
    proc = repo.run("ls-remote", "--", remote, *SYNCED_REFS)
    if proc.returncode != 0:
        raise GitError(f"cannot reach remote {remote!r}: {stderr_text(proc)}", file=str(repo.root))
    heads: dict[str, str] = {}
    for row in proc.stdout.decode(errors="replace").splitlines():
        oid, _, name = row.partition("\t")
        if name in SYNCED_REFS:
            heads[name] = oid
    return heads


def _fetch(repo: Repo, remote: str, heads: dict[str, str]) -> None:
    """Bring the remote's values into the tracking refs; only what we do not have."""
    missing = [r for r, oid in heads.items() if repo.run("cat-file", "-e", oid).returncode != 0]
    if missing:
        specs = [f"+{ref}:{tracking_ref(remote, ref)}" for ref in missing]
        args = ("fetch", "--quiet", "--no-tags", "--no-write-fetch-head")
        proc = repo.run(*args, "--no-recurse-submodules", "--", remote, *specs)
        if proc.returncode != 0:
            raise GitError(
                f"cannot fetch {', '.join(missing)} from {remote!r}: {stderr_text(proc)}",
                file=str(repo.root),
            )
    for ref in SYNCED_REFS:
        if ref in heads:
            repo.git("update-ref", tracking_ref(remote, ref), heads[ref])
        else:
            repo.git("update-ref", "-d", tracking_ref(remote, ref))


def _merge_base(repo: Repo, a: str, b: str) -> str | None:
    proc = repo.run("merge-base", a, b)
    if proc.returncode != 0:
        return None  # unrelated histories: two clones each started the ref
    return proc.stdout.decode().strip()


def _count(repo: Repo, since: str | None, until: str) -> int:
    spec = f"{since}..{until}" if since else until
    return int(repo.git("rev-list", "--count", spec).decode().strip())


def _integrate(
    repo: Repo,
    ref: str,
    theirs: str | None,
    merge: Callable[[str, str, str | None], str],
) -> RefOutcome:
    """Bring ``theirs`` into the local ``ref``: create, fast-forward or ``merge(ours,
    theirs, base)`` (which returns the merge commit), then compare-and-swap; a local writer
    that moved the ref meanwhile makes us start over."""
    if theirs is None:
        return RefOutcome(ref, "absent")
    for attempt in range(1, _LOCAL_ATTEMPTS + 1):
        ours = state_head(repo, ref)
        if ours == theirs:
            return RefOutcome(ref, "up-to-date")
        base = _merge_base(repo, ours, theirs) if ours is not None else None
        if ours is None:
            new, action = theirs, "created"
        elif base == theirs:
            return RefOutcome(ref, "ahead", _count(repo, theirs, ours))
        elif base == ours:
            new, action = theirs, "fast-forwarded"
        else:
            new, action = merge(ours, theirs, base), "merged"
        if compare_and_swap(repo, ref, new, ours, f"specweave-git: {action} {theirs[:12]}"):
            return RefOutcome(ref, action, _count(repo, base, theirs))
        time.sleep(backoff(attempt))
    raise GitError(
        f"could not merge into {ref}: local writers kept changing it", file=str(repo.root)
    )


def _merge_notes(repo: Repo, ours: str, theirs: str, _base: str | None) -> str:
    """``git notes merge -s cat_sort_uniq`` (every line of both notes, sorted, once) done
    on scratch refs, so the caller can compare-and-swap the real one."""
    # `git notes` puts any ref it is given under refs/notes/, so the scratch refs live there.
    scratch = f"refs/notes/specweave-merge/{os.getpid()}"
    repo.git("update-ref", f"{scratch}/ours", ours)
    repo.git("update-ref", f"{scratch}/theirs", theirs)
    try:
        args = ("notes", f"--ref={scratch}/ours", "merge", "-q", "-s", "cat_sort_uniq")
        proc = run(*args, f"{scratch}/theirs", cwd=repo.root, env_extra=commit_env(repo))
        if proc.returncode != 0:
            raise GitError(f"cannot merge the notes: {stderr_text(proc)}", file=str(repo.root))
        return state_head(repo, f"{scratch}/ours") or ours
    finally:
        repo.run("update-ref", "-d", f"{scratch}/ours")
        repo.run("update-ref", "-d", f"{scratch}/theirs")


def _merge_state_commits(
    repo: Repo, remote: str, conflicts: list[str]
) -> Callable[[str, str, str | None], str]:
    def merge(ours: str, theirs: str, base: str | None) -> str:
        base_files, ours_files, theirs_files = read_trees(repo, base, ours, theirs)
        result = merge_state(base_files, ours_files, theirs_files)
        changes: dict[str, bytes | None] = {
            p: d for p, d in result.files.items() if ours_files.get(p) != d
        }
        changes.update((p, None) for p in ours_files if p not in result.files)
        tree = build_tree(repo, ours, changes)
        message = f"specweave-git: merge {STATE_REF} from {remote}\n"
        if result.conflicts:
            message += "\nConflicts decided by rule:\n"
            message += "".join(f"  {c}\n" for c in result.conflicts)
        conflicts[:] = list(result.conflicts)
        return commit_tree(repo, tree, [ours, theirs], message)

    return merge


def _pull(repo: Repo, remote: str) -> tuple[tuple[RefOutcome, ...], tuple[str, ...]]:
    heads = _remote_heads(repo, remote)
    _fetch(repo, remote, heads)
    conflicts: list[str] = []
    notes = _integrate(repo, NOTES_REF, heads.get(NOTES_REF), partial(_merge_notes, repo))
    state = _integrate(
        repo, STATE_REF, heads.get(STATE_REF), _merge_state_commits(repo, remote, conflicts)
    )
    return (notes, state), tuple(conflicts)


def pull(repo: Repo, remote: str = "origin") -> SyncResult:
    """Fetch the remote's notes and state ref and merge them into ours (a missing remote
    ref is a first run, not an error)."""
    _check_remote(repo, remote)
    pulled, conflicts = _pull(repo, remote)
    return SyncResult(remote, pulled, (), 0, conflicts)


def _push_once(repo: Repo, remote: str, refs: list[str]) -> tuple[list[RefOutcome], list[str]]:
    """One non-force push of ``refs``: the outcomes, and the rejections worth a retry.
    ``--no-verify``: the user's pre-push hook checks their commits, not our data."""
    specs = [f"{ref}:{ref}" for ref in refs]
    proc = repo.run("push", "--porcelain", "--no-verify", "--", remote, *specs)
    outcomes: list[RefOutcome] = []
    races: list[str] = []
    problems: list[str] = []
    for row in proc.stdout.decode(errors="replace").splitlines():
        parts = row.split("\t")
        if len(parts) < 3 or ":" not in parts[1]:
            continue
        flag, ref, summary = parts[0], parts[1].split(":", 1)[1], parts[2]
        if flag == "!":
            target = races if any(s in summary for s in _RACE_SIGNS) else problems
            target.append(f"{ref} {summary}")
        elif flag == "=":
            outcomes.append(RefOutcome(ref, "up-to-date"))
        elif flag == "*":
            outcomes.append(RefOutcome(ref, "new", _count(repo, None, ref)))
        else:
            old = summary.split("..")[0]
            outcomes.append(RefOutcome(ref, "pushed", _count(repo, old, ref)))
    if problems or (proc.returncode != 0 and not races):
        why = "; ".join(problems) or stderr_text(proc)
        raise GitError(f"cannot push to {remote!r}: {why}", file=str(repo.root))
    return outcomes, races


def push(
    repo: Repo,
    remote: str = "origin",
    # Four writers pushing in a tight loop needed up to 5 attempts (measured); a few
    # more leave room for a busier repository before giving up with an error.
    attempts: int = 8,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> SyncResult:
    """Push the notes and the state ref (never forced). When another writer got there
    first: pull, merge, wait a little (jittered) and try again, ``attempts`` times."""
    _check_remote(repo, remote)
    pulled: tuple[RefOutcome, ...] = ()
    conflicts: list[str] = []
    races: list[str] = []
    for attempt in range(1, max(1, attempts) + 1):
        refs = [ref for ref in SYNCED_REFS if state_head(repo, ref) is not None]
        if not refs:
            nothing = tuple(RefOutcome(ref, "nothing") for ref in SYNCED_REFS)
            return SyncResult(remote, pulled, nothing, attempt, tuple(conflicts))
        outcomes, races = _push_once(repo, remote, refs)
        if not races:
            for ref in refs:  # what the remote has now, for the next pull
                repo.git("update-ref", tracking_ref(remote, ref), ref)
            outcomes += [RefOutcome(r, "nothing") for r in SYNCED_REFS if r not in refs]
            pushed = tuple(sorted(outcomes, key=lambda o: SYNCED_REFS.index(o.ref)))
            return SyncResult(remote, pulled, pushed, attempt, tuple(conflicts))
        if attempt < attempts:
            sleep(backoff(attempt, base=0.1, cap=2.0))
            pulled, found = _pull(repo, remote)
            conflicts += found
    raise GitError(
        f"push to {remote!r} still rejected after {attempts} attempts "
        f"({'; '.join(races)}): other writers keep pushing; run `specweave-git state push` again",
        file=str(repo.root),
    )
