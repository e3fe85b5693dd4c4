"""Pulling and pushing the notes and the state ref: a bare repository as origin, real
clones, concurrent writers, rejected pushes, the CLI, and notes surviving an amend."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from specweave_git.cli.main import main
from specweave_git.errors import GitError
from specweave_git.gitio.notes import NOTES_REF, append_note, read_note
from specweave_git.gitio.remote import pull, push
from specweave_git.gitio.repo import Repo, open_repo
from specweave_git.gitio.state import STATE_REF, append_state_lines, read_state_file, update_state
from tests.conftest import Repo as GitRepo

Clone = Callable[[str], GitRepo]


@pytest.fixture
def origin(tmp_path: Path) -> GitRepo:
    bare = GitRepo(tmp_path / "origin.git")
    bare.path.mkdir()
    bare.git("init", "-q", "--bare")
    return bare


@pytest.fixture
def clone(tmp_path: Path, origin: GitRepo) -> Clone:
    def make(name: str) -> GitRepo:
        subprocess.run(
            ["git", "clone", "-q", str(origin.path), name],
            cwd=tmp_path,
            check=True,
            capture_output=True,
        )
        return GitRepo(tmp_path / name)

    return make


def _r(repo: GitRepo) -> Repo:
    return open_repo(repo.path)


def _lines(repo: GitRepo, path: str = "audit/log.jsonl") -> list[str]:
    return (read_state_file(_r(repo), path) or b"").decode().splitlines()


def _actions(outcomes: tuple[object, ...]) -> list[tuple[str, str]]:
    return [(o.ref, o.action) for o in outcomes]  # type: ignore[attr-defined]


def test_pull_from_an_origin_without_our_refs_is_a_first_run(clone: Clone) -> None:
    a = clone("a")
    result = pull(_r(a))
    assert _actions(result.pulled) == [(NOTES_REF, "absent"), (STATE_REF, "absent")]
    assert a.git("for-each-ref", "refs/specweave", "refs/notes") == ""


def test_push_with_nothing_local_pushes_nothing(clone: Clone, origin: GitRepo) -> None:
    result = push(_r(clone("a")))
    assert _actions(result.pushed) == [(NOTES_REF, "nothing"), (STATE_REF, "nothing")]
    assert result.attempts == 1
    assert origin.git("for-each-ref") == ""


def test_pull_into_an_empty_clone(clone: Clone) -> None:
    a = clone("a")
    first = a.commit("first")
    a.git("push", "-q", "origin", "HEAD:main")
    append_state_lines(_r(a), "audit/log.jsonl", ["one", "two"], "m")
    append_note(_r(a), first, ['{"n":1}'])
    assert _actions(push(_r(a)).pushed) == [(NOTES_REF, "new"), (STATE_REF, "new")]
    b = clone("b")
    result = pull(_r(b))
    assert _actions(result.pulled) == [(NOTES_REF, "created"), (STATE_REF, "created")]
    assert (_lines(b), read_note(_r(b), first)) == (["one", "two"], ['{"n":1}'])
    # The tracking refs remember what origin had; nothing shows up as a branch.
    assert b.git("for-each-ref", "--format=%(refname)", "refs/specweave-remote").split() == [
        "refs/specweave-remote/origin/notes",
        "refs/specweave-remote/origin/state",
    ]


def _ahead(a: GitRepo, b: GitRepo) -> None:
    append_state_lines(_r(b), "audit/log.jsonl", ["b"], "b")


def _behind(a: GitRepo, b: GitRepo) -> None:
    append_state_lines(_r(a), "audit/log.jsonl", ["a1"], "a1")
    append_state_lines(_r(a), "audit/log.jsonl", ["a2"], "a2")
    push(_r(a))


def _diverged(a: GitRepo, b: GitRepo) -> None:
    _behind(a, b)
    _ahead(a, b)


@pytest.mark.parametrize(
    ("scenario", "action", "line", "lines"),
    [
        (lambda a, b: None, "up-to-date", "up to date with origin", ["base"]),
        (_ahead, "ahead", "ahead of origin by 1 commit (push to send them)", ["base", "b"]),
        (_behind, "fast-forwarded", "fast-forwarded 2 commits from origin", ["base", "a1", "a2"]),
        (_diverged, "merged", "merged 2 commits from origin", ["base", "b", "a1", "a2"]),
    ],
)
def test_pull_outcomes(
    clone: Clone,
    scenario: Callable[[GitRepo, GitRepo], None],
    action: str,
    line: str,
    lines: list[str],
) -> None:
    a = clone("a")
    append_state_lines(_r(a), "audit/log.jsonl", ["base"], "base")
    push(_r(a))
    b = clone("b")
    pull(_r(b))
    scenario(a, b)
    result = pull(_r(b))
    assert _actions(result.pulled)[1] == (STATE_REF, action)
    assert result.lines()[1] == f"{STATE_REF}: {line}"
    assert _lines(b) == lines
    parents = b.git("log", "-1", "--format=%p", STATE_REF).split()
    assert (len(parents) == 2) == (action == "merged")


def test_json_changed_on_both_sides_merges_key_wise(clone: Clone, origin: GitRepo) -> None:
    a, b = clone("a"), clone("b")
    jobs = {"jobs": {"scan": {"runs": 0}, "sync": {"runs": 0, "updated_at": "2026-01-01"}}}
    update_state(_r(a), {"schedule/jobs.json": json.dumps(jobs).encode()}, "seed")
    push(_r(a))
    pull(_r(b))
    jobs_a = {"jobs": {"scan": {"runs": 1}, "sync": {"runs": 3, "updated_at": "2026-01-01"}}}
    jobs_b = {"jobs": {"scan": {"runs": 0}, "sync": {"runs": 7, "updated_at": "2026-01-02"}}}
    update_state(_r(a), {"schedule/jobs.json": json.dumps(jobs_a).encode()}, "a")
    update_state(_r(b), {"schedule/jobs.json": json.dumps(jobs_b).encode()}, "b")
    push(_r(a))
    result = push(_r(b))
    assert result.attempts == 2
    want = {"jobs": {"scan": {"runs": 1}, "sync": {"runs": 7, "updated_at": "2026-01-02"}}}
    assert json.loads(read_state_file(_r(b), "schedule/jobs.json") or b"") == want
    # "runs" of sync changed on both sides: b's object has the later updated_at.
    assert result.conflicts == ("schedule/jobs.json:/jobs/sync/runs",)
    assert "schedule/jobs.json:/jobs/sync/runs" in b.git("log", "-1", "--format=%B", STATE_REF)
    assert origin.git("rev-parse", STATE_REF) == b.git("rev-parse", STATE_REF)


def test_a_rejected_push_is_merged_and_retried(clone: Clone, origin: GitRepo) -> None:
    a, b = clone("a"), clone("b")
    append_state_lines(_r(a), "audit/log.jsonl", ["a"], "a")
    push(_r(a))
    append_state_lines(_r(b), "audit/log.jsonl", ["b"], "b")
    waits: list[float] = []
    result = push(_r(b), sleep=waits.append)
    assert (result.attempts, len(waits)) == (2, 1)
    assert _actions(result.pulled)[1] == (STATE_REF, "merged")
    assert _actions(result.pushed)[1] == (STATE_REF, "pushed")
    assert (
        result.lines()[1]
        == f"{STATE_REF}: pushed 2 commits to origin (attempt 2, after merging origin)"
    )
    assert origin.git("show", f"{STATE_REF}:audit/log.jsonl").split() == ["b", "a"]


def test_a_push_refused_by_the_remote_is_not_retried(clone: Clone, origin: GitRepo) -> None:
    hook = origin.path / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho protected >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    a = clone("a")
    append_state_lines(_r(a), "audit/log.jsonl", ["a"], "a")
    waits: list[float] = []
    with pytest.raises(GitError, match=r"cannot push to 'origin': .*pre-receive hook declined"):
        push(_r(a), sleep=waits.append)
    assert waits == []


def test_a_push_still_rejected_after_the_last_attempt_is_a_clear_error(clone: Clone) -> None:
    a, b = clone("a"), clone("b")
    append_state_lines(_r(a), "audit/log.jsonl", ["a"], "a")
    push(_r(a))
    append_state_lines(_r(b), "audit/log.jsonl", ["b"], "b")
    with pytest.raises(GitError, match=r"still rejected after 1 attempts \(refs/specweave/state"):
        push(_r(b), attempts=1)


_WRITER = """
import sys, time
from pathlib import Path
from specweave_git.gitio.notes import append_note
from specweave_git.gitio.remote import push
from specweave_git.gitio.repo import open_repo, resolve
from specweave_git.gitio.state import append_state_lines

name, batches, per_batch, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
repo = open_repo()
target = resolve(repo, "origin/main")
Path(f"{go}.{name}").touch()
while not go.exists():  # start together, so the pushes really race
    time.sleep(0.005)
attempts = []
for b in range(batches):
    lines = [f'{{"writer":"{name}","n":{b * per_batch + i}}}' for i in range(per_batch)]
    append_state_lines(repo, "audit/log.jsonl", lines, f"{name} batch {b}")
    append_note(repo, target, lines)
    # Writers pushing in a tight loop are harsher than CI jobs pushing once at the end:
    # a writer that wins goes on winning while the others merge, so the last of four
    # can need a retry for every other writer's every batch.
    attempts.append(push(repo, attempts=12).attempts)
print(sum(attempts))
"""


def test_four_concurrent_writers_lose_nothing(clone: Clone, tmp_path: Path) -> None:
    seed = clone("seed")
    seed.commit("first")
    seed.git("push", "-q", "origin", "HEAD:main")
    writers = [clone(f"w{n}") for n in range(4)]
    batches, per_batch = 2, 3
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, f"w{n}", str(batches), str(per_batch), str(go)],
            cwd=w.path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for n, w in enumerate(writers)
    ]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("go.*"))) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [err.decode() for _, err in outputs]
    pushes = sum(int(out) for out, _ in outputs)
    assert pushes > 4 * batches  # the writers did race: some pushes were rejected and retried
    expected = sorted(
        f'{{"writer":"w{n}","n":{i}}}' for n in range(4) for i in range(batches * per_batch)
    )
    fresh = clone("fresh")
    pull(_r(fresh))
    state_lines = _lines(fresh)
    note_lines = read_note(_r(fresh), seed.head())
    assert sorted(state_lines) == expected  # every line, exactly once
    assert sorted(note_lines) == expected


@pytest.mark.parametrize(("rewrite_ref", "kept"), [(True, ['{"n":1}']), (False, [])])
def test_notes_rewrite_ref_keeps_a_note_through_amend(
    repo: GitRepo, rewrite_ref: bool, kept: list[str]
) -> None:
    old = repo.commit("c")
    append_note(_r(repo), old, ['{"n":1}'])
    if rewrite_ref:  # what the README tells users to configure
        repo.git("config", "notes.rewriteRef", NOTES_REF)
    repo.git("commit", "-q", "--amend", "--allow-empty", "-m", "amended")
    assert repo.head() != old
    assert read_note(_r(repo), repo.head()) == kept


def test_cli_push_and_pull(clone: Clone, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = clone("a"), clone("b")
    append_state_lines(_r(a), "audit/log.jsonl", ["a"], "a")
    assert main(["state", "push", "--repo", str(a.path)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{NOTES_REF}: nothing to push (no such local ref)",
        f"{STATE_REF}: created on origin",
    ]
    b.git("remote", "rename", "origin", "upstream")
    assert main(["state", "pull", "--remote", "upstream", "--repo", str(b.path)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{NOTES_REF}: not on upstream yet",
        f"{STATE_REF}: created from upstream (1 commit)",
    ]


@pytest.mark.parametrize("action", ["push", "pull"])
def test_cli_without_the_remote_exits_2_naming_it(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], action: str
) -> None:
    assert main(["state", action, "--repo", str(repo.path)]) == 2
    err = capsys.readouterr().err
    assert "no remote named 'origin'" in err
    assert "Traceback" not in err
