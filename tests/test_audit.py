"""The audit log: chain across days, concurrent appenders, tamper detection, the state copy."""

from __future__ import annotations

import itertools
import json
import multiprocessing
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from specweave_git.cli.main import main
from specweave_git.context import Context
from specweave_git.gitio.repo import open_repo
from specweave_git.gitio.state import list_state_files, read_state_file
from specweave_git.sync.audit import (
    GENESIS,
    AuditLog,
    actor_of,
    log_dir,
    log_files,
    open_for_run,
    record_hash,
    verify,
    verify_state,
)
from specweave_git.sync.gate import Gate

from .conftest import Repo

START = datetime(2026, 3, 1, 23, 59, 58, tzinfo=timezone.utc)


def clock(start: datetime = START, step: float = 1.0) -> Callable[[], datetime]:
    ticks: Iterator[int] = iter(range(10_000))
    return lambda: start + timedelta(seconds=step * next(ticks))


def write(root: Path, n: int, now: Callable[[], datetime] | None = None, run: str = "r1") -> None:
    log = AuditLog(root, run, "user", "Test User <test@example.com>", now=now or clock())
    for i in range(n):
        log.record(
            kind="outcome",
            platform="github",
            operation="read",
            item=f"US-{i:03d}",
            decision="allowed",
            reason="allowed: sync.orchestration.permissions.github.canRead is true",
            result="success",
            duration_ms=1.5,
        )


def lines_of(root: Path) -> list[tuple[Path, list[str]]]:
    return [(p, p.read_text().splitlines()) for p in log_files(log_dir(root))]


def test_chain_runs_across_days(tmp_path: Path) -> None:
    write(tmp_path, 5)  # 23:59:58, 23:59:59 on day 1, then three on day 2
    (d1, l1), (d2, l2) = lines_of(tmp_path)
    assert (d1.name, d2.name) == ("audit-2026-03-01.jsonl", "audit-2026-03-02.jsonl")
    assert (len(l1), len(l2)) == (2, 3)
    records = [json.loads(x) for x in l1 + l2]
    assert records[0]["prev"] == GENESIS
    assert [r["seq"] for r in records] == [1, 2, 3, 4, 5]
    for before, after in itertools.pairwise(records):
        assert after["prev"] == before["hash"] == record_hash(before)
    assert records[0]["ts"] == "2026-03-01T23:59:58.000Z"
    report = verify(log_files(log_dir(tmp_path)))
    assert report.ok and report.render() == "ok: 5 records in 2 files, chain intact"


def test_a_later_run_continues_the_chain(tmp_path: Path) -> None:
    write(tmp_path, 2)
    write(tmp_path, 2, clock(START + timedelta(days=3)), run="r2")
    records = [json.loads(x) for _, ls in lines_of(tmp_path) for x in ls]
    assert [(r["seq"], r["run"]) for r in records] == [(1, "r1"), (2, "r1"), (3, "r2"), (4, "r2")]
    assert verify(log_files(log_dir(tmp_path))).ok


def _appender(root: str, run: str, n: int, start: Any) -> None:
    start.wait()
    write(Path(root), n, lambda: datetime(2026, 3, 1, 12, tzinfo=timezone.utc), run=run)


def test_concurrent_appenders_keep_one_chain(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    start = ctx.Event()
    procs = [
        ctx.Process(target=_appender, args=(str(tmp_path), f"p{i}", 25, start)) for i in range(3)
    ]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    ((_, lines),) = lines_of(tmp_path)
    records = [json.loads(x) for x in lines]
    assert [r["seq"] for r in records] == list(range(1, 76))
    assert sorted({r["run"] for r in records}) == ["p0", "p1", "p2"]
    report = verify(log_files(log_dir(tmp_path)))
    assert report.render() == "ok: 75 records in 1 file, chain intact"


# --- tampering ---------------------------------------------------------------------------


def _change_field(lines: list[str]) -> None:
    rec = json.loads(lines[2])
    rec["result"] = "denied"
    lines[2] = json.dumps(rec)


def _change_and_rehash(lines: list[str]) -> None:
    rec = json.loads(lines[2])
    rec["item"] = "US-999"
    rec["hash"] = record_hash(rec)
    lines[2] = json.dumps(rec)


def _swap(lines: list[str]) -> None:
    lines[2], lines[3] = lines[3], lines[2]


def _delete(lines: list[str]) -> None:
    del lines[2]


def _delete_two(lines: list[str]) -> None:
    del lines[2:4]


def _corrupt(lines: list[str]) -> None:
    lines[3] = lines[3][:40]


def _duplicate(lines: list[str]) -> None:
    lines.insert(3, lines[2])


def _delete_last(lines: list[str]) -> None:
    del lines[-1]


# Six records written on one day; (tamper, expected problem or None when undetectable).
@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (_change_field, ":3 (seq 3): changed: content does not match hash"),
        (_change_and_rehash,
         ":3 (seq 3): changed: its hash is not the prev of the next record (seq 4)"),
        (_swap, ":3 (seq 4): reordered: seq 4 comes before seq 3"),
        (_delete, ":3 (seq 4): removed: 1 record(s) before this one missing (seq 3)"),
        (_delete_two, ":3 (seq 5): removed: 2 record(s) before this one missing (seq 3-4)"),
        (_corrupt, ":4: corrupt: not a JSON audit record"),
        (_duplicate, ":4 (seq 3): reordered: seq 3 comes after seq 3"),
        (_delete_last, None),  # a truncated tail is undetectable (documented)
    ],
)  # fmt: skip
def test_tampering_is_detected_and_named(
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    tamper: Callable[[list[str]], None],
    expected: str | None,
) -> None:
    write(repo.path, 6, clock(datetime(2026, 3, 1, tzinfo=timezone.utc)))
    ((path, lines),) = lines_of(repo.path)
    tamper(lines)
    path.write_text("\n".join(lines) + "\n")
    code = main(["logs", "verify", "--repo", str(repo.path)])
    out = capsys.readouterr().out.strip()
    if expected is None:
        assert (code, out) == (0, "ok: 5 records in 1 file, chain intact")
    else:
        assert code == 1
        assert out == f"audit log broken: {path}{expected}"


def test_tampering_in_an_earlier_day_names_that_file(tmp_path: Path) -> None:
    write(tmp_path, 5)
    (day1, lines), _ = lines_of(tmp_path)
    _change_and_rehash_first = json.loads(lines[1])
    _change_and_rehash_first["reason"] = "allowed: trust me"
    _change_and_rehash_first["hash"] = record_hash(_change_and_rehash_first)
    day1.write_text(lines[0] + "\n" + json.dumps(_change_and_rehash_first) + "\n")
    broken = verify(log_files(log_dir(tmp_path))).broken
    assert broken is not None
    assert (Path(broken.file).name, broken.line, broken.seq, broken.what) == (
        "audit-2026-03-01.jsonl",
        2,
        2,
        "changed",
    )


def test_a_crash_mid_line_is_named_and_the_chain_goes_on(tmp_path: Path) -> None:
    write(tmp_path, 2)
    ((path, _),) = lines_of(tmp_path)[:1]
    with path.open("a") as fh:
        fh.write('{"seq": 3, "half a rec')
    write(tmp_path, 1, clock(START + timedelta(seconds=1)))
    lines = path.read_text().splitlines()
    assert json.loads(lines[-1])["seq"] == 3  # continued from the last good record
    broken = verify(log_files(log_dir(tmp_path))).broken
    assert broken is not None and (broken.line, broken.what) == (3, "corrupt")


def test_verify_with_explicit_paths_and_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, 5)
    _, day2 = log_files(log_dir(tmp_path))
    # One file alone starts mid-chain (as after retention): intact, and says where it starts.
    assert main(["logs", "verify", "--path", str(day2)]) == 0
    assert capsys.readouterr().out.strip() == (
        "ok: 3 records in 1 file, chain intact (starts at seq 3)"
    )
    assert main(["logs", "verify", "--path", str(tmp_path / "nope.jsonl")]) == 2
    assert "nope.jsonl: no such audit file" in capsys.readouterr().err


def test_empty_log_verifies(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["logs", "--repo", str(repo.path), "verify"]) == 0
    assert capsys.readouterr().out.strip() == "ok: 0 records in 0 files, chain intact"


# --- actor, CI, the state ref ------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "Test User <test@example.com>"),
        ({"GITHUB_ACTOR": "octocat"}, "octocat"),
    ],
)
def test_actor(repo: Repo, env: dict[str, str], expected: str) -> None:
    assert actor_of(open_repo(repo.path), env) == expected


def test_ci_run_appends_to_the_state_ref_and_continues_its_chain(repo: Repo) -> None:
    repo.commit("init")
    r = open_repo(repo.path)
    ci = Context("ci", "test")
    env = {"GITHUB_RUN_ID": "77", "GITHUB_RUN_ATTEMPT": "2", "GITHUB_ACTOR": "octocat"}
    first = open_for_run(r, ci, env=env, now=clock())
    assert first.run_id == "gh-77-2" and first.actor == "octocat"
    gate = Gate(None, ci, first)
    gate.call("github", "read", "US-1", lambda: 1)
    gate.call("github", "upsert-internal", "US-1", lambda: 1)  # denied: read only
    assert len(first.flush_to_state(r)) == 2  # the records span two days
    assert first.pending_state_lines() == {}
    # A fresh runner: no local log, so the chain continues from the state ref.
    for path in log_files(log_dir(repo.path)):
        path.unlink()
    env = {**env, "GITHUB_RUN_ID": "78", "GITHUB_RUN_ATTEMPT": "1"}
    second = open_for_run(r, ci, env=env, now=clock(datetime(2026, 3, 2, 12, tzinfo=timezone.utc)))
    gate = Gate(None, ci, second)
    gate.call("jira", "read", "US-2", lambda: 1)
    second.flush_to_state(r)
    assert list_state_files(r, "audit/") == [
        "audit/2026-03-01/gh-77-2.jsonl",
        "audit/2026-03-02/gh-77-2.jsonl",
        "audit/2026-03-02/gh-78-1.jsonl",
    ]
    # One file per run: the second run's chain continues the first's numbering.
    later = (read_state_file(r, "audit/2026-03-02/gh-78-1.jsonl") or b"").decode().splitlines()
    assert [json.loads(x)["seq"] for x in later] == [4, 5]
    assert {json.loads(x)["run"] for x in later} == {"gh-78-1"}
    report = verify_state(r)
    assert report.render() == "ok: 5 records in 3 files, chain intact"


def test_concurrent_ci_runs_keep_separate_chains_in_the_state_ref(repo: Repo) -> None:
    """Two runs that start from the same state write two files, not one interleaved
    chain, so the merged state ref still verifies."""
    repo.commit("init")
    r = open_repo(repo.path)
    ci = Context("ci", "test")
    logs = [
        open_for_run(r, ci, env={"GITHUB_RUN_ID": run, "GITHUB_ACTOR": "a"}, now=clock())
        for run in ("90", "91")
    ]
    for log in logs:
        Gate(None, ci, log).call("github", "read", "US-1", lambda: 1)
    for log in logs:
        log.flush_to_state(r)
    assert verify_state(r).ok


def test_user_context_does_not_buffer_for_the_state_ref(tmp_path: Path) -> None:
    write(tmp_path, 1)
    log = AuditLog(tmp_path, "r", "user", "me")
    assert log.to_state is False and log.pending_state_lines() == {}


def test_state_copy_tampering_is_detected(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    from specweave_git.gitio.state import update_state

    repo.commit("init")
    r = open_repo(repo.path)
    log = AuditLog(repo.path, "r", "ci", "octocat", now=clock(START + timedelta(hours=1)))
    for item in ("US-1", "US-2", "US-3"):
        log.record(
            kind="outcome", platform="github", operation="read", item=item,
            decision="allowed", reason="ok", result="success",
        )  # fmt: skip
    log.flush_to_state(r)
    name = "audit/2026-03-02/r.jsonl"
    lines = (read_state_file(r, name) or b"").decode().splitlines()
    update_state(r, {name: "\n".join([lines[0], lines[2]]).encode()}, "x")
    assert main(["logs", "verify", "--state", "--repo", str(repo.path)]) == 1
    out = capsys.readouterr().out
    assert f"refs/specweave/state:{name}:2 (seq 3): removed" in out


def test_token_is_never_written(repo: Repo) -> None:
    token = "ghp_" + "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp9Oo8"
    repo.commit("init")
    r = open_repo(repo.path)
    log = open_for_run(r, Context("ci", "test"), env={}, now=clock())
    gate = Gate(None, Context("ci", "test"), log, secrets=[token])

    def leak() -> None:
        raise ConnectionError(f"request to https://api.github.com?access_token={token} failed")

    with pytest.raises(ConnectionError):
        gate.call("github", "read", "US-1", leak)
    log.flush_to_state(r)
    written = b"".join(p.read_bytes() for p in (repo.path / ".specweave").rglob("*") if p.is_file())
    state = b"".join(read_state_file(r, n) or b"" for n in list_state_files(r))
    assert b"access_token=***" in written
    assert token.encode() not in written and token.encode() not in state
