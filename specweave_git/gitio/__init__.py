"""Everything that touches git: the repository, change sets, blob contents (DESIGN §2, §3)."""

from __future__ import annotations

from ..model import Skipped
from .blobs import BlobReader, read_contents
from .changes import ChangeSet, FileChange, all_files, between, is_binary, staged
from .repo import (
    EMPTY_TREE,
    Identity,
    Repo,
    cache_dir,
    current_branch,
    deepen_until_merge_base,
    head,
    is_shallow,
    merge_base,
    open_repo,
    resolve,
    state_dir,
    user_identity,
)
from .run import git

__all__ = [
    "EMPTY_TREE",
    "BlobReader",
    "ChangeSet",
    "FileChange",
    "Identity",
    "Repo",
    "Skipped",
    "all_files",
    "between",
    "cache_dir",
    "current_branch",
    "deepen_until_merge_base",
    "git",
    "head",
    "is_binary",
    "is_shallow",
    "merge_base",
    "open_repo",
    "read_contents",
    "resolve",
    "staged",
    "state_dir",
    "user_identity",
]
