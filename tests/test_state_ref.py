"""The state ref: reading, writing and appending without touching the work tree, local
races, the commit identity, and the JSON-aware three-way merge of two state trees."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Mapping

import pytest

from specweave_git.errors import UsageError
from specweave_git.gitio.repo import head, open_repo
from specweave_git.gitio.state import (
    FALLBACK_EMAIL,
    STATE_REF,
    append_state_lines,
    change_state,
    list_state_files,
    read_state_file,
    update_state,
)
from specweave_git.gitio.state_merge import merge_lines, merge_state
from tests.conftest import Repo as GitRepo


def _log(repo: GitRepo, fmt: str = "%s") -> list[str]:
    return repo.git("log", f"--format={fmt}", STATE_REF).splitlines()


def test_no_state_ref_reads_nothing(repo: GitRepo) -> None:
    r = open_repo(repo.path)
    assert (read_state_file(r, "schedule/jobs.json"), list_state_files(r)) == (None, [])


def test_write_read_list_delete_in_a_repo_without_commits(repo: GitRepo) -> None:
    r = open_repo(repo.path)
    assert head(r) is None  # HEAD is unborn: the state ref does not need it
    first = update_state(
        r, {"schedule/jobs.json": b"{}\n", "audit/2026-11-21.jsonl": b"{}\n"}, "first"
    )
    assert list_state_files(r) == ["audit/2026-11-21.jsonl", "schedule/jobs.json"]
    assert list_state_files(r, "schedule/") == ["schedule/jobs.json"]
    second = update_state(r, {"audit/2026-11-21.jsonl": None, "sync/outbox.jsonl": b"x\n"}, "2nd")
    assert list_state_files(r) == ["schedule/jobs.json", "sync/outbox.jsonl"]
    assert read_state_file(r, "sync/outbox.jsonl") == b"x\n"
    assert repo.git("rev-parse", f"{second}^").strip() == first
    assert _log(repo) == ["2nd", "first"]


def test_an_update_that_changes_nothing_makes_no_commit(repo: GitRepo) -> None:
    r = open_repo(repo.path)
    first = update_state(r, {"a.json": b"{}\n"}, "one")
    assert update_state(r, {"a.json": b"{}\n", "gone.json": None}, "two") == first
    assert _log(repo) == ["one"]


def test_work_tree_and_index_are_untouched(repo: GitRepo) -> None:
    repo.write("tracked.txt", "1\n")
    repo.commit("c")
    repo.write("tracked.txt", "2\n")
    repo.write("staged.txt", "s\n")
    repo.git("add", "staged.txt")
    before = (repo.git("status", "--porcelain"), (repo.path / ".git/index").read_bytes())
    r = open_repo(repo.path)
    update_state(r, {"schedule/jobs.json": b"{}\n"}, "m")
    append_state_lines(r, "audit/a.jsonl", ["{}"], "m")
    assert (repo.git("status", "--porcelain"), (repo.path / ".git/index").read_bytes()) == before
    assert not (repo.path / "schedule").exists()


@pytest.mark.parametrize(
    ("old", "lines", "expected"),
    [
        (None, ['{"a":1}'], b'{"a":1}\n'),
        (b'{"a":1}\n', ['{"b":2}', '{"c":3}'], b'{"a":1}\n{"b":2}\n{"c":3}\n'),
        (b'{"a":1}', ['{"b":2}'], b'{"a":1}\n{"b":2}\n'),  # no final newline yet
    ],
)
def test_append_lines(repo: GitRepo, old: bytes | None, lines: list[str], expected: bytes) -> None:
    r = open_repo(repo.path)
    if old is not None:
        update_state(r, {"audit/a.jsonl": old}, "seed")
    append_state_lines(r, "audit/a.jsonl", lines, "append")
    assert read_state_file(r, "audit/a.jsonl") == expected


@pytest.mark.parametrize(
    "path", ["", "/abs.json", "a//b.json", "../up.json", "a/./b.json", ".git/x", "a\nb", "a\\b"]
)
def test_bad_paths_are_usage_errors(repo: GitRepo, path: str) -> None:
    with pytest.raises(UsageError, match="invalid state file path"):
        update_state(open_repo(repo.path), {path: b"x"}, "m")


def test_line_breaks_in_a_jsonl_line_are_refused(repo: GitRepo) -> None:
    with pytest.raises(UsageError, match="line break"):
        append_state_lines(open_repo(repo.path), "a.jsonl", ['{"a":\n1}'], "m")
    assert repo.git("rev-parse", "-q", "--verify", STATE_REF, check=False) == ""


def test_a_lost_local_race_re_reads_and_re_applies(repo: GitRepo) -> None:
    r = open_repo(repo.path)
    calls: list[bytes | None] = []

    def change(read: Callable[[str], bytes | None]) -> Mapping[str, bytes | None]:
        old = read("log.jsonl")
        calls.append(old)
        if len(calls) == 1:  # another writer lands between our read and our swap
            append_state_lines(r, "log.jsonl", ["racer"], "racer")
        return {"log.jsonl": (old or b"") + b"ours\n"}

    change_state(r, change, "ours")
    assert calls == [None, b"racer\n"]
    assert read_state_file(r, "log.jsonl") == b"racer\nours\n"
    assert _log(repo) == ["ours", "racer"]


def test_concurrent_local_appenders_lose_nothing(repo: GitRepo) -> None:
    script = (
        "import sys\n"
        "from specweave_git.gitio.repo import open_repo\n"
        "from specweave_git.gitio.state import append_state_lines\n"
        "r = open_repo()\n"
        "for i in range(5):\n"
        "    append_state_lines(r, 'audit/a.jsonl', [f'{sys.argv[1]}-{i}'], 'append')\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, f"w{n}"], cwd=repo.path) for n in range(3)
    ]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0]
    lines = (read_state_file(open_repo(repo.path), "audit/a.jsonl") or b"").decode().split()
    assert sorted(lines) == sorted(f"w{n}-{i}" for n in range(3) for i in range(5))
    assert len(_log(repo)) == 15


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        (True, "Test User <test@example.com>"),
        (False, f"specweave-git <{FALLBACK_EMAIL}>"),
    ],
)
def test_commit_identity(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, configured: bool, expected: str
) -> None:
    if not configured:  # a CI runner: no user.name anywhere
        monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(repo.path / "no-such-config"))
    update_state(open_repo(repo.path), {"a.json": b"{}\n"}, "m")
    assert _log(repo, "%an <%ae>|%cn <%ce>") == [f"{expected}|{expected}"]


def _j(value: object) -> bytes:
    return json.dumps(value).encode()


def _files(merged: Mapping[str, bytes]) -> dict[str, object]:
    return {
        p: json.loads(d) if p.endswith(".json") else d.decode().splitlines()
        for p, d in merged.items()
    }


@pytest.mark.parametrize(
    ("base", "ours", "theirs", "expected", "conflicts"),
    [
        # one side changed a file: take it
        ({"a.json": _j({"x": 1})}, {"a.json": _j({"x": 2})}, {"a.json": _j({"x": 1})},
         {"a.json": {"x": 2}}, []),
        ({"a.json": _j({"x": 1})}, {"a.json": _j({"x": 1})}, {"a.json": _j({"x": 3})},
         {"a.json": {"x": 3}}, []),
        # added on one side only; deleted on one side only
        ({}, {}, {"new.jsonl": b"l\n"}, {"new.jsonl": ["l"]}, []),
        ({"a.json": _j({})}, {}, {"a.json": _j({})}, {}, []),
        # deleted on one side, changed on the other: keep the change
        ({"a.json": _j({"x": 1})}, {}, {"a.json": _j({"x": 2})}, {"a.json": {"x": 2}}, []),
        ({"a.json": _j({"x": 1})}, {"a.json": _j({"x": 2})}, {}, {"a.json": {"x": 2}}, []),
        # JSONL: base, ours' new lines, theirs' new lines not already there
        ({"l.jsonl": b"a\nb\n"}, {"l.jsonl": b"a\nb\nc\nd\n"}, {"l.jsonl": b"a\nb\nd\ne\n"},
         {"l.jsonl": ["a", "b", "c", "d", "e"]}, []),
        # both added the file
        ({}, {"l.jsonl": b"x\n"}, {"l.jsonl": b"y\nx\n"}, {"l.jsonl": ["x", "y"]}, []),
        # JSON objects key by key, recursively
        ({"s.json": _j({"jobs": {"a": {"n": 1}, "b": {"n": 1}}})},
         {"s.json": _j({"jobs": {"a": {"n": 2}, "b": {"n": 1}}, "v": 1})},
         {"s.json": _j({"jobs": {"a": {"n": 1}, "b": {"n": 5}, "c": {}}})},
         {"s.json": {"jobs": {"a": {"n": 2}, "b": {"n": 5}, "c": {}}, "v": 1}}, []),
        # a key deleted on one side, another changed on the other
        ({"s.json": _j({"a": 1, "b": 1})}, {"s.json": _j({"b": 1})},
         {"s.json": _j({"a": 1, "b": 2})}, {"s.json": {"b": 2}}, []),
        # same scalar, both changed: the later updated_at wins ...
        ({"s.json": _j({"j": {"st": "x", "updated_at": "2026-01-01"}})},
         {"s.json": _j({"j": {"st": "ours", "updated_at": "2026-01-02"}})},
         {"s.json": _j({"j": {"st": "theirs", "updated_at": "2026-01-03"}})},
         {"s.json": {"j": {"st": "theirs", "updated_at": "2026-01-03"}}},
         ["s.json:/j/st", "s.json:/j/updated_at"]),
        # ... or last_run ...
        ({"s.json": _j({"j": {"n": 0}})},
         {"s.json": _j({"j": {"n": 1, "last_run": "2026-05-01T00:00:00Z"}})},
         {"s.json": _j({"j": {"n": 2, "last_run": "2026-04-01T00:00:00Z"}})},
         {"s.json": {"j": {"n": 1, "last_run": "2026-05-01T00:00:00Z"}}},
         ["s.json:/j/n", "s.json:/j/last_run"]),
        # ... else ours
        ({"s.json": _j({"n": 0})}, {"s.json": _j({"n": 1})}, {"s.json": _j({"n": 2})},
         {"s.json": {"n": 1}}, ["s.json:/n"]),
        # a file that is not JSON(L), changed on both sides: ours, recorded
        ({"x.txt": b"0"}, {"x.txt": b"1"}, {"x.txt": b"2"}, {"x.txt": ["1"]}, ["x.txt:"]),
        ({"s.json": b"{}"}, {"s.json": b"{bad"}, {"s.json": _j({"a": 1})}, None,
         ["s.json: (not valid JSON, kept ours)"]),
    ],
)  # fmt: skip
def test_merge_state(
    base: dict[str, bytes],
    ours: dict[str, bytes],
    theirs: dict[str, bytes],
    expected: dict[str, object] | None,
    conflicts: list[str],
) -> None:
    result = merge_state(base, ours, theirs)
    if expected is None:
        assert result.files == ours
    else:
        assert _files(result.files) == expected
    assert list(result.conflicts) == conflicts


@pytest.mark.parametrize(
    ("base", "ours", "theirs", "expected"),
    [
        (b"", b"", b"", b""),
        (b"a\n", b"a\nb\n", b"a\nb\n", b"a\nb\n"),  # the same line added on both: once
        (b"a\nb\n", b"b\n", b"a\nb\nc\n", b"b\nc\n"),  # a removal (a drained outbox) stays
        (b"a\n", b"a\n\nb\n", b"a\nc", b"a\nb\nc\n"),  # blank lines and no final newline
        (b"a\na\n", b"a\na\na\n", b"a\na\n", b"a\na\na\n"),  # lines are a multiset
    ],
)
def test_merge_lines(base: bytes, ours: bytes, theirs: bytes, expected: bytes) -> None:
    assert merge_lines(base, ours, theirs) == expected
