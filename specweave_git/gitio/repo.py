"""The repository: where it is, HEAD, refs, merge bases (shallow clones), identity, state dirs."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from ..errors import CommandError, GitError
from ..record import FrozenRecord, set_field
from . import run as _run

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
ZERO_OID = "0" * 40

# What git says when an object it needs is missing or unreadable: a state of the
# repository (exit 2), not a bug of ours (exit 3).
_DAMAGE = (
    b"bad object",
    b"bad tree object",
    b"unable to read",
    b"is corrupt",
    b"missing blob",
    b"missing tree",
    b"invalid object",
    b"inflate",
    b"packfile",
)

_SHALLOW_HELP = (
    "fetch more history: in GitHub Actions use actions/checkout with `fetch-depth: 0`, "
    "elsewhere `git fetch --deepen=N` (or `--unshallow`), or pass --deepen to let "
    "specweave-git deepen the clone until the merge base is found"
)


class Repo(FrozenRecord):
    __slots__ = ("common_dir", "git_dir", "index_file", "root")

    root: Path  # top level of the work tree
    git_dir: Path  # per-worktree git directory (.git, or .git/worktrees/NAME)
    common_dir: Path  # shared by every worktree (objects, refs, config)
    index_file: Path | None  # inherited GIT_INDEX_FILE, absolute (a hook's index)

    def __init__(
        self, root: Path, git_dir: Path, common_dir: Path, index_file: Path | None = None
    ) -> None:
        set_field(self, "root", root)
        set_field(self, "git_dir", git_dir)
        set_field(self, "common_dir", common_dir)
        set_field(self, "index_file", index_file)

    @property
    def env(self) -> dict[str, str]:
        return {"GIT_INDEX_FILE": str(self.index_file)} if self.index_file else {}

    def git(self, *args: str, input: bytes | None = None) -> bytes:
        """``git ARGS`` at the top level; a failure raises ``CommandError``, or
        ``GitError`` (exit 2) when git says the repository itself is damaged."""
        proc = self.run(*args, input=input)
        if proc.returncode == 0:
            return proc.stdout
        err = _run.stderr_text(proc)
        if any(sign in proc.stderr for sign in _DAMAGE):
            raise GitError(
                f"the repository is damaged or incomplete ({err}; from `git {args[0]}`); "
                "`git fsck` shows what is missing",
                file=str(self.root),
            )
        raise CommandError(list(proc.args), proc.returncode, proc.stdout, proc.stderr)

    def run(self, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        """``git ARGS`` at the top level, whatever its exit code."""
        return _run.run(*args, cwd=self.root, input=input, env_extra=self.env)


def open_repo(path: Path | None = None) -> Repo:
    """The repository containing ``path`` (default: the current directory)."""
    start = Path.cwd() if path is None else Path(path).absolute()
    if not start.is_dir():
        why = "not a directory" if start.exists() else "no such directory"
        raise GitError(why, file=str(start))
    proc = _run.run(
        "rev-parse",
        "--path-format=absolute",
        "--show-toplevel",
        "--absolute-git-dir",
        "--git-common-dir",
        cwd=start,
    )
    if proc.returncode != 0:
        err = _run.stderr_text(proc)
        if err.startswith("not a git repository: "):
            # A .git file (worktree, submodule) pointing at a directory that is gone.
            raise GitError(f"broken git link: {err}", file=str(start))
        if "not a git repository" in err:
            raise GitError("not a git repository (or any parent directory)", file=str(start))
        if "must be run in a work tree" in err:
            raise GitError(
                "no work tree here (a bare repository, or inside the .git directory)",
                file=str(start),
            )
        raise GitError(f"cannot open the git repository: {err}", file=str(start))
    lines = proc.stdout.decode(errors="surrogateescape").splitlines()
    if len(lines) != 3:
        raise GitError(f"unexpected `git rev-parse` output {lines!r}", file=str(start))
    root, git_dir, common_dir = (Path(line) for line in lines)
    index = _run.index_file_env(root).get("GIT_INDEX_FILE")
    return Repo(root, git_dir, common_dir, Path(index) if index else None)


def head(repo: Repo) -> str | None:
    """The commit HEAD points at, or None on an unborn branch (no commits yet)."""
    # Not HEAD^{commit}: that also fails when the commit object is missing, and a damaged
    # repository must not pass for an empty one. A missing object fails the next command.
    proc = repo.run("rev-parse", "-q", "--verify", "HEAD")
    return proc.stdout.decode().strip() if proc.returncode == 0 else None


def current_branch(repo: Repo) -> str | None:
    """The branch HEAD points to (also when unborn), None when HEAD is detached."""
    proc = repo.run("symbolic-ref", "-q", "--short", "HEAD")
    return proc.stdout.decode().strip() if proc.returncode == 0 else None


def _check_ref_syntax(repo: Repo, ref: str) -> None:
    if not ref.strip():
        raise GitError("empty ref: give a branch, tag or commit", file=str(repo.root))
    if ref.startswith("-"):
        # Would be read as an option by git; refs cannot start with '-'.
        raise GitError(f"invalid ref {ref!r}: a ref cannot start with '-'", file=str(repo.root))
    if "\0" in ref or "\n" in ref:
        raise GitError(f"invalid ref {ref!r}: contains a control character", file=str(repo.root))


def resolve(repo: Repo, ref: str) -> str:
    """The commit id ``ref`` names; a clear ``GitError`` naming the ref otherwise."""
    _check_ref_syntax(repo, ref)
    proc = repo.run("rev-parse", "-q", "--verify", "--end-of-options", f"{ref}^{{commit}}")
    if proc.returncode == 0:
        return proc.stdout.decode().strip()
    # Why not: an object that is not a commit, an unborn HEAD, or nothing at all.
    anything = repo.run("rev-parse", "-q", "--verify", "--end-of-options", ref)
    if anything.returncode == 0:
        oid = anything.stdout.decode().strip()
        kind = repo.run("cat-file", "-t", oid).stdout.decode().strip()
        if not kind and oid == ref.lower():
            # A full object id is "verified" without looking it up; it just is not here.
            raise GitError(
                f"unknown ref {ref!r}: no such commit in this repository "
                "(if it lives on a remote, fetch it first)",
                file=str(repo.root),
            )
        if not kind:
            raise GitError(
                f"ref {ref!r} points to object {oid}, which is missing from the repository "
                "(damaged or incomplete clone; `git fsck` shows more)",
                file=str(repo.root),
            )
        raise GitError(
            f"ref {ref!r} names a {kind} ({oid[:12]}), not a commit", file=str(repo.root)
        )
    if ref.split("~")[0].split("^")[0] in ("HEAD", "@") and head(repo) is None:
        branch = current_branch(repo)
        raise GitError(
            f"ref {ref!r}: no commits yet (branch {branch or 'HEAD'!r} is unborn); "
            "commit first, or use --staged",
            file=str(repo.root),
        )
    raise GitError(
        f"unknown ref {ref!r}: not a branch, tag or commit in this repository "
        "(if it lives on a remote, fetch it first)",
        file=str(repo.root),
    )


def is_shallow(repo: Repo) -> bool:
    out = repo.git("rev-parse", "--is-shallow-repository")
    return out.decode().strip() == "true"


def _merge_base_or_none(repo: Repo, a: str, b: str) -> str | None:
    proc = repo.run("merge-base", "--end-of-options", a, b)
    if proc.returncode == 0:
        return proc.stdout.decode().split()[0]
    if proc.returncode == 1 and not proc.stderr.strip():
        return None  # no common ancestor (in the history we have)
    raise GitError(f"git merge-base {a} {b} failed: {_run.stderr_text(proc)}", file=str(repo.root))


def _no_merge_base(repo: Repo, base: str, head_ref: str, extra: str = "") -> GitError:
    if is_shallow(repo):
        return GitError(
            f"no merge base between {base!r} and {head_ref!r} in this shallow clone{extra}; "
            + _SHALLOW_HELP,
            file=str(repo.root),
        )
    return GitError(
        f"no merge base between {base!r} and {head_ref!r}: their histories are unrelated",
        file=str(repo.root),
    )


def merge_base(repo: Repo, base: str, head_ref: str = "HEAD", *, deepen: bool = False) -> str:
    """The merge base of two refs (what a pull request's three-dot diff starts from)."""
    a, b = resolve(repo, base), resolve(repo, head_ref)
    return find_merge_base(repo, a, b, base_name=base, head_name=head_ref, deepen=deepen)


def find_merge_base(
    repo: Repo, a: str, b: str, *, base_name: str, head_name: str, deepen: bool = False
) -> str:
    """The merge base of two resolved commits; the names are for the error message."""
    found = _merge_base_or_none(repo, a, b)
    if found is None and deepen:
        return _deepen(repo, a, b, base_name, head_name)
    if found is None:
        raise _no_merge_base(repo, base_name, head_name)
    return found


def deepen_until_merge_base(
    repo: Repo,
    base: str,
    head_ref: str = "HEAD",
    *,
    step: int = 50,
    max_steps: int = 10,
    remote: str = "origin",
) -> str:
    """Fetch ``step`` more commits of history at a time (network) until the merge base of
    ``base`` and ``head_ref`` shows up in a shallow clone, at most ``max_steps`` times."""
    a, b = resolve(repo, base), resolve(repo, head_ref)
    return _deepen(repo, a, b, base, head_ref, step=step, max_steps=max_steps, remote=remote)


def _deepen(
    repo: Repo,
    a: str,
    b: str,
    base_name: str,
    head_name: str,
    *,
    step: int = 50,
    max_steps: int = 10,
    remote: str = "origin",
) -> str:
    found = _merge_base_or_none(repo, a, b)
    for _ in range(max_steps):
        if found is not None or not is_shallow(repo):
            break
        proc = repo.run("fetch", "--quiet", "--no-tags", f"--deepen={step}", "--", remote)
        if proc.returncode != 0:
            raise GitError(
                f"could not deepen the shallow clone from remote {remote!r} "
                f"(looking for the merge base of {base_name!r} and {head_name!r}): "
                f"{_run.stderr_text(proc)}",
                file=str(repo.root),
            )
        found = _merge_base_or_none(repo, a, b)
    if found is None:
        raise _no_merge_base(
            repo, base_name, head_name, f" (deepened by up to {step * max_steps} commits)"
        )
    return found


def state_dir(repo: Repo) -> Path:
    """Per-worktree state (the recursion guard): a hook in one worktree is not another's."""
    return repo.git_dir / "specweave"


def cache_dir(repo: Repo) -> Path:
    """The parse cache, shared by all worktrees: it is keyed by blob id, so sharing is safe."""
    return repo.common_dir / "specweave" / "cache"


class Identity(FrozenRecord):
    __slots__ = ("email", "name")

    name: str | None
    email: str | None

    def __init__(self, name: str | None, email: str | None) -> None:
        set_field(self, "name", name)
        set_field(self, "email", email)


def user_identity(repo: Repo) -> Identity:
    """Who is acting, as git would record an author: GIT_AUTHOR_* first, then config."""
    found: dict[str, str] = {}
    proc = repo.run("config", "--get-regexp", r"^user\.(name|email)$")
    for line in proc.stdout.decode(errors="replace").splitlines():
        key, _, value = line.partition(" ")
        found[key] = value
    name = os.environ.get("GIT_AUTHOR_NAME") or found.get("user.name")
    email = os.environ.get("GIT_AUTHOR_EMAIL") or found.get("user.email")
    return Identity(name or None, email or None)
