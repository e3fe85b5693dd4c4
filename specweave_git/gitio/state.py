"""The state ref ``refs/specweave/state``: a commit whose tree holds JSON/JSONL files."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import TypeAlias

from ..errors import CommandError, GitError, UsageError
from .repo import ZERO_OID, Repo
from .run import git as _git
from .run import run as _run
from .run import split_z

STATE_REF = "refs/specweave/state"

# Who commits when git knows nobody (CI runners have no user.name): the state is data
# the tool records, so a tool identity is the honest author there.
FALLBACK_NAME = "specweave-git"
FALLBACK_EMAIL = "specweave-git@users.noreply.github.com"

# Local writers racing for the ref: each lost compare-and-swap re-reads and re-applies.
_LOCAL_ATTEMPTS = 50

# What one update does to the files, computed against the state it finds: given a
# reader of the current files, the changes (path -> new bytes, None deletes).
Change: TypeAlias = "Callable[[Callable[[str], bytes | None]], Mapping[str, bytes | None]]"


def check_path(path: str) -> str:
    """A state file path: relative, ``/``-separated, no empty, ``.`` or ``..`` parts."""
    parts = path.split("/")
    if (
        not path
        or any(p in ("", ".", "..") for p in parts)
        or any(c in path for c in "\0\n\r\\")
        or parts[0] == ".git"
    ):
        raise UsageError(f"invalid state file path {path!r}", pointer=STATE_REF)
    return path


def state_head(repo: Repo, ref: str = STATE_REF) -> str | None:
    """The commit ``ref`` points at, None when it does not exist yet."""
    proc = repo.run("rev-parse", "-q", "--verify", f"{ref}^{{commit}}")
    return proc.stdout.decode().strip() if proc.returncode == 0 else None


def _read_at(repo: Repo, commit: str | None, path: str) -> bytes | None:
    if commit is None:
        return None
    proc = repo.run("cat-file", "blob", f"{commit}:{check_path(path)}")
    return proc.stdout if proc.returncode == 0 else None


def read_state_file(repo: Repo, path: str) -> bytes | None:
    """The content of ``path`` in the state ref, None when the file or the ref is missing."""
    return _read_at(repo, state_head(repo), path)


def _ls_tree(repo: Repo, commit: str) -> dict[str, str]:
    """path -> blob id of every file in ``commit``'s tree."""
    out = repo.git("ls-tree", "-r", "-z", "--full-tree", commit)
    files: dict[str, str] = {}
    for row in split_z(out):
        meta, _, path = row.partition("\t")
        _mode, kind, oid = meta.split()
        if kind == "blob":
            files[path] = oid
    return files


def list_state_files(repo: Repo, prefix: str = "") -> list[str]:
    """Paths of the state files starting with ``prefix``, sorted; [] without a state ref."""
    commit = state_head(repo)
    if commit is None:
        return []
    return sorted(p for p in _ls_tree(repo, commit) if p.startswith(prefix))


def read_trees(repo: Repo, *commits: str | None) -> list[dict[str, bytes]]:
    """Every file of each commit's tree with its content ({} for None): one ``ls-tree`` a
    commit, one ``cat-file --batch`` for all the blobs."""
    listings = [_ls_tree(repo, c) if c is not None else {} for c in commits]
    oids = [oid for files in listings for oid in files.values()]
    if not oids:
        return [{} for _ in listings]
    from .blobs import BlobReader

    with BlobReader(repo) as reader:
        blobs = reader.read_many(oids)
    return [{path: blobs[oid] for path, oid in files.items()} for files in listings]


def commit_env(repo: Repo) -> dict[str, str]:
    """``GIT_AUTHOR_*``/``GIT_COMMITTER_*`` to set for a commit this tool makes: empty for
    a role git has a configured identity for, the fixed tool identity otherwise."""
    found: dict[str, str] = {}
    proc = repo.run("config", "--get-regexp", r"^(user|author|committer)\.(name|email)$")
    for line in proc.stdout.decode(errors="replace").splitlines():
        key, _, value = line.partition(" ")
        found[key] = value
    env: dict[str, str] = {}
    for role in ("author", "committer"):
        upper = role.upper()
        name = (
            os.environ.get(f"GIT_{upper}_NAME")
            or found.get(f"{role}.name")
            or found.get("user.name")
        )
        email = (
            os.environ.get(f"GIT_{upper}_EMAIL")
            or found.get(f"{role}.email")
            or found.get("user.email")
        )
        if not (name and email):
            env[f"GIT_{upper}_NAME"] = FALLBACK_NAME
            env[f"GIT_{upper}_EMAIL"] = FALLBACK_EMAIL
    return env


def build_tree(repo: Repo, commit: str | None, changes: Mapping[str, bytes | None]) -> str:
    """The tree of ``commit`` (empty for None) with ``changes`` applied, written to the
    object database through a temporary index: the work tree and the user's index are
    never touched."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="specweave-state-") as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        _git(
            "read-tree", f"{commit}^{{tree}}" if commit else "--empty", cwd=repo.root, env_extra=env
        )
        written = [(check_path(p), data) for p, data in changes.items() if data is not None]
        oids: list[str] = []
        if written:
            # One hash-object for all blobs; --no-filters: state files are stored verbatim.
            names = []
            for i, (_, data) in enumerate(written):
                name = Path(tmp) / f"blob-{i}"
                name.write_bytes(data)
                names.append(str(name))
            out = _git(
                "hash-object",
                "-w",
                "--no-filters",
                "--stdin-paths",
                cwd=repo.root,
                input="".join(f"{n}\n" for n in names).encode(),
            )
            oids = out.decode().split()
        records = [f"100644 {oid}\t{path}" for (path, _), oid in zip(written, oids, strict=True)]
        records += [f"0 {ZERO_OID}\t{check_path(p)}" for p, d in changes.items() if d is None]
        if records:
            _git(
                "update-index",
                "-z",
                "--index-info",
                cwd=repo.root,
                env_extra=env,
                input="".join(f"{r}\0" for r in records).encode(),
            )
        return _git("write-tree", cwd=repo.root, env_extra=env).decode().strip()


def commit_tree(repo: Repo, tree: str, parents: Sequence[str], message: str) -> str:
    """A commit of ``tree`` with ``parents``, by the repository's identity or the tool's."""
    args = ["commit-tree", tree]
    for parent in parents:
        args += ["-p", parent]
    out = _git(*args, cwd=repo.root, env_extra=commit_env(repo), input=message.encode())
    return out.decode().strip()


def compare_and_swap(repo: Repo, ref: str, new: str, old: str | None, message: str) -> bool:
    """Point ``ref`` at ``new`` if it still points at ``old`` (None: does not exist yet).
    False when another writer got there first (the caller re-reads and tries again)."""
    proc = _run("update-ref", "-m", message, ref, new, old or ZERO_OID, cwd=repo.root)
    if proc.returncode == 0:
        return True
    if state_head(repo, ref) != old or b"lock" in proc.stderr:
        return False
    raise CommandError(list(proc.args), proc.returncode, proc.stdout, proc.stderr)


def backoff(attempt: int, base: float = 0.01, cap: float = 1.0) -> float:
    """Seconds to wait before retry ``attempt`` (1-based): exponential, jittered."""
    return min(cap, base * 2.0 ** (attempt - 1)) * random.uniform(0.5, 1.5)  # noqa: S311


def change_state(repo: Repo, change: Change, message: str) -> str:
    """Apply ``change`` to the state ref atomically; returns the new commit (or the old one
    when nothing changed). A lost race re-reads the ref and re-applies ``change``."""
    for attempt in range(1, _LOCAL_ATTEMPTS + 1):
        old = state_head(repo)
        changes = change(partial(_read_at, repo, old))
        tree = build_tree(repo, old, changes)
        if old is not None and tree == _tree_of(repo, old):
            return old
        new = commit_tree(repo, tree, [old] if old else [], message)
        if compare_and_swap(repo, STATE_REF, new, old, message):
            return new
        time.sleep(backoff(attempt))
    raise GitError(
        f"could not update {STATE_REF}: other local writers kept changing it "
        f"({_LOCAL_ATTEMPTS} attempts)",
        file=str(repo.root),
    )


def _tree_of(repo: Repo, commit: str) -> str:
    return repo.git("rev-parse", f"{commit}^{{tree}}").decode().strip()


def update_state(repo: Repo, changes: Mapping[str, bytes | None], message: str) -> str:
    """Write (bytes) or delete (None) state files in one commit; returns the commit id."""
    fixed = {check_path(p): d for p, d in changes.items()}
    return change_state(repo, lambda _read: fixed, message)


def append_state_lines(repo: Repo, path: str, lines: Sequence[str], message: str) -> str:
    """Append ``lines`` (JSONL records, no line breaks) to the state file ``path``.

    The append is re-applied to whatever the file holds when the commit lands, so
    concurrent local appenders lose nothing.
    """
    check_path(path)
    for line in lines:
        if "\n" in line or "\r" in line:
            raise UsageError(f"a JSONL line cannot contain a line break: {line!r}", file=path)
    added = "".join(f"{line}\n" for line in lines).encode("utf-8")

    def change(read: Callable[[str], bytes | None]) -> Mapping[str, bytes | None]:
        old = read(path) or b""
        if old and not old.endswith(b"\n"):
            old += b"\n"
        return {path: old + added}

    return change_state(repo, change, message)
