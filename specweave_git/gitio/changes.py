"""Change sets: which files a staged change, a range (three-dot) or the whole tree holds."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Literal

from ..errors import GitError
from ..model import Skipped
from ..record import FrozenRecord, set_field
from . import repo as _repo
from .repo import EMPTY_TREE, ZERO_OID, Repo
from .run import split_z

Status = Literal["A", "M", "D", "R"]
Kind = Literal["staged", "range", "all"]

_DIFF_OPTS = ("-z", "-M", "--raw", "--no-ext-diff", "--no-textconv")
_SYMLINK, _SUBMODULE = "120000", "160000"
BINARY_SNIFF_BYTES = 8000  # git's buffer_is_binary() looks at the first 8000 bytes


class FileChange(FrozenRecord):
    """One file of a change set; ``old_*`` is None for an add, ``new_*`` for a delete.

    ``worktree`` is true when the new side is a file in the work tree that git has hashed
    but not stored (``all_files()`` of the working tree): its ``new_blob`` is the id the
    content *would* get, and its content is read from ``repo.root / path``, not from the
    object database (see ``blobs.read_contents``).
    """

    __slots__ = (
        "new_blob",
        "new_mode",
        "old_blob",
        "old_mode",
        "old_path",
        "path",
        "similarity",
        "status",
        "worktree",
    )

    status: Status
    path: str  # new path, relative to the repository root, forward slashes
    old_path: str | None  # the path before, for a rename (and for D/M the same path)
    old_blob: str | None
    new_blob: str | None
    old_mode: str | None
    new_mode: str | None
    similarity: int | None  # rename similarity in percent
    worktree: bool

    def __init__(
        self,
        status: Status,
        path: str,
        old_path: str | None = None,
        old_blob: str | None = None,
        new_blob: str | None = None,
        old_mode: str | None = None,
        new_mode: str | None = None,
        similarity: int | None = None,
        worktree: bool = False,
    ) -> None:
        set_field(self, "status", status)
        set_field(self, "path", path)
        set_field(self, "old_path", old_path)
        set_field(self, "old_blob", old_blob)
        set_field(self, "new_blob", new_blob)
        set_field(self, "old_mode", old_mode)
        set_field(self, "new_mode", new_mode)
        set_field(self, "similarity", similarity)
        set_field(self, "worktree", worktree)


class ChangeSet(FrozenRecord):
    """``base``/``head`` are commit ids: for a range, base is the merge base the diff starts
    from; for staged, base is HEAD (None when unborn) and head None (the index); for all,
    head is the commit listed (None for the working tree)."""

    __slots__ = ("base", "changes", "head", "kind", "skipped")

    kind: Kind
    base: str | None
    head: str | None
    changes: tuple[FileChange, ...]
    skipped: tuple[Skipped, ...]

    def __init__(
        self,
        kind: Kind,
        base: str | None,
        head: str | None,
        changes: tuple[FileChange, ...],
        skipped: tuple[Skipped, ...] = (),
    ) -> None:
        set_field(self, "kind", kind)
        set_field(self, "base", base)
        set_field(self, "head", head)
        set_field(self, "changes", changes)
        set_field(self, "skipped", skipped)

    def paths(self) -> tuple[str, ...]:
        return tuple(c.path for c in self.changes)


def is_binary(content: bytes) -> bool:
    """Git's rule: a NUL byte in the first 8000 bytes makes a file binary."""
    return b"\0" in content[:BINARY_SNIFF_BYTES]


def _regular(mode: str | None) -> bool:
    return mode is not None and mode.startswith("100")


def _special(mode: str) -> str:
    return {_SYMLINK: "symlink", _SUBMODULE: "submodule"}.get(mode, f"mode {mode}")


def _oid(value: str) -> str | None:
    return None if value == ZERO_OID else value


def parse_raw(out: bytes) -> tuple[list[FileChange], list[Skipped]]:
    """Parse ``git diff-* --raw -z -M`` output into changes and skipped paths."""
    items = split_z(out)
    changes: list[FileChange] = []
    skipped: list[Skipped] = []
    i = 0
    while i < len(items):
        meta = items[i].lstrip(":").split(" ")
        if len(meta) != 5:
            raise GitError(f"unexpected `git diff --raw` record {items[i]!r}")
        old_mode, new_mode, old_oid, new_oid, status = meta
        letter = status[0]
        if letter in "RC":
            old_path, path = items[i + 1], items[i + 2]
            i += 3
        else:
            old_path = path = items[i + 1]
            i += 2
        changes_or_skip = _classify(
            letter, path, old_path, old_mode, new_mode, old_oid, new_oid, status[1:]
        )
        for entry in changes_or_skip:
            if isinstance(entry, FileChange):
                changes.append(entry)
            else:
                skipped.append(entry)
    return changes, skipped


def _classify(
    letter: str,
    path: str,
    old_path: str,
    old_mode: str,
    new_mode: str,
    old_oid: str,
    new_oid: str,
    score: str,
) -> list[FileChange | Skipped]:
    if letter == "U":
        return [Skipped(path, "unmerged (resolve the conflict first)")]
    if letter == "X" or letter not in "AMDTRC":
        return [Skipped(path, f"unknown diff status {letter!r}")]
    old_ok = letter != "A" and _regular(old_mode)
    new_ok = letter != "D" and _regular(new_mode)
    out: list[FileChange | Skipped] = []
    if letter != "A" and not old_ok:
        out.append(Skipped(old_path, f"{_special(old_mode)} before the change"))
    if letter != "D" and not new_ok:
        out.append(Skipped(path, f"{_special(new_mode)} after the change"))
    if old_ok and new_ok and letter in "MTR":
        # Both sides are regular files: a content/mode change or a rename. (A type change,
        # T, always has a symlink or submodule on one side; that side counts as absent, so
        # T becomes a delete or an add below, and the special side is listed as skipped.)
        out.append(
            FileChange(
                "R" if letter == "R" else "M",
                path,
                old_path=old_path,
                old_blob=_oid(old_oid),
                new_blob=_oid(new_oid),
                old_mode=old_mode,
                new_mode=new_mode,
                similarity=int(score or 0) if letter == "R" else None,
            )
        )
        return out
    # Whatever is left is one side only: a delete, an add, a copy (only with -C, an add
    # that resembles another file), or half of a change whose other side is special.
    if old_ok and letter != "C":
        out.append(FileChange("D", old_path, old_path, _oid(old_oid), None, old_mode, None))
    if new_ok:
        out.append(FileChange("A", path, None, None, _oid(new_oid), None, new_mode))
    return out


def staged(repo: Repo) -> ChangeSet:
    """The index against HEAD (against the empty tree on an unborn branch)."""
    base = _repo.head(repo)
    out = repo.git("diff-index", "--cached", *_DIFF_OPTS, base or EMPTY_TREE, "--")
    changes, skipped = parse_raw(out)
    return ChangeSet("staged", base, None, tuple(changes), tuple(skipped))


def between(repo: Repo, base: str, head: str = "HEAD", *, deepen: bool = False) -> ChangeSet:
    """What ``head`` changed since it left ``base``: merge-base(base, head)..head, as a PR."""
    a = _repo.resolve(repo, base)
    b = _repo.resolve(repo, head)
    mb = _repo.find_merge_base(repo, a, b, base_name=base, head_name=head, deepen=deepen)
    out = repo.git("diff-tree", "-r", *_DIFF_OPTS, mb, b, "--")
    changes, skipped = parse_raw(out)
    return ChangeSet("range", mb, b, tuple(changes), tuple(skipped))


def all_files(repo: Repo, ref: str | None = None) -> ChangeSet:
    """Every file, as an add: of commit ``ref``, or (None) of the working tree as it is now."""
    if ref is not None:
        commit = _repo.resolve(repo, ref)
        out = repo.git("ls-tree", "-r", "-z", "--full-tree", commit)
        entries = []
        for item in split_z(out):
            meta, _, path = item.partition("\t")
            mode, _type, oid = meta.split(" ")
            entries.append((mode, oid, path))
        changes, skipped = _as_adds(entries)
        return ChangeSet("all", None, commit, tuple(changes), tuple(skipped))
    return _working_tree(repo)


def _as_adds(entries: list[tuple[str, str, str]]) -> tuple[list[FileChange], list[Skipped]]:
    changes: list[FileChange] = []
    skipped: list[Skipped] = []
    for mode, oid, path in entries:
        if _regular(mode):
            changes.append(FileChange("A", path, new_blob=oid, new_mode=mode))
        else:
            skipped.append(Skipped(path, _special(mode)))
    return changes, skipped


def _working_tree(repo: Repo) -> ChangeSet:
    index: dict[str, tuple[str, str]] = {}  # path -> (mode, oid) of stage 0
    unmerged: set[str] = set()
    for item in split_z(repo.git("ls-files", "-s", "-z")):
        meta, _, path = item.partition("\t")
        mode, oid, stage = meta.split(" ")
        if stage == "0":
            index[path] = (mode, oid)
        else:
            unmerged.add(path)  # the work-tree file (with conflict markers) is what is there
    dirty = set(split_z(repo.git("diff-files", "-z", "--name-only", "--"))) | unmerged
    untracked = split_z(repo.git("ls-files", "--others", "--exclude-standard", "-z"))

    changes: list[FileChange] = []
    skipped: list[Skipped] = []
    to_hash: list[tuple[str, str]] = []  # (path, mode) of files to hash from disk
    for path in sorted(set(index) | unmerged):
        mode, oid = index.get(path, ("100644", ZERO_OID))
        if path not in dirty:
            if _regular(mode):
                changes.append(FileChange("A", path, new_blob=oid, new_mode=mode))
            else:
                skipped.append(Skipped(path, _special(mode)))
            continue
        disk_mode = _disk_mode(repo.root / path)
        if disk_mode is None:
            continue  # deleted in the work tree: not part of the tree as it is now
        if disk_mode == "":
            skipped.append(Skipped(path, f"{_disk_kind(repo.root / path)} in the work tree"))
            continue
        to_hash.append((path, disk_mode))
    for path in untracked:
        disk_mode = _disk_mode(repo.root / path)
        if path.endswith("/") or not disk_mode:
            # ls-files lists an untracked nested repository as "dir/".
            kind = "nested repository" if path.endswith("/") else _disk_kind(repo.root / path)
            skipped.append(Skipped(path.rstrip("/"), f"untracked {kind}"))
            continue
        to_hash.append((path, disk_mode))
    for path, _mode in [e for e in to_hash if "\n" in e[0]]:
        # `hash-object --stdin-paths` reads one path per line and has no -z.
        skipped.append(Skipped(path, "a newline in the file name"))
    to_hash = [e for e in to_hash if "\n" not in e[0]]
    if to_hash:
        stdin = "".join(f"{p}\n" for p, _ in to_hash).encode("utf-8", "surrogateescape")
        oids = repo.git("hash-object", "--stdin-paths", input=stdin).decode().split()
        if len(oids) != len(to_hash):
            raise GitError("`git hash-object --stdin-paths` returned a short answer")
        for (path, mode), oid in zip(to_hash, oids, strict=True):
            changes.append(FileChange("A", path, new_blob=oid, new_mode=mode, worktree=True))
    changes.sort(key=lambda c: c.path)
    return ChangeSet("all", None, None, tuple(changes), tuple(skipped))


def _disk_mode(path: Path) -> str | None:
    """'100644'/'100755' for a regular file, '' for anything else, None when missing."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return ""
    return "100755" if st.st_mode & stat.S_IXUSR else "100644"


def _disk_kind(path: Path) -> str:
    if path.is_symlink():
        return "symlink"
    return "directory" if path.is_dir() else "special file"
