"""`logs query|stats|export|prune|verify`: filters, order across days and -N segments,
the state-ref source, export round trips, retention."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from specweave_git.cli.main import main
from specweave_git.gitio.repo import open_repo
from specweave_git.gitio.state import read_state_file, update_state
from specweave_git.logs.export import CSV_FIELDS
from specweave_git.logs.files import order_key, rotate_if_needed
from specweave_git.logs.lines import reverse_bytes_lines, reverse_lines
from specweave_git.sync.audit import AuditLog, log_dir, log_files, verify

from .conftest import Repo

START = datetime(2026, 3, 1, 23, 59, 50, tzinfo=timezone.utc)
PLATFORMS = ("github", "jira", "ado")
OPERATIONS = ("read", "upsert-external", "update-status")
RESULTS = ("success", "error", "denied", None)


def clock(start: datetime = START, step: float = 1.0) -> Callable[[], datetime]:
    ticks: Iterator[int] = iter(range(100_000))
    return lambda: start + timedelta(seconds=step * next(ticks))


def fill(
    root: Path,
    n: int,
    *,
    start: datetime = START,
    step: float = 1.0,
    context: str = "user",
    max_bytes: int | None = 1500,
    run: str = "r1",
) -> AuditLog:
    """n records, one a second from ``start``: seq i has platform PLATFORMS[i % 3],
    operation OPERATIONS[i % 3 // ...], result RESULTS[i % 4] (i from 1)."""
    log = AuditLog(root, run, context, "Test User", now=clock(start, step), max_bytes=max_bytes)
    for i in range(1, n + 1):
        result = RESULTS[i % 4]
        log.record(
            kind="decision" if result in (None, "denied") else "outcome",
            platform=PLATFORMS[i % 3],
            operation=OPERATIONS[(i // 3) % 3],
            item=f"US-{i:03d}",
            decision="denied" if result == "denied" else "allowed",
            reason="because",
            result=result,
            duration_ms=2.0 if result in ("success", "error") else None,
        )
    return log


def expected(n: int, **want: Any) -> list[int]:
    """The seqs fill() gives that match, newest first."""
    out = []
    for i in range(n, 0, -1):
        rec = {
            "platform": PLATFORMS[i % 3],
            "operation": OPERATIONS[(i // 3) % 3],
            "result": RESULTS[i % 4] or "none",
        }
        if all(rec[k] == v for k, v in want.items()):
            out.append(i)
    return out


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def seqs(repo: Repo, *args: str) -> list[int]:
    code, out, err = run_cli("logs", "query", "--repo", str(repo.path), "--format", "jsonl", *args)
    assert code == 0, err
    return [json.loads(line)["seq"] for line in out.splitlines()]


# ------------------------------------------------------------------ files and lines


@pytest.mark.parametrize(
    ("names", "ordered"),
    [
        (
            ["audit-2026-03-01-1.jsonl", "audit-2026-03-01.jsonl"],
            ["audit-2026-03-01.jsonl", "audit-2026-03-01-1.jsonl"],
        ),
        (
            ["audit-2026-03-01-10.jsonl", "audit-2026-03-01-2.jsonl", "audit-2026-03-01-9.jsonl"],
            ["audit-2026-03-01-2.jsonl", "audit-2026-03-01-9.jsonl", "audit-2026-03-01-10.jsonl"],
        ),
        (
            ["audit-2026-03-02.jsonl", "audit-2026-03-01-3.jsonl", "audit-2026-02-28.jsonl"],
            ["audit-2026-02-28.jsonl", "audit-2026-03-01-3.jsonl", "audit-2026-03-02.jsonl"],
        ),
    ],
)
def test_segments_sort_in_write_order(names: list[str], ordered: list[str]) -> None:
    assert [p.name for p in sorted(map(Path, names), key=order_key)] == ordered


@pytest.mark.parametrize(
    ("existing", "max_bytes", "incoming", "target"),
    [
        ({}, 100, 10, "audit-2026-03-01.jsonl"),  # nothing yet
        ({"audit-2026-03-01.jsonl": 50}, 100, 10, "audit-2026-03-01.jsonl"),  # room left
        ({"audit-2026-03-01.jsonl": 95}, 100, 10, "audit-2026-03-01-1.jsonl"),  # would pass
        ({"audit-2026-03-01.jsonl": 95}, None, 10, "audit-2026-03-01.jsonl"),  # no cap
        (
            {"audit-2026-03-01.jsonl": 100, "audit-2026-03-01-1.jsonl": 100},
            100,
            10,
            "audit-2026-03-01-2.jsonl",
        ),
        (
            {"audit-2026-03-01.jsonl": 100, "audit-2026-03-01-9.jsonl": 20},
            100,
            10,
            "audit-2026-03-01-9.jsonl",
        ),
        ({"audit-2026-03-01.jsonl": 0}, 5, 10, "audit-2026-03-01.jsonl"),  # never empty
    ],
)
def test_rotate_if_needed(
    tmp_path: Path, existing: dict[str, int], max_bytes: int | None, incoming: int, target: str
) -> None:
    for name, size in existing.items():
        (tmp_path / name).write_bytes(b"x" * size)
    assert rotate_if_needed(tmp_path / "audit-2026-03-01.jsonl", max_bytes, incoming).name == target


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"a\n",
        b"a",
        b"one\ntwo\nthree\n",
        b"one\ntwo\nthree",
        b"\n\nx\n\n\ny\n",
        b"crlf\r\nline\r\n",
        b"a-line-much-longer-than-the-block\nb\nanother-long-line-here\n",
    ],
)
@pytest.mark.parametrize("block", [1, 3, 7, 1024])
def test_reverse_lines(tmp_path: Path, content: bytes, block: int) -> None:
    path = tmp_path / "f"
    path.write_bytes(content)
    want = [line.rstrip(b"\r") for line in content.split(b"\n") if line.rstrip(b"\r")][::-1]
    assert list(reverse_lines(path, block)) == want
    assert list(reverse_bytes_lines(content)) == want


# ------------------------------------------------------------------ query


def test_rotated_log_is_one_chain_newest_first(repo: Repo) -> None:
    # ~300-byte records and a 1500-byte cap: several segments a day, -10 and beyond.
    fill(repo.path, 80, max_bytes=700)
    names = [p.name for p in log_files(log_dir(repo.path))]
    assert "audit-2026-03-01.jsonl" in names and "audit-2026-03-02-11.jsonl" in names
    assert verify(log_files(log_dir(repo.path))).ok
    assert seqs(repo, "--limit", "0") == list(range(80, 0, -1))


N = 40


@pytest.mark.parametrize(
    ("args", "want"),
    [
        ((), expected(N)[:50]),
        (("--limit", "5"), expected(N)[:5]),
        (("--limit", "5", "--offset", "3"), expected(N)[3:8]),
        (("--offset", "38", "--limit", "10"), expected(N)[38:]),
        (
            (
                "--offset",
                "100",
            ),
            [],
        ),
        (("--platform", "jira"), expected(N, platform="jira")),
        (("--platform", "gitlab"), []),
        (("--operation", "update-status"), expected(N, operation="update-status")),
        (("--result", "denied"), expected(N, result="denied")),
        (("--result", "none"), expected(N, result="none")),
        (
            ("--platform", "github", "--result", "success", "--limit", "2"),
            expected(N, platform="github", result="success")[:2],
        ),
        # seq i is at START + (i-1) s: 23:59:50 is seq 1, midnight is seq 11.
        (("--since", "2026-03-02"), list(range(N, 10, -1))),
        (("--until", "2026-03-01"), list(range(10, 0, -1))),
        (("--until", "2026-03-02T00:00:00Z"), list(range(10, 0, -1))),
        (
            ("--since", "2026-03-01T23:59:55Z", "--until", "2026-03-02T00:00:02+00:00"),
            list(range(12, 5, -1)),
        ),
        (("--since", "2026-03-02T01:00:00+01:00", "--limit", "3"), [N, N - 1, N - 2]),
        (("--since", "2026-03-03"), []),
    ],
)
def test_query_filters(repo: Repo, args: tuple[str, ...], want: list[int]) -> None:
    fill(repo.path, N)
    assert seqs(repo, *args) == want


def test_durations_count_back_from_now(repo: Repo) -> None:
    now = datetime.now(timezone.utc)
    fill(repo.path, 10, start=now - timedelta(hours=30), step=3600 * 3)  # every 3 h
    # seq 1 at -30h, then every 3 h to seq 10 at -3h; seq 3 (-24h) is just outside
    # the last 24 h by the time the query runs.
    assert seqs(repo, "--since", "24h") == [10, 9, 8, 7, 6, 5, 4]
    assert seqs(repo, "--since", "2d", "--until", "26h") == [2, 1]
    assert seqs(repo, "--since", "90m") == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--since", "yesterday"), "--since: invalid value 'yesterday'"),
        (("--until", "2026-13-01"), "--until: invalid value"),
        (("--since", "5x"), "--since: invalid value '5x'"),
        (("--since", "2026-03-02", "--until", "2026-03-01"), "is not before --until"),
        (("--result", "ok"), "--result: unknown value 'ok'"),
        (("--operation", "write"), "--operation: unknown value 'write'"),
        (("--limit", "-1"), "--limit: must be 0 or more"),
        (("--offset", "-2"), "--offset: must be 0 or more"),
    ],
)
def test_bad_arguments_exit_2(repo: Repo, args: tuple[str, ...], message: str) -> None:
    code, out, err = run_cli("logs", "query", "--repo", str(repo.path), *args)
    assert (code, out) == (2, "")
    assert message in err and "Traceback" not in err


def test_query_reads_only_what_it_needs(repo: Repo) -> None:
    fill(repo.path, 20)
    # An old "file" that cannot be read: a query stopping at its limit, or skipping it by
    # the date in its name, never opens it; a full scan does (and fails).
    (log_dir(repo.path) / "audit-2020-01-01.jsonl").mkdir()
    assert seqs(repo, "--limit", "3") == [20, 19, 18]
    assert seqs(repo, "--since", "2026-03-01", "--limit", "0") == list(range(20, 0, -1))
    code, _, err = run_cli("logs", "query", "--repo", str(repo.path), "--limit", "0")
    assert code == 3 and "IsADirectoryError" in err


def test_text_and_json_formats(repo: Repo) -> None:
    fill(repo.path, 6)
    code, out, _ = run_cli("logs", "query", "--repo", str(repo.path), "--limit", "2")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines == [
        "2026-03-01T23:59:55.000Z  #6  github  update-status  US-006  denied  because",
        "2026-03-01T23:59:54.000Z  #5  ado  upsert-external  US-005  error 2ms  because",
    ]
    code, out, _ = run_cli("logs", "query", "--repo", str(repo.path), "--format", "json")
    assert [r["seq"] for r in json.loads(out)] == [6, 5, 4, 3, 2, 1]
    code, out, _ = run_cli(
        "logs", "query", "--repo", str(repo.path), "--format", "json", "--platform", "x"
    )
    assert json.loads(out) == []


# ------------------------------------------------------------------ state ref


def test_state_ref_source_is_merged_and_deduplicated(repo: Repo) -> None:
    repo.commit("init")
    git_repo = open_repo(repo.path)
    # A CI run: records on this disk and (flushed) in the state ref, 2 s apart.
    ci = fill(repo.path, 6, context="ci", step=2.0, run="ci")
    ci.flush_to_state(git_repo)
    # Another runner's records only in the state ref, at the odd seconds: copy them in
    # by hand (a pull would), then forget the runner's disk.
    other = repo.path / "other"
    runner = fill(other, 4, start=START + timedelta(seconds=1), step=2.0, context="ci", run="b")
    runner.flush_to_state(git_repo)
    # ...kept in the older flat layout (audit/DAY.jsonl), which is read too.
    per_run = "audit/2026-03-01/b.jsonl"
    flat = {"audit/2026-03-01.jsonl": read_state_file(git_repo, per_run), per_run: None}
    update_state(git_repo, flat, "flat")

    def runs(*args: str) -> list[tuple[str, int]]:
        code, out, err = run_cli(
            "logs", "query", "--repo", str(repo.path), "--format", "jsonl", *args
        )
        assert code == 0, err
        return [(r["run"], r["seq"]) for r in map(json.loads, out.splitlines())]

    merged = runs("--source", "all")
    assert merged == [
        ("ci", 6), ("ci", 5), ("b", 4), ("ci", 4), ("b", 3), ("ci", 3), ("b", 2), ("ci", 2),
        ("b", 1), ("ci", 1),
    ]  # fmt: skip
    assert runs("--source", "local") == [("ci", s) for s in range(6, 0, -1)]
    # The state ref's day holds the two runs one after the other; read in time order.
    assert runs("--source", "state") == merged
    assert runs("--source", "all", "--platform", "jira", "--limit", "2") == [("b", 4), ("ci", 4)]
    code, out, _ = run_cli("logs", "stats", "--repo", str(repo.path), "--format", "json")
    assert code == 0 and json.loads(out)["total"] == 10


# ------------------------------------------------------------------ stats


def test_stats(repo: Repo) -> None:
    fill(repo.path, 12)
    code, out, _ = run_cli("logs", "stats", "--repo", str(repo.path), "--format", "json")
    doc = json.loads(out)
    assert code == 0
    assert doc["total"] == 12
    assert (doc["first"], doc["last"]) == ("2026-03-01T23:59:50.000Z", "2026-03-02T00:00:01.000Z")
    assert doc["by_day"] == {"2026-03-01": 10, "2026-03-02": 2}
    assert doc["by_platform"] == {"ado": 4, "github": 4, "jira": 4}
    assert doc["by_result"] == {"denied": 3, "error": 3, "none": 3, "success": 3}
    assert doc["activity"]["github"] == {"synced": 1, "failed": 1, "denied": 1, "dry-run": 0}
    code, out, _ = run_cli("logs", "stats", "--repo", str(repo.path), "--platform", "jira")
    assert out.splitlines()[0].startswith("4 record(s), ")
    assert "jira" in out and "github" not in out


# ------------------------------------------------------------------ export


def test_export_round_trips(repo: Repo, tmp_path: Path) -> None:
    fill(repo.path, 15)
    on_disk = [
        json.loads(line)
        for p in log_files(log_dir(repo.path))
        for line in p.read_text().splitlines()
    ]
    base = ("logs", "export", "--repo", str(repo.path))

    code, out, _ = run_cli(*base, "--format", "json")
    assert code == 0 and json.loads(out) == on_disk  # oldest first, every key

    target = tmp_path / "out.jsonl"
    code, _, err = run_cli(*base, "--format", "jsonl", "--output", str(target))
    assert code == 0 and "wrote 15 record(s)" in err
    assert [json.loads(line) for line in target.read_text().splitlines()] == on_disk
    # Byte for byte the log's lines, so the export verifies as a chain on its own.
    assert run_cli("logs", "verify", "--path", str(target))[:2] == (
        0,
        "ok: 15 records in 1 file, chain intact\n",
    )

    code, out, _ = run_cli(*base, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert tuple(csv.DictReader(io.StringIO(out)).fieldnames or ()) == CSV_FIELDS
    assert rows == [{k: "" if r.get(k) is None else str(r[k]) for k in CSV_FIELDS} for r in on_disk]

    code, out, _ = run_cli(*base, "--format", "json", "--platform", "nope")
    assert json.loads(out) == []
    code, out, _ = run_cli(*base, "--format", "csv", "--result", "denied")
    assert [r["seq"] for r in csv.DictReader(io.StringIO(out))] == ["2", "6", "10", "14"]


def test_export_to_an_unwritable_place_exits_2(repo: Repo, tmp_path: Path) -> None:
    fill(repo.path, 2)
    code, _, err = run_cli(
        "logs", "export", "--repo", str(repo.path), "--output", str(tmp_path / "no" / "x.csv")
    )
    assert code == 2 and "--output: cannot write" in err


# ------------------------------------------------------------------ prune


def _days_ago(repo: Repo, ages: list[int], per_day: int = 3) -> None:
    """A chain with ``per_day`` records on each of the days ``ages`` days ago."""
    today = datetime.now(timezone.utc).replace(hour=12, minute=0, second=0, microsecond=0)
    times = [
        today - timedelta(days=a, minutes=m)
        for a in sorted(ages, reverse=True)
        for m in range(per_day, 0, -1)
    ]
    ticks = iter(times)
    log = AuditLog(repo.path, "r", "user", "me", now=lambda: next(ticks))
    for i in range(len(times)):
        log.record(
            kind="outcome", platform="github", operation="read", item=str(i),
            decision="allowed", reason="r", result="success",
        )  # fmt: skip


@pytest.mark.parametrize(
    ("ages", "config_days", "flag_days", "left_ages", "first_seq"),
    [
        ([40, 35, 10, 0], 30, None, [10, 0], 7),  # config's retentionDays
        ([40, 35, 10, 0], 30, 5, [0], 10),  # the flag wins
        ([40, 35, 10, 0], 60, None, [40, 35, 10, 0], 1),  # nothing old enough
        ([90, 80], 30, None, [80], 4),  # the newest day stays: the chain goes on from it
    ],
)
def test_prune_by_retention_then_verify(
    repo: Repo,
    ages: list[int],
    config_days: int,
    flag_days: int | None,
    left_ages: list[int],
    first_seq: int,
) -> None:
    repo.write(
        ".specweave/config.json",
        json.dumps({"sync": {"orchestration": {"logging": {"retentionDays": config_days}}}}),
    )
    _days_ago(repo, ages)
    today = datetime.now(timezone.utc).date()
    want = [f"audit-{today - timedelta(days=a)}.jsonl" for a in left_ages]
    flag = ("--retention-days", str(flag_days)) if flag_days is not None else ()

    code, out, _ = run_cli("logs", "prune", "--repo", str(repo.path), "--dry-run", *flag)
    assert code == 0 and len(log_files(log_dir(repo.path))) == len(ages)
    code, out2, _ = run_cli("logs", "prune", "--repo", str(repo.path), *flag)
    assert code == 0 and out2 == out.replace("would delete", "deleted")
    assert [p.name for p in log_files(log_dir(repo.path))] == want

    code, out, _ = run_cli("logs", "verify", "--repo", str(repo.path))
    start = f" (starts at seq {first_seq})" if first_seq != 1 else ""
    assert (code, out) == (
        0,
        f"ok: {3 * len(left_ages)} records in {len(want)} files, chain intact{start}\n".replace(
            "3 records in 1 files", "3 records in 1 file"
        ),
    )
    # The chain continues after a prune.
    AuditLog(repo.path, "r2", "user", "me").record(
        kind="outcome", platform="jira", operation="read", item=None,
        decision="allowed", reason="r", result="success",
    )  # fmt: skip
    assert run_cli("logs", "verify", "--repo", str(repo.path))[0] == 0


def test_prune_state_ref(repo: Repo) -> None:
    repo.commit("init")
    git_repo = open_repo(repo.path)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    log = fill(repo.path, 3, start=now - timedelta(days=50), step=86400 * 20, context="ci")
    log.flush_to_state(git_repo)
    code, out, _ = run_cli(
        "logs", "prune", "--repo", str(repo.path), "--state", "--retention-days", "30"
    )
    assert code == 0
    old = f"refs/specweave/state:audit/{(now - timedelta(days=50)).date()}/r1.jsonl"
    assert old in out
    code, out, _ = run_cli("logs", "verify", "--repo", str(repo.path), "--state")
    assert (code, out) == (0, "ok: 2 records in 2 files, chain intact (starts at seq 2)\n")
