"""Git notes as JSON lines: read, append, iterate all of them cheaply (gitio/notes.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from specweave_git.errors import GitError
from specweave_git.gitio.notes import NOTES_REF, append_note, iter_notes, read_note
from specweave_git.gitio.repo import open_repo

from .conftest import Repo


def raw_note(repo: Repo, commit: str, ref: str = NOTES_REF) -> str:
    return repo.git("notes", "--ref", ref, "show", commit)


def test_no_notes_ref_yet(repo: Repo) -> None:
    head = repo.commit("first")
    r = open_repo(repo.path)
    assert read_note(r, head) == []
    assert list(iter_notes(r)) == []
    assert repo.git("for-each-ref", "refs/notes/") == ""


@pytest.mark.parametrize(
    ("batches", "expected"),
    [
        ([['{"a":1}']], ['{"a":1}']),
        ([['{"a":1}'], ['{"b":2}']], ['{"a":1}', '{"b":2}']),
        ([['{"a":1}', '{"b":2}'], [], ['{"c":3}']], ['{"a":1}', '{"b":2}', '{"c":3}']),
        # the same line twice stays twice: the writer decides what it appends
        ([["x"], ["x"]], ["x", "x"]),
    ],
)
def test_append_accumulates_without_blank_lines(
    repo: Repo, batches: list[list[str]], expected: list[str]
) -> None:
    head = repo.commit("first")
    r = open_repo(repo.path)
    for batch in batches:
        append_note(r, "HEAD", batch)
    assert read_note(r, head) == expected
    assert raw_note(repo, head) == "".join(f"{line}\n" for line in expected)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        # `git notes append` by another tool: paragraphs separated by blank lines
        ("reviewed by Alice\n\nLGTM\n", ["reviewed by Alice", "LGTM"]),
        ('{"kind":"check"}\n\n{"kind":"state"}\n', ['{"kind":"check"}', '{"kind":"state"}']),
        ("no newline at the end", ["no newline at the end"]),
    ],
)
def test_notes_written_by_others_are_read_as_lines(
    repo: Repo, written: str, expected: list[str]
) -> None:
    head = repo.commit("first")
    repo.git("notes", "--ref", NOTES_REF, "add", "-m", written, head)
    r = open_repo(repo.path)
    assert read_note(r, head) == expected
    append_note(r, head, ['{"new":true}'])
    assert read_note(r, head) == [*expected, '{"new":true}']


def test_another_ref_is_separate(repo: Repo) -> None:
    head = repo.commit("first")
    r = open_repo(repo.path)
    append_note(r, head, ["mine"])
    append_note(r, head, ["other"], ref="refs/notes/other")
    assert read_note(r, head) == ["mine"]
    assert read_note(r, head, "refs/notes/other") == ["other"]
    assert list(iter_notes(r, "refs/notes/other")) == [(head, ["other"])]


@pytest.mark.parametrize(
    ("commit", "message"),
    [
        ("nosuchref", "nosuchref"),
        ("-rf", "invalid commit"),
    ],
)
def test_unknown_commit_is_a_git_error_naming_it(repo: Repo, commit: str, message: str) -> None:
    repo.commit("first")
    r = open_repo(repo.path)
    with pytest.raises(GitError, match=message) as info:
        read_note(r, commit)
    assert info.value.exit_code == 2
    with pytest.raises(GitError, match=commit.lstrip("-")):
        append_note(r, commit, ["x"])


@pytest.mark.parametrize("line", ["two\nlines", "carriage\rreturn"])
def test_a_line_break_inside_a_line_is_refused(repo: Repo, line: str) -> None:
    head = repo.commit("first")
    r = open_repo(repo.path)
    with pytest.raises(ValueError, match="line break"):
        append_note(r, head, [line])
    assert read_note(r, head) == []


def test_iter_notes_reads_every_note_with_one_list_and_one_batch(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commits = [repo.commit(f"c{i}") for i in range(12)]
    for i, commit in enumerate(commits):
        repo.git("notes", "--ref", NOTES_REF, "add", "-m", f'{{"n":{i}}}', commit)
    r = open_repo(repo.path)
    trace = tmp_path / "trace.log"
    monkeypatch.setenv("GIT_TRACE", str(trace))
    found = dict(iter_notes(r))
    assert found == {c: [f'{{"n":{i}}}'] for i, c in enumerate(commits)}
    calls = [ln for ln in trace.read_text().splitlines() if "built-in: git" in ln]
    assert len(calls) == 2, calls
    assert "notes --ref refs/notes/specweave list" in calls[0]
    assert "cat-file --batch" in calls[1]


def test_a_repository_without_an_identity_still_gets_its_note(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = repo.commit("first")
    # A CI runner nobody configured: no user.name, no user.email, no guessing.
    empty_home = tmp_path / "nohome"
    empty_home.mkdir()
    monkeypatch.setenv("HOME", str(empty_home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(empty_home))
    repo.git("config", "user.useConfigOnly", "true")
    r = open_repo(repo.path)
    append_note(r, head, ['{"a":1}'])
    assert read_note(r, head) == ['{"a":1}']
    assert repo.git("log", "-1", "--format=%cn", NOTES_REF).strip() == "specweave-git"
