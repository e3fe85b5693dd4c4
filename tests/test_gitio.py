"""The git layer against real repositories: change sets, blobs, worktrees, hooks, shallow clones."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from specweave_git import gitio
from specweave_git.errors import EXIT_USAGE, GitError
from specweave_git.gitio import run as gitrun
from tests.conftest import Repo

# Long enough for rename detection to see a small edit as the same file.
BODY = "".join(
    f"export function f{i}(x: number): number {{ return x + {i}; }}\n" for i in range(30)
)
UNICODE = "dir with space/ünï cödé.ts"


def _base(repo: Repo) -> None:
    repo.write("src/a.ts", BODY)
    repo.write("src/b.ts", "export const b = 1;\n")
    repo.write(".gitignore", "*.log\n")
    repo.commit("base")


def _add(repo: Repo) -> None:
    repo.write("src/c.ts", "export const c = 3;\n")


def _modify(repo: Repo) -> None:
    repo.write("src/b.ts", "export const b = 2;\n")


def _delete(repo: Repo) -> None:
    (repo.path / "src/b.ts").unlink()


def _rename(repo: Repo) -> None:
    repo.git("mv", "src/a.ts", "src/renamed.ts")


def _rename_edit(repo: Repo) -> None:
    repo.git("mv", "src/a.ts", "src/renamed.ts")
    repo.write("src/renamed.ts", BODY + "export const extra = 1;\n")


def _binary(repo: Repo) -> None:
    repo.write("assets/logo.bin", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))


def _unicode(repo: Repo) -> None:
    repo.write(UNICODE, "export const u = 'ü';\n")


def _chmod(repo: Repo) -> None:
    (repo.path / "src/b.ts").chmod(0o755)


def _symlink(repo: Repo) -> None:
    (repo.path / "link.ts").symlink_to("src/b.ts")


def _file_to_symlink(repo: Repo) -> None:
    (repo.path / "src/b.ts").unlink()
    (repo.path / "src/b.ts").symlink_to("a.ts")


def _submodule(repo: Repo) -> None:
    # An embedded repository: `git add` records it as a gitlink (mode 160000), which is
    # all a submodule is to the superproject's tree.
    nested = Repo(repo.path / "vendor/lib")
    nested.path.mkdir(parents=True)
    nested.git("init", "-q")
    nested.write("x.ts", "export const x = 1;\n")
    nested.commit("nested")


def _ignored(repo: Repo) -> None:
    repo.write("debug.log", "noise\n")


Expected = set[tuple[str, str, str | None]]  # (status, path, old_path)

CHANGE_TABLE: list[tuple[str, Callable[[Repo], None], Expected, set[str]]] = [
    ("add", _add, {("A", "src/c.ts", None)}, set()),
    ("modify", _modify, {("M", "src/b.ts", "src/b.ts")}, set()),
    ("delete", _delete, {("D", "src/b.ts", "src/b.ts")}, set()),
    ("rename", _rename, {("R", "src/renamed.ts", "src/a.ts")}, set()),
    ("rename+edit", _rename_edit, {("R", "src/renamed.ts", "src/a.ts")}, set()),
    ("binary", _binary, {("A", "assets/logo.bin", None)}, set()),
    ("unicode+space", _unicode, {("A", UNICODE, None)}, set()),
    ("mode change", _chmod, {("M", "src/b.ts", "src/b.ts")}, set()),
    ("symlink added", _symlink, set(), {"link.ts"}),
    ("file became symlink", _file_to_symlink, {("D", "src/b.ts", "src/b.ts")}, {"src/b.ts"}),
    ("submodule", _submodule, set(), {"vendor/lib"}),
    ("ignored file", _ignored, set(), set()),
]


def _summary(cs: gitio.ChangeSet) -> tuple[Expected, set[str]]:
    return {(c.status, c.path, c.old_path) for c in cs.changes}, {s.path for s in cs.skipped}


@pytest.mark.parametrize("kind", ["staged", "range"])
@pytest.mark.parametrize(
    ("change", "expected", "skipped"),
    [pytest.param(fn, exp, sk, id=name) for name, fn, exp, sk in CHANGE_TABLE],
)
def test_change_table(
    repo: Repo, kind: str, change: Callable[[Repo], None], expected: Expected, skipped: set[str]
) -> None:
    _base(repo)
    repo.git("checkout", "-q", "-b", "feature")
    change(repo)
    repo.git("add", "-A")
    r = gitio.open_repo(repo.path)
    if kind == "staged":
        cs = gitio.staged(r)
        assert (cs.kind, cs.base, cs.head) == ("staged", repo.head(), None)
    else:
        repo.git("commit", "-q", "--allow-empty", "-m", "change")
        cs = gitio.between(r, "main")
        assert (cs.kind, cs.head) == ("range", repo.head())
        assert cs.base == repo.git("rev-parse", "main").strip()
    assert _summary(cs) == (expected, skipped)


@pytest.mark.parametrize(("change", "similarity"), [(_rename, 100), (_rename_edit, range(50, 100))])
def test_rename_carries_blobs_and_similarity(
    repo: Repo, change: Callable[[Repo], None], similarity: int | range
) -> None:
    _base(repo)
    change(repo)
    repo.git("add", "-A")
    r = gitio.open_repo(repo.path)
    (c,) = gitio.staged(r).changes
    assert c.old_blob == repo.git("rev-parse", "HEAD:src/a.ts").strip()
    assert c.new_blob == repo.git("rev-parse", ":src/renamed.ts").strip()
    assert c.similarity in similarity if isinstance(similarity, range) else c.similarity == 100
    old = gitio.read_contents(r, [c], "old")
    new = gitio.read_contents(r, [c], "new")
    assert old == {"src/a.ts": BODY.encode()}
    assert new["src/renamed.ts"].startswith(BODY.encode())


def test_binary_and_unicode_contents_round_trip(repo: Repo) -> None:
    _base(repo)
    _binary(repo)
    _unicode(repo)
    repo.git("add", "-A")
    r = gitio.open_repo(repo.path)
    contents = gitio.read_contents(r, gitio.staged(r).changes)
    assert gitio.is_binary(contents["assets/logo.bin"])
    assert not gitio.is_binary(contents[UNICODE])
    assert contents[UNICODE].decode() == "export const u = 'ü';\n"


@pytest.mark.parametrize(
    ("content", "binary"),
    [
        (b"", False),
        (b"plain text\n", False),
        ("ünïcödé".encode(), False),
        (b"a\x00b", True),
        (b"x" * 7999 + b"\x00", True),
        (b"x" * 8000 + b"\x00", False),  # git only looks at the first 8000 bytes
    ],
)
def test_is_binary(content: bytes, binary: bool) -> None:
    assert gitio.is_binary(content) is binary


def test_unborn_branch_staged_change(repo: Repo) -> None:
    repo.write("src/a.ts", "export const a = 1;\n")
    repo.git("add", "-A")
    r = gitio.open_repo(repo.path)
    assert gitio.head(r) is None
    assert gitio.current_branch(r) == "main"
    cs = gitio.staged(r)
    assert cs.base is None
    assert _summary(cs) == ({("A", "src/a.ts", None)}, set())


def test_three_dot_ignores_what_base_did_after_branching(repo: Repo) -> None:
    _base(repo)
    fork = repo.head()
    repo.git("checkout", "-q", "-b", "feature")
    _modify(repo)
    repo.commit("feature work")
    repo.git("checkout", "-q", "main")
    repo.write("src/main-only.ts", "export const m = 1;\n")
    _delete(repo)  # main deletes the file the feature modified
    repo.commit("main moved on")
    r = gitio.open_repo(repo.path)
    cs = gitio.between(r, "main", "feature")
    assert cs.base == fork == gitio.merge_base(r, "main", "feature")
    assert _summary(cs) == ({("M", "src/b.ts", "src/b.ts")}, set())


def test_detached_head_range(repo: Repo) -> None:
    _base(repo)
    repo.git("checkout", "-q", "-b", "feature")
    _add(repo)
    sha = repo.commit("feature")
    repo.git("checkout", "-q", "--detach", sha)
    r = gitio.open_repo(repo.path)
    assert gitio.current_branch(r) is None
    assert gitio.head(r) == sha
    cs = gitio.between(r, "main")
    assert cs.head == sha
    assert _summary(cs) == ({("A", "src/c.ts", None)}, set())


def test_linked_worktree(repo: Repo, tmp_path: Path) -> None:
    _base(repo)
    wt = tmp_path / "wt"
    repo.git("worktree", "add", "-q", "-b", "wt", str(wt))
    (wt / "src/b.ts").write_text("export const b = 42;\n", encoding="utf-8")
    subprocess.run(["git", "add", "-A"], cwd=wt, check=True)
    r = gitio.open_repo(wt / "src")
    main_git = (repo.path / ".git").resolve()
    assert r.root == wt.resolve()
    assert r.common_dir == main_git
    assert r.git_dir == main_git / "worktrees" / "wt"
    assert gitio.state_dir(r) == r.git_dir / "specweave"
    assert gitio.cache_dir(r) == main_git / "specweave" / "cache"
    assert _summary(gitio.staged(r)) == ({("M", "src/b.ts", "src/b.ts")}, set())
    # The main work tree is untouched by the linked one's staged change.
    assert gitio.staged(gitio.open_repo(repo.path)).changes == ()


def test_run_from_subdirectory_gives_root_relative_paths(repo: Repo) -> None:
    _base(repo)
    _modify(repo)
    repo.git("add", "-A")
    r = gitio.open_repo(repo.path / "src")
    assert r.root == repo.path.resolve()
    assert gitio.staged(r).paths() == ("src/b.ts",)


def test_alternate_index_file_is_read(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """A partial commit (`git commit FILE`) runs hooks with a temporary index."""
    _base(repo)
    _modify(repo)
    _add(repo)
    repo.git("add", "-A")  # the normal index has both changes
    env = {**os.environ, "GIT_INDEX_FILE": str(repo.path / ".git/partial-index")}
    subprocess.run(["git", "read-tree", "HEAD"], cwd=repo.path, env=env, check=True)
    subprocess.run(["git", "add", "src/c.ts"], cwd=repo.path, env=env, check=True)
    # Relative, as git may pass it: relative to the top level, not to our directory.
    monkeypatch.setenv("GIT_INDEX_FILE", ".git/partial-index")
    r = gitio.open_repo(repo.path / "src")
    assert r.index_file == repo.path.resolve() / ".git/partial-index"
    assert gitio.staged(r).paths() == ("src/c.ts",)
    monkeypatch.delenv("GIT_INDEX_FILE")
    assert set(gitio.staged(gitio.open_repo(repo.path)).paths()) == {"src/b.ts", "src/c.ts"}


HOOK = """#!/bin/sh
exec "{python}" -c '
import json, sys
from specweave_git import gitio
r = gitio.open_repo(None)
with open(sys.argv[1], "w") as f:
    json.dump(sorted(gitio.staged(r).paths()), f)
' "{out}"
"""


@pytest.mark.parametrize(
    ("commit_args", "expected"),
    [
        (["-m", "all staged"], ["src/b.ts", "src/c.ts"]),
        (["-m", "partial", "--", "src/c.ts"], ["src/c.ts"]),  # temporary index
        (["-m", "include", "-i", "--", "src/c.ts"], ["src/b.ts", "src/c.ts"]),
    ],
)
def test_real_pre_commit_hook_sees_the_commit_being_made(
    repo: Repo, tmp_path: Path, commit_args: list[str], expected: list[str]
) -> None:
    """Inside a hook git exports GIT_DIR, GIT_INDEX_FILE, ...: we must read that index."""
    _base(repo)
    _modify(repo)
    _add(repo)
    repo.git("add", "-A")
    out = tmp_path / "hook-out.json"
    hook = repo.path / ".git/hooks/pre-commit"
    hook.write_text(HOOK.format(python=sys.executable, out=out), encoding="utf-8")
    hook.chmod(0o755)
    repo.git("commit", "-q", *commit_args)
    assert out.read_text(encoding="utf-8") == str(expected).replace("'", '"')


def test_inherited_git_dir_does_not_redirect_us(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _base(repo)
    sha = repo.head()
    other = Repo(tmp_path / "other")
    other.path.mkdir()
    other.git("init", "-q")
    monkeypatch.setenv("GIT_DIR", str(other.path / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other.path))
    r = gitio.open_repo(repo.path)
    assert r.root == repo.path.resolve()
    assert gitio.head(r) == sha


def test_all_files_of_the_working_tree(repo: Repo) -> None:
    _base(repo)
    repo.write("src/b.ts", "export const b = 'edited, not staged';\n")
    repo.write("src/new.ts", "export const n = 1;\n")  # untracked
    (repo.path / "src/a.ts").unlink()  # deleted in the work tree: gone from the tree
    repo.write("debug.log", "ignored\n")
    r = gitio.open_repo(repo.path)
    cs = gitio.all_files(r)
    assert (cs.kind, cs.base, cs.head) == ("all", None, None)
    by_path = {c.path: c for c in cs.changes}
    assert set(by_path) == {".gitignore", "src/b.ts", "src/new.ts"}
    assert {p for p, c in by_path.items() if c.worktree} == {"src/b.ts", "src/new.ts"}
    for path, c in by_path.items():
        assert c.status == "A" and c.new_mode == "100644"
        assert c.new_blob == repo.git("hash-object", path).strip()
    contents = gitio.read_contents(r, cs.changes)
    assert contents["src/b.ts"] == b"export const b = 'edited, not staged';\n"
    assert contents[".gitignore"] == b"*.log\n"


def test_all_files_of_a_commit(repo: Repo) -> None:
    _base(repo)
    _symlink(repo)
    first = repo.commit("with link")
    repo.write("later.ts", "x\n")
    repo.commit("later")
    r = gitio.open_repo(repo.path)
    cs = gitio.all_files(r, "HEAD~1")
    assert cs.head == first
    assert _summary(cs) == (
        {("A", ".gitignore", None), ("A", "src/a.ts", None), ("A", "src/b.ts", None)},
        {"link.ts"},
    )


def test_blob_reader_many_blobs_in_one_process(repo: Repo, tmp_path: Path) -> None:
    """Requests that overflow one pipe while ~1 KiB answers overflow the other: a reader
    that wrote every request before reading would deadlock here."""
    count = 2000

    def content(i: int) -> str:
        return f"blob {i}|" * (100 + i % 7)

    stream = "".join(f"blob\nmark :{i + 1}\ndata <<END\n{content(i)}\nEND\n" for i in range(count))
    marks = tmp_path / "marks"
    subprocess.run(
        ["git", "fast-import", "--quiet", f"--export-marks={marks}"],
        cwd=repo.path,
        input=stream,
        text=True,
        check=True,
    )  # one pack instead of 1700 loose objects: fast
    oids = [line.split()[1] for line in marks.read_text(encoding="utf-8").splitlines()]
    assert len(set(oids)) == count
    r = gitio.open_repo(repo.path)
    with gitio.BlobReader(r) as reader:
        got = reader.read_many(oids)
        assert reader.read(oids[3]) == f"{content(3)}\n".encode()  # still usable afterwards
    assert len(got) == count
    assert all(got[oid] == f"{content(i)}\n".encode() for i, oid in enumerate(oids))


def test_blob_reader_missing_object_names_it_and_stays_usable(repo: Repo) -> None:
    _base(repo)
    r = gitio.open_repo(repo.path)
    good = repo.git("rev-parse", "HEAD:src/b.ts").strip()
    missing = "1" * 40
    with gitio.BlobReader(r) as reader:
        with pytest.raises(GitError) as exc:
            reader.read_many([good, missing])
        assert missing in str(exc.value) and "missing" in str(exc.value)
        assert exc.value.exit_code == EXIT_USAGE
        assert reader.read(good) == b"export const b = 1;\n"


def test_shallow_clone_without_merge_base(repo: Repo, tmp_path: Path) -> None:
    _base(repo)
    for i in range(3):
        repo.write(f"main{i}.ts", "x\n")
        repo.commit(f"main {i}")
    repo.git("checkout", "-q", "-b", "feature", "HEAD~2")
    for i in range(3):
        repo.write(f"feature{i}.ts", "x\n")
        repo.commit(f"feature {i}")
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", "--no-single-branch", "-b", "feature",
         f"file://{repo.path}", str(clone)],
        check=True,
    )  # fmt: skip
    r = gitio.open_repo(clone)
    assert gitio.is_shallow(r)
    with pytest.raises(GitError) as exc:
        gitio.between(r, "origin/main")
    msg = str(exc.value)
    assert exc.value.exit_code == EXIT_USAGE
    assert "fetch-depth: 0" in msg and "--deepen" in msg and "'origin/main'" in msg
    assert str(clone) in msg
    # One commit at a time: several fetches are needed, and they are enough.
    base = gitio.deepen_until_merge_base(r, "origin/main", step=1, max_steps=5)
    assert base == repo.git("merge-base", "main", "feature").strip()
    cs = gitio.between(r, "origin/main")
    assert set(cs.paths()) == {"feature0.ts", "feature1.ts", "feature2.ts"}


def test_between_deepen_flag(repo: Repo, tmp_path: Path) -> None:
    _base(repo)
    repo.write("m.ts", "x\n")
    repo.commit("main")
    repo.git("checkout", "-q", "-b", "feature", "HEAD~1")
    _add(repo)
    repo.commit("feature")
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", "--no-single-branch", "-b", "feature",
         f"file://{repo.path}", str(clone)],
        check=True,
    )  # fmt: skip
    r = gitio.open_repo(clone)
    cs = gitio.between(r, "origin/main", deepen=True)
    assert _summary(cs) == ({("A", "src/c.ts", None)}, set())


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("GIT_DIR", False),
        ("GIT_WORK_TREE", False),
        ("GIT_PREFIX", False),
        ("GIT_CONFIG_PARAMETERS", False),
        ("GIT_REFLOG_ACTION", False),
        ("GIT_INDEX_FILE", True),
        ("GIT_AUTHOR_NAME", True),
        ("GIT_COMMITTER_EMAIL", True),
        ("GIT_CONFIG_COUNT", True),
        ("GIT_CONFIG_KEY_0", True),
        ("GIT_CONFIG_VALUE_0", True),
        ("GIT_SSH_COMMAND", True),
        ("GIT_SSL_NO_VERIFY", True),
        ("GIT_HTTP_PROXY_AUTHMETHOD", True),
        ("GIT_OBJECT_DIRECTORY", True),
        ("GIT_ALTERNATE_OBJECT_DIRECTORIES", True),
        ("GIT_EXEC_PATH", True),
        ("PATH", True),
    ],
)
def test_clean_env(name: str, kept: bool) -> None:
    env = gitrun.clean_env({name: "value", "GIT_TERMINAL_PROMPT": "1"})
    assert (name in env) is kept
    assert env["LC_ALL"] == "C" and env["GIT_OPTIONAL_LOCKS"] == "0"
    assert env["GIT_TERMINAL_PROMPT"] == "1"  # a caller's choice is kept
    assert gitrun.clean_env({})["GIT_TERMINAL_PROMPT"] == "0"


def test_command_error_shows_command_exit_code_and_stderr(repo: Repo) -> None:
    from specweave_git.errors import CommandError

    with pytest.raises(CommandError) as exc:
        gitrun.git("cat-file", "-p", "HEAD", cwd=repo.path)
    msg = str(exc.value)
    assert "git -c core.quotepath=off cat-file -p HEAD" in msg
    assert "exit 128" in msg and "stderr:" in msg
    assert exc.value.exit_code == 3


def test_user_identity(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    r = gitio.open_repo(repo.path)
    assert gitio.user_identity(r) == gitio.Identity("Test User", "test@example.com")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "CI Bot")
    assert gitio.user_identity(r).name == "CI Bot"


def test_all_files_skips_what_is_not_a_regular_file(repo: Repo) -> None:
    _base(repo)
    _symlink(repo)  # untracked symlink
    nested = Repo(repo.path / "vendor/lib")  # untracked nested repository
    nested.path.mkdir(parents=True)
    nested.git("init", "-q")
    (repo.path / "src/b.ts").unlink()
    (repo.path / "src/b.ts").symlink_to("a.ts")  # tracked file became a symlink
    cs = gitio.all_files(gitio.open_repo(repo.path))
    assert {(s.path, s.reason) for s in cs.skipped} == {
        ("link.ts", "untracked symlink"),
        ("vendor/lib", "untracked nested repository"),
        ("src/b.ts", "symlink in the work tree"),
    }
    assert set(cs.paths()) == {".gitignore", "src/a.ts"}


@pytest.mark.parametrize(
    ("stderr", "expected"),
    [
        (b"", "git exited with 128"),
        (b"fatal: not a git repository\n", "not a git repository"),
        (
            b"warning: x\nerror: bad tree object HEAD\nfatal: unable to read\n",
            "bad tree object HEAD",
        ),
        (
            b"fatal: detected dubious ownership in repository at '/r'\n"
            b"To add an exception for this directory, call:\n\n"
            b"\tgit config --global --add safe.directory /r\n",
            "detected dubious ownership in repository at '/r' (To add an exception for this "
            "directory, call: git config --global --add safe.directory /r)",
        ),
        (b"hint: ignore me\nsomething odd\n", "something odd"),
    ],
)
def test_stderr_text(stderr: bytes, expected: str) -> None:
    proc = subprocess.CompletedProcess(["git"], 128, b"", stderr)
    assert gitrun.stderr_text(proc) == expected
