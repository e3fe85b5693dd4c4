"""What a push sends: the from/to refs of a pre-push hook turned into the scope to check."""

from __future__ import annotations

from ..record import FrozenRecord, set_field
from .repo import ZERO_OID, Repo, resolve


class PushScope(FrozenRecord):
    """``kind`` is ``range`` (base..head, as a pull request), ``all`` (the whole tree of
    ``head``: the push brings a history the remote has none of) or ``none`` (nothing new
    to check: a branch deletion, or commits the remote already has)."""

    __slots__ = ("base", "head", "kind", "reason")

    kind: str
    base: str | None
    head: str | None
    reason: str  # one line for the user: what is checked and why

    def __init__(self, kind: str, base: str | None, head: str | None, reason: str) -> None:
        set_field(self, "kind", kind)
        set_field(self, "base", base)
        set_field(self, "head", head)
        set_field(self, "reason", reason)


def _exists(repo: Repo, oid: str) -> bool:
    proc = repo.run("cat-file", "-e", f"{oid}^{{commit}}")
    return proc.returncode == 0


def push_scope(
    repo: Repo, from_ref: str | None, to_ref: str | None, remote: str | None = None
) -> PushScope:
    """The scope of a push from ``from_ref`` (what the remote has) to ``to_ref``.

    pre-commit passes both refs for an update of a branch the remote has, and neither
    when the pushed history has no commit in common with the remote (it then runs its
    hooks on all files): that is the whole tree of ``to_ref`` (HEAD when not given).
    Other hook runners pass the zero id as ``from_ref`` for a new branch; like pre-commit
    we then check from the parent of the first commit no remote-tracking branch has, so a
    new branch forked from main is checked for its own commits only.
    """
    from_ref = (from_ref or "").strip() or None
    to_ref = (to_ref or "").strip() or None
    if to_ref == ZERO_OID:
        return PushScope("none", None, None, "the push deletes a branch")
    head = resolve(repo, to_ref or "HEAD")
    if from_ref is None:
        return PushScope("all", None, head, f"the whole tree of {head[:12]} (a new history)")
    if from_ref != ZERO_OID and _exists(repo, from_ref):
        base = resolve(repo, from_ref)
        return PushScope("range", base, head, f"the pushed commits {base[:12]}..{head[:12]}")
    # A new branch, or a remote commit we have not fetched (a force push over it): check
    # the commits no remote-tracking branch has.
    remotes = f"--remotes={remote}" if remote else "--remotes"
    out = repo.git("rev-list", "--topo-order", "--reverse", head, "--not", remotes)
    new = out.decode().split()
    if not new:
        return PushScope("none", None, head, "every pushed commit is on the remote already")
    parents = repo.git("rev-list", "--parents", "-n", "1", new[0]).decode().split()[1:]
    if not parents:
        return PushScope("all", None, head, f"the whole tree of {head[:12]} (a new history)")
    base = parents[0]
    return PushScope("range", base, head, f"the new commits {base[:12]}..{head[:12]}")
