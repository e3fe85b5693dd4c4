"""The check as a real pre-commit hook (a plain `.git/hooks` script and through pre-commit):
subdirectories, partial commits, merges, rebases, worktrees, the recursion guard, no network."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from specweave_git.cli.main import main
from specweave_git.context import recursion_guard

from ._hooks import (
    APP,
    APP_TEXT,
    DOCS,
    NEW_ROUTE,
    NEW_ROUTE_DOC,
    NOTES,
    append,
    closed_port,
    git,
    hook_home,
    hook_repo,
    offline_env,
    ok,
    project,
    write,
)

__all__ = ["hook_home", "hook_repo"]  # fixtures, imported for pytest

INSTALLS = ("plain", "pre-commit")
REFUSED = "route-undocumented"


@pytest.fixture(params=INSTALLS)
def root(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A project with the hook installed one way or the other; the test's working root."""
    path = tmp_path / "project"
    path.mkdir()
    hook = request.getfixturevalue("hook_home") if request.param == "pre-commit" else None
    project(path, request.param, hook)
    return path


def refused(proc: subprocess.CompletedProcess[str]) -> bool:
    """The commit failed because the hook reported the undocumented route, readably."""
    return (
        proc.returncode != 0
        and REFUSED in proc.stdout
        and "POST /api/items" in proc.stdout
        and "Traceback" not in proc.stdout
    )


def undocumented(root: Path) -> None:
    append(root, APP, NEW_ROUTE)


def documented(root: Path) -> None:
    append(root, APP, NEW_ROUTE)
    append(root, DOCS, NEW_ROUTE_DOC)


def commits(root: Path) -> int:
    return int(ok(root, "rev-list", "--count", "HEAD").strip())


@pytest.mark.parametrize("subdir", ["src", "docs/nested"])
def test_commit_from_a_subdirectory(root: Path, subdir: str) -> None:
    (root / subdir).mkdir(parents=True, exist_ok=True)
    undocumented(root)
    ok(root, "add", "-A")
    assert refused(git(root / subdir, "commit", "-m", "route"))
    append(root, DOCS, NEW_ROUTE_DOC)
    ok(root, "add", "-A")
    proc = git(root / subdir, "commit", "-m", "route")
    assert proc.returncode == 0, proc.stdout
    assert commits(root) == 2


def test_partial_commit_checks_the_temporary_index_not_the_staged_one(root: Path) -> None:
    """`git commit FILE` runs the hook with GIT_INDEX_FILE naming a temporary index."""
    undocumented(root)
    ok(root, "add", APP)  # staged, but not part of the commit below
    append(root, NOTES, "more\n")
    proc = git(root, "commit", NOTES, "-m", "notes only")
    assert proc.returncode == 0, proc.stdout
    assert ok(root, "diff", "--cached", "--name-only").split() == [APP]
    assert ok(root, "show", "--name-only", "--format=", "HEAD").split() == [NOTES]


def test_partial_commit_of_a_file_that_is_not_staged_is_checked(root: Path) -> None:
    append(root, NOTES, "more\n")
    ok(root, "add", NOTES)  # staged, clean
    undocumented(root)  # only in the work tree
    assert refused(git(root, "commit", APP, "-m", "route"))
    assert ok(root, "diff", "--cached", "--name-only").split() == [NOTES]
    assert commits(root) == 1


# (answers to `git commit -p` for its two hunks: the version line, the new route; refused)
PATCH_CASES = [("y\nn\n", False), ("n\ny\n", True), ("y\ny\n", True)]


@pytest.mark.parametrize(("answers", "is_refused"), PATCH_CASES)
def test_commit_patch_checks_the_chosen_hunks(root: Path, answers: str, is_refused: bool) -> None:
    spaced = APP_TEXT + "\n" * 6 + "// end\n"  # two hunks far enough apart
    write(root, APP, spaced)
    ok(root, "commit", "-q", "--no-verify", "-am", "spacing")
    write(root, APP, spaced.replace("version: base", "version: two") + NEW_ROUTE)
    proc = subprocess.run(
        ["git", "commit", "-p", "-m", "part"],
        cwd=root,
        input=answers,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    assert refused(proc) is is_refused, proc.stdout
    assert commits(root) == (2 if is_refused else 3)


def _diverge(root: Path) -> None:
    """A side branch and main both edit APP's version line: merging them conflicts."""
    ok(root, "checkout", "-q", "-b", "side")
    write(root, APP, APP_TEXT.replace("version: base", "version: side"))
    ok(root, "commit", "-q", "-am", "side")
    ok(root, "checkout", "-q", "main")
    write(root, APP, APP_TEXT.replace("version: base", "version: main"))
    ok(root, "commit", "-q", "-am", "main")


def _resolve(root: Path) -> None:
    write(root, APP, APP_TEXT.replace("version: base", "version: merged"))


def test_merge_commit_after_a_conflict(root: Path) -> None:
    _diverge(root)
    assert git(root, "merge", "side").returncode != 0  # the conflict
    _resolve(root)
    undocumented(root)
    ok(root, "add", APP)
    assert refused(git(root, "commit", "--no-edit"))
    assert (root / ".git" / "MERGE_HEAD").exists()  # still merging
    append(root, DOCS, NEW_ROUTE_DOC)
    ok(root, "add", DOCS)
    proc = git(root, "commit", "--no-edit")
    assert proc.returncode == 0, proc.stdout
    assert len(ok(root, "rev-list", "--parents", "-n", "1", "HEAD").split()) == 3


def test_commit_during_a_rebase(root: Path) -> None:
    _diverge(root)
    ok(root, "checkout", "-q", "side")
    assert git(root, "rebase", "main").returncode != 0  # stops on the conflict
    assert (root / ".git" / "rebase-merge").is_dir()
    _resolve(root)
    undocumented(root)
    ok(root, "add", APP)
    assert refused(git(root, "commit", "-m", "resolved"))
    append(root, DOCS, NEW_ROUTE_DOC)
    ok(root, "add", DOCS)
    proc = git(root, "commit", "-m", "resolved")
    assert proc.returncode == 0, proc.stdout
    ok(root, "-c", "core.editor=true", "rebase", "--continue")
    assert not (root / ".git" / "rebase-merge").exists()
    log = ok(root, "log", "--format=%s", "main..side").split()
    assert log == ["resolved"]


def test_commit_in_a_worktree(root: Path) -> None:
    wt = root.parent / "wt"
    ok(root, "worktree", "add", "-q", "-b", "wt", str(wt))
    undocumented(wt)
    ok(wt, "add", "-A")
    assert refused(git(wt, "commit", "-m", "route"))
    append(wt, DOCS, NEW_ROUTE_DOC)
    ok(wt, "add", "-A")
    proc = git(wt, "commit", "-m", "route")
    assert proc.returncode == 0, proc.stdout
    assert commits(wt) == 2 and commits(root) == 1


def test_a_live_recursion_guard_lets_our_own_commit_through(root: Path) -> None:
    undocumented(root)
    ok(root, "add", "-A")
    with recursion_guard(root / ".git" / "specweave") as extra:
        proc = git(root, "commit", "-m", "ours", env={**os.environ, **extra})
    assert proc.returncode == 0, proc.stdout
    assert commits(root) == 2


def test_a_stale_recursion_guard_is_removed_and_does_not_block(root: Path) -> None:
    state = root / ".git" / "specweave"
    state.mkdir(parents=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # reaped: the pid is gone
    token = "0123456789abcdef"
    guard = state / f"guard-{token}.json"
    data = {"pid": dead.pid, "created": 0, "ttl": 600, "token": token}
    guard.write_text(json.dumps(data))
    undocumented(root)
    ok(root, "add", "-A")
    assert refused(git(root, "commit", "-m", "x", env={**os.environ, "SPECWEAVE_GIT_GUARD": token}))
    assert not guard.exists()


def test_no_network_no_notes_no_state(root: Path) -> None:
    """Proxies at a closed port: any HTTP attempt would fail; the hook still works."""
    env = offline_env(closed_port())
    undocumented(root)
    ok(root, "add", "-A")
    assert refused(git(root, "commit", "-m", "route", env=env))
    append(root, DOCS, NEW_ROUTE_DOC)
    ok(root, "add", "-A")
    proc = git(root, "commit", "-m", "route", env=env)
    assert proc.returncode == 0, proc.stdout
    assert ok(root, "for-each-ref", "refs/notes", "refs/specweave") == ""


def test_the_hook_path_never_imports_httpx(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    project(root, "plain", None)
    log = tmp_path / "importtime.log"
    script = root / ".git" / "hooks" / "pre-commit"
    script.write_text(
        f'#!/bin/sh\nexec "{sys.executable}" -X importtime -m specweave_git check --staged'
        f' 2>"{log}"\n'
    )
    documented(root)
    ok(root, "add", "-A")
    ok(root, "commit", "-q", "-m", "route")
    imported = log.read_text()
    assert "specweave_git.drift.engine" in imported  # the check really ran
    assert "httpx" not in imported and "rich" not in imported.split()


# (context, guard: live | stale | other-token | none, expected exit)
GUARD_CASES = [
    ("hook", "live", 0),
    ("hook", "stale", 1),
    ("hook", "other-token", 1),
    ("hook", "none", 1),
    ("user", "live", 1),
]


@pytest.mark.parametrize(("context", "guard", "expected"), GUARD_CASES)
@pytest.mark.parametrize("argv", [["check", "--staged"], ["hook", "pre-push"]])
def test_guard_in_main(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    context: str,
    guard: str,
    expected: int,
    argv: list[str],
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    project(root, "plain", None)
    undocumented(root)
    ok(root, "add", "-A")
    ok(root, "commit", "-q", "--no-verify", "-m", "route")  # for pre-push: HEAD~1..HEAD
    ok(root, "reset", "-q", "--soft", "HEAD~1")  # for check --staged: the route is staged
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", ok(root, "rev-parse", "HEAD").strip())
    monkeypatch.setenv("PRE_COMMIT_TO_REF", ok(root, "rev-parse", "HEAD@{1}").strip())
    monkeypatch.setenv("SPECWEAVE_CONTEXT", context)
    monkeypatch.chdir(root)
    state = root / ".git" / "specweave"
    with recursion_guard(state) as extra:
        token = extra["SPECWEAVE_GIT_GUARD"]
        if guard == "stale":
            path = state / f"guard-{token}.json"
            data = json.loads(path.read_text())
            path.write_text(json.dumps({**data, "created": data["created"] - 3600}))
        if guard == "other-token":
            token = "fedcba9876543210"
        if guard != "none":
            monkeypatch.setenv("SPECWEAVE_GIT_GUARD", token)
        assert main(argv) == expected
    out = capsys.readouterr().out
    assert (REFUSED in out) == (expected == 1)
