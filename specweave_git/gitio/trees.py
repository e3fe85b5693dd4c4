"""Whole trees as (path, blob id) pairs: a commit's tree, or the index."""

from __future__ import annotations

from .repo import Repo
from .run import split_z

_REGULAR = ("100644", "100755")


def tree_entries(repo: Repo, commit: str | None) -> list[tuple[str, str]]:
    """Regular files of ``commit`` (None: an unborn branch, no files)."""
    if commit is None:
        return []
    out: list[tuple[str, str]] = []
    for item in split_z(repo.git("ls-tree", "-r", "-z", "--full-tree", commit)):
        meta, _, path = item.partition("\t")
        mode, _type, oid = meta.split(" ")
        if mode in _REGULAR:
            out.append((path, oid))
    return out


def index_entries(repo: Repo) -> list[tuple[str, str]]:
    """Regular files of the index (stage 0), as the next commit would hold them."""
    out: list[tuple[str, str]] = []
    for item in split_z(repo.git("ls-files", "-s", "-z")):
        meta, _, path = item.partition("\t")
        mode, oid, stage = meta.split(" ")
        if stage == "0" and mode in _REGULAR:
            out.append((path, oid))
    return out
