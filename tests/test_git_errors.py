"""Bad git states and refs: exit 2, a message naming the directory and the ref, no traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from specweave_git import gitio
from specweave_git.cli.main import main
from specweave_git.errors import EXIT_USAGE, GitError
from tests.conftest import Repo

# A case builds a state and returns (arguments after `changes`, fragments the message
# must contain). "{root}" in a fragment is replaced by the directory the case used.
Case = Callable[[Repo, Path], tuple[list[str], list[str]]]


def _committed(repo: Repo) -> str:
    repo.write("src/a.ts", "export const a = 1;\n")
    return repo.commit("first")


def _shallow_clone(repo: Repo, tmp: Path) -> Path:
    _committed(repo)
    repo.write("m.ts", "x\n")
    repo.commit("main")
    repo.git("checkout", "-q", "-b", "feature", "HEAD~1")
    repo.write("f.ts", "x\n")
    repo.commit("feature")
    clone = tmp / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", "--no-single-branch", "-b", "feature",
         f"file://{repo.path}", str(clone)],
        check=True,
    )  # fmt: skip
    return clone


def not_a_repo(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    d = tmp / "plain"
    d.mkdir()
    return ["--repo", str(d)], ["not a git repository", str(d)]


def no_such_dir(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    return ["--repo", str(tmp / "nowhere")], ["no such directory", str(tmp / "nowhere")]


def repo_is_a_file(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    f = tmp / "file.txt"
    f.write_text("x", encoding="utf-8")
    return ["--repo", str(f)], ["not a directory", str(f)]


def bare_repo(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    bare = tmp / "bare.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    return ["--repo", str(bare)], ["no work tree", str(bare)]


def inside_dot_git(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    d = repo.path / ".git" / "refs"
    return ["--repo", str(d)], ["no work tree", str(d)]


def broken_gitfile(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    d = tmp / "broken"
    d.mkdir()
    (d / ".git").write_text(f"gitdir: {tmp / 'gone'}\n", encoding="utf-8")
    return ["--repo", str(d)], [str(d), "broken git link", str(tmp / "gone")]


def unknown_base(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    _committed(repo)
    return ["--base", "nosuch"], ["unknown ref 'nosuch'", "{root}"]


def unknown_head(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    _committed(repo)
    return ["--base", "main", "--head", "feature/x"], ["unknown ref 'feature/x'", "{root}"]


def unknown_remote_branch(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    _committed(repo)
    return ["--base", "origin/main"], ["unknown ref 'origin/main'", "fetch it first"]


def base_is_blob(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    _committed(repo)
    blob = repo.git("rev-parse", "HEAD:src/a.ts").strip()
    return ["--base", blob], [f"ref '{blob}' names a blob", "not a commit"]


def base_is_tree(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    _committed(repo)
    return ["--base", "HEAD^{tree}"], ["ref 'HEAD^{tree}' names a tree", "{root}"]


def tag_of_a_blob(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    _committed(repo)
    blob = repo.git("rev-parse", "HEAD:src/a.ts").strip()
    repo.git("tag", "blobtag", blob)
    return ["--base", "blobtag"], ["ref 'blobtag' names a blob"]


def path_as_ref(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    _committed(repo)
    return ["--base", "main:src/a.ts"], ["ref 'main:src/a.ts' names a blob"]


def empty_base(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    _committed(repo)
    return ["--base", ""], ["empty ref", "{root}"]


def blank_head(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    _committed(repo)
    return ["--base", "main", "--head", "   "], ["empty ref", "{root}"]


def option_like_ref(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    _committed(repo)
    return ["--base=--output=/tmp/x"], ["invalid ref '--output=/tmp/x'", "cannot start with '-'"]


def nul_in_ref(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    _committed(repo)
    return ["--base", "ma\0in"], ["invalid ref", "control character"]


def malformed_ref(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    _committed(repo)
    return ["--base", "main..feature"], ["'main..feature'", "{root}"]


def unknown_sha(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    _committed(repo)
    return ["--base", "0123456789" * 4], [f"unknown ref '{'0123456789' * 4}'"]


def beyond_root(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    _committed(repo)
    return ["--base", "HEAD~5"], ["unknown ref 'HEAD~5'"]


def base_on_unborn_head(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    repo.write("a.ts", "x\n")
    repo.git("add", "-A")
    return ["--base", "HEAD"], ["ref 'HEAD'", "no commits yet", "'main'", "--staged"]


def head_unborn_other_base(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    return ["--base", "main", "--head", "HEAD~1"], ["ref 'main'", "{root}"]


def unrelated_histories(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    _committed(repo)
    repo.git("checkout", "-q", "--orphan", "other")
    repo.write("b.ts", "x\n")
    repo.commit("orphan")
    return ["--base", "main"], ["no merge base between 'main' and 'HEAD'", "unrelated"]


def shallow_no_merge_base(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    clone = _shallow_clone(repo, tmp)
    return ["--repo", str(clone), "--base", "origin/main"], [
        "no merge base between 'origin/main' and 'HEAD'",
        "shallow clone",
        "fetch-depth: 0",
        "--deepen",
        str(clone),
    ]


def deepen_without_remote(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    clone = _shallow_clone(repo, tmp)
    subprocess.run(["git", "remote", "rename", "origin", "upstream"], cwd=clone, check=True)
    return ["--repo", str(clone), "--base", "upstream/main", "--deepen"], [
        "could not deepen the shallow clone from remote 'origin'",
        "'upstream/main'",
    ]


def deepen_remote_gone(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    clone = _shallow_clone(repo, tmp)
    shutil.rmtree(repo.path)
    return ["--repo", str(clone), "--base", "origin/main", "--deepen"], [
        "could not deepen",
        "'origin'",
        str(clone),
    ]


def all_unknown_ref(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    _committed(repo)
    return ["--all", "--ref", "v9.9"], ["unknown ref 'v9.9'"]


def all_ref_on_unborn(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    return ["--all", "--ref", "HEAD"], ["ref 'HEAD'", "no commits yet"]


def head_commit_missing(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    sha = _committed(repo)
    (repo.path / ".git/objects" / sha[:2] / sha[2:]).unlink()
    return [], ["damaged", "git fsck", "{root}"]


def head_tree_missing(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    _committed(repo)
    tree = repo.git("rev-parse", "HEAD^{tree}").strip()
    (repo.path / ".git/objects" / tree[:2] / tree[2:]).unlink()
    return ["--base", "HEAD"], ["damaged", "{root}"]


def base_commit_missing(repo: Repo, tmp: Path) -> tuple[list[str], list[str]]:
    first = _committed(repo)
    repo.git("branch", "old")
    repo.write("b.ts", "x\n")
    repo.commit("second")
    (repo.path / ".git/objects" / first[:2] / first[2:]).unlink()
    return ["--base", "old"], ["ref 'old'", first, "missing"]


CASES: list[Case] = [
    not_a_repo,
    no_such_dir,
    repo_is_a_file,
    bare_repo,
    inside_dot_git,
    broken_gitfile,
    unknown_base,
    unknown_head,
    unknown_remote_branch,
    base_is_blob,
    base_is_tree,
    tag_of_a_blob,
    path_as_ref,
    empty_base,
    blank_head,
    option_like_ref,
    nul_in_ref,
    malformed_ref,
    unknown_sha,
    beyond_root,
    base_on_unborn_head,
    head_unborn_other_base,
    unrelated_histories,
    shallow_no_merge_base,
    deepen_without_remote,
    deepen_remote_gone,
    all_unknown_ref,
    all_ref_on_unborn,
    head_commit_missing,
    head_tree_missing,
    base_commit_missing,
]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_bad_git_input_exits_2_with_a_located_message(
    case: Case, repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv, fragments = case(repo, tmp_path)
    if "--repo" not in argv:
        argv = ["--repo", str(repo.path), *argv]
    root = str(repo.path.resolve())
    assert main(["changes", *argv]) == EXIT_USAGE
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("specweave-git: error: ")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment.replace("{root}", root) in err


def test_cases_are_distinct() -> None:
    assert len(CASES) >= 15
    assert len({c.__name__ for c in CASES}) == len(CASES)


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda r: gitio.resolve(r, "nosuch"), "unknown ref 'nosuch'"),
        (lambda r: gitio.merge_base(r, "main", "nosuch"), "unknown ref 'nosuch'"),
        (lambda r: gitio.between(r, "nosuch"), "unknown ref 'nosuch'"),
        (lambda r: gitio.all_files(r, "nosuch"), "unknown ref 'nosuch'"),
        (lambda r: gitio.BlobReader(r).__enter__().read("f" * 40), "f" * 40),
        (lambda r: gitio.BlobReader(r).__enter__().read("HEAD"), "invalid object id 'HEAD'"),
    ],
    ids=["resolve", "merge_base", "between", "all_files", "missing blob", "bad oid"],
)
def test_functions_raise_git_error(
    repo: Repo, call: Callable[[gitio.Repo], object], fragment: str
) -> None:
    _committed(repo)
    r = gitio.open_repo(repo.path)
    with pytest.raises(GitError) as exc:
        call(r)
    assert exc.value.exit_code == EXIT_USAGE
    assert fragment in str(exc.value) and str(r.root) in str(exc.value)


def test_tree_object_is_not_a_blob(repo: Repo) -> None:
    _committed(repo)
    r = gitio.open_repo(repo.path)
    tree = repo.git("rev-parse", "HEAD^{tree}").strip()
    with gitio.BlobReader(r) as reader, pytest.raises(GitError, match="is a tree, not a blob"):
        reader.read(tree)


def test_git_missing_from_path(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(repo.path / "no-bin"))
    with pytest.raises(GitError, match="git is not installed or not on PATH"):
        gitio.open_repo(repo.path)


def test_console_script_exit_code_and_no_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "specweave_git", "changes", "--repo", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == EXIT_USAGE
    assert f"{tmp_path}: not a git repository" in proc.stderr
    assert "Traceback" not in proc.stderr
