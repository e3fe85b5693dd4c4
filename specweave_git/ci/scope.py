"""The commit range a run checks, from the event and the inputs: fetched and deepened as needed."""

from __future__ import annotations

from ..errors import GitError
from ..gitio import repo as grepo
from ..gitio.repo import Repo
from ..record import FrozenRecord, set_field
from .event import Event
from .inputs import Inputs

_FETCH_HELP = "check out with actions/checkout and `fetch-depth: 0` so the history is there"


class Range(FrozenRecord):
    """``kind``: ``range`` (merge-base(base, head)..head, as a PR), ``all`` (the whole tree
    of ``head``, or of the work tree when head is None) or ``none`` (nothing to check).
    ``notes`` are lines for the log: what was fetched or deepened, and fallbacks taken."""

    __slots__ = ("base", "head", "kind", "notes", "reason")

    kind: str
    base: str | None
    head: str | None
    reason: str
    notes: tuple[str, ...]

    def __init__(
        self,
        kind: str,
        base: str | None,
        head: str | None,
        reason: str,
        notes: tuple[str, ...] = (),
    ) -> None:
        set_field(self, "kind", kind)
        set_field(self, "base", base)
        set_field(self, "head", head)
        set_field(self, "reason", reason)
        set_field(self, "notes", notes)


def _has_commit(repo: Repo, oid: str) -> bool:
    return repo.run("cat-file", "-e", f"{oid}^{{commit}}").returncode == 0


def _has_remote(repo: Repo, remote: str) -> bool:
    return repo.run("remote", "get-url", "--", remote).returncode == 0


def _fetch_commit(repo: Repo, oid: str, what: str, remote: str, notes: list[str]) -> bool:
    """Fetch one commit the clone lacks (a shallow or single-branch checkout); False when
    the remote cannot give it (a force-pushed-over commit, no remote)."""
    if _has_commit(repo, oid):
        return True
    if not _has_remote(repo, remote):
        return False
    depth = ("--depth=1",) if grepo.is_shallow(repo) else ()
    proc = repo.run("fetch", "--quiet", "--no-tags", *depth, "--", remote, oid)
    if proc.returncode != 0 or not _has_commit(repo, oid):
        return False
    notes.append(f"fetched {what} {oid[:12]} from {remote}")
    return True


def _need_commit(repo: Repo, oid: str, what: str, remote: str, notes: list[str]) -> None:
    if not _fetch_commit(repo, oid, what, remote, notes):
        raise GitError(
            f"{what} {oid} is not in this clone and could not be fetched from {remote!r}; "
            + _FETCH_HELP,
            file=str(repo.root),
        )


def _merge_base_known(repo: Repo, a: str, b: str) -> bool:
    return repo.run("merge-base", "--end-of-options", a, b).returncode == 0


def _with_history(repo: Repo, base: str, head: str, remote: str, notes: list[str]) -> None:
    """Make sure the merge base of ``base`` and ``head`` is in the clone: a shallow clone
    (actions/checkout's default depth 1) is deepened step by step until it shows up."""
    if _merge_base_known(repo, base, head) or not grepo.is_shallow(repo):
        return
    found = grepo.deepen_until_merge_base(repo, base, head, remote=remote)
    notes.append(
        f"deepened the shallow clone until the merge base {found[:12]} was found "
        "(actions/checkout with `fetch-depth: 0` avoids this)"
    )


def _branch_of(ref: str | None) -> str | None:
    return ref.removeprefix("refs/heads/") if ref and ref.startswith("refs/heads/") else None


def _new_branch(
    repo: Repo, event: Event, head: str, remote: str, notes: list[str], why: str
) -> Range:
    """A pushed branch with no previous tip: its commits since it left the default branch,
    else its last commit, else (a single root commit) the whole tree."""
    default = event.default_branch
    branch = _branch_of(event.ref)
    if default and branch != default:
        tracking = f"refs/remotes/{remote}/{default}"
        oid = repo.run("rev-parse", "-q", "--verify", f"{tracking}^{{commit}}")
        if oid.returncode == 0:
            base = oid.stdout.decode().strip()
            _with_history(repo, base, head, remote, notes)
            mb = grepo.find_merge_base(
                repo, base, head, base_name=f"{remote}/{default}", head_name=head
            )
            return Range(
                "range",
                mb,
                head,
                f"{why}: its commits since it left {remote}/{default} ({mb[:12]}..{head[:12]})",
                tuple(notes),
            )
        notes.append(f"{remote}/{default} is not in this clone; comparing with the parent")
    parents = repo.git("rev-list", "--parents", "-n", "1", head).decode().split()[1:]
    if not parents and grepo.is_shallow(repo) and _has_remote(repo, remote):
        repo.run("fetch", "--quiet", "--no-tags", "--deepen=1", "--", remote)
        parents = repo.git("rev-list", "--parents", "-n", "1", head).decode().split()[1:]
    if parents:
        return Range(
            "range",
            parents[0],
            head,
            f"{why}: its last commit ({head[:12]}~1..{head[:12]}; no default branch to "
            "compare with)",
            tuple(notes),
        )
    return Range("all", None, head, f"{why}: the whole tree of {head[:12]}", tuple(notes))


def _push(repo: Repo, event: Event, remote: str, notes: list[str]) -> Range:
    assert event.before is not None and event.after is not None
    if event.deleted:
        return Range("none", None, None, f"the push deletes {event.ref or 'a ref'}", ())
    head = event.after
    _need_commit(repo, head, "the pushed commit", remote, notes)
    if event.new_branch:
        return _new_branch(repo, event, head, remote, notes, "a new branch")
    if not _fetch_commit(repo, event.before, "the previous tip", remote, notes):
        return _new_branch(
            repo,
            event,
            head,
            remote,
            notes,
            f"the previous tip {event.before[:12]} is gone (a force push?)",
        )
    _with_history(repo, event.before, head, remote, notes)
    return Range(
        "range",
        event.before,
        head,
        f"the pushed commits {event.before[:12]}..{head[:12]}",
        tuple(notes),
    )


def _resolve_input(repo: Repo, ref: str, what: str, remote: str, notes: list[str]) -> str:
    """A ref given as an input: as it is, else as a branch of ``remote`` (a CI checkout
    has ``origin/main`` but no ``main``), else fetched from ``remote``."""
    try:
        return grepo.resolve(repo, ref)
    except GitError as first:
        tracking = f"refs/remotes/{remote}/{ref}"
        if repo.run("rev-parse", "-q", "--verify", f"{tracking}^{{commit}}").returncode == 0:
            return grepo.resolve(repo, tracking)
        if _has_remote(repo, remote):
            proc = repo.run("fetch", "--quiet", "--no-tags", "--", remote, ref)
            if proc.returncode == 0:
                notes.append(f"fetched {what} {ref!r} from {remote}")
                return grepo.resolve(repo, "FETCH_HEAD")
        raise GitError(f"{first.message} (the {what} input)", file=str(repo.root)) from first


def resolve_range(repo: Repo, event: Event, inputs: Inputs, remote: str = "origin") -> Range:
    """What to check. The ``base``/``head`` inputs win over the event; a pull request (or
    merge queue group) checks base...head; a push its new commits; anything else the
    whole tree that is checked out."""
    notes: list[str] = []
    if inputs.base:
        head_ref = inputs.head or event.head or (None if event.deleted else event.after)
        base = _resolve_input(repo, inputs.base, "base", remote, notes)
        head = _resolve_input(repo, head_ref or "HEAD", "head", remote, notes)
        _with_history(repo, base, head, remote, notes)
        return Range(
            "range",
            base,
            head,
            f"{inputs.base}...{head_ref or 'HEAD'} (the base input)",
            tuple(notes),
        )
    if event.kind in ("pull_request", "merge_group"):
        assert event.base is not None and event.head is not None
        _need_commit(repo, event.base, "the base commit", remote, notes)
        _need_commit(repo, event.head, "the head commit", remote, notes)
        _with_history(repo, event.base, event.head, remote, notes)
        what = f"pull request #{event.pr_number}" if event.pr_number else "the merge group"
        return Range(
            "range",
            event.base,
            event.head,
            f"{what}: {event.base[:12]}...{event.head[:12]}",
            tuple(notes),
        )
    if event.kind == "push":
        return _push(repo, event, remote, notes)
    why = f"a {event.name} run" if event.name else "no GitHub event"
    return Range("all", None, None, f"{why}: the whole working tree", ())
