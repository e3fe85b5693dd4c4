"""`monitor`: what the dashboard collects from git, and its three renderings."""

from __future__ import annotations

import contextlib
import io
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from rich.console import Console

from specweave_git.cli.main import main
from specweave_git.config import load_config
from specweave_git.gitio.notes import append_note
from specweave_git.gitio.repo import open_repo
from specweave_git.monitor.collect import check_points, collect, trend
from specweave_git.monitor.model import Dashboard, TrendPoint
from specweave_git.monitor.render import render_markdown, render_text, sparkline
from specweave_git.monitor.rich_view import renderable
from specweave_git.notify.model import Notification, dumps
from specweave_git.notify.store import add_notification, set_status
from specweave_git.schedule.model import JobState
from specweave_git.schedule.state import write_job
from specweave_git.sync.audit import AuditLog

from .conftest import Repo

NOW = datetime(2026, 3, 10, 12, 0, 0, tzinfo=timezone.utc)

# (scope kind, trivial, minor, major, breaking) of the checks, oldest first.
CHECKS = [
    ("all", 5, 3, 1, 0),
    ("range", 0, 1, 0, 0),  # a PR check: not comparable with full scans
    ("all", 4, 3, 2, 1),
    ("all", 2, 2, 2, 0),
    ("all", 1, 0, 1, 0),
]
# (platform, result, hours ago): the last 24 h count, older records do not.
AUDIT = [
    ("github", "success", 30),
    ("github", "success", 20),
    ("github", "success", 2),
    ("github", "error", 1),
    ("jira", "denied", 5),
    ("jira", "denied", 4),
    ("jira", "success", 3),
    ("ado", "dry-run", 1),
]


def check_line(scope: str, counts: tuple[int, ...], commit: str, at: str) -> dict[str, Any]:
    names = ("trivial", "minor", "major", "breaking")
    summary = {**dict(zip(names, counts, strict=True)), "fixed": 0, "files_parsed": 3}
    line: dict[str, Any] = {
        "kind": "check",
        "version": 1,
        "at": at,
        "scope": {"kind": scope, "base": None, "head": commit},
        "summary": summary,
    }
    if scope == "all":  # the scheduler's shape: adds commit and counts
        line.update(commit=commit, counts=dict(zip(names, counts, strict=True)), source="schedule")
    return line


def build(repo: Repo) -> None:
    repo.write(
        ".specweave/config.json",
        json.dumps({"sync": {"orchestration": {"scheduler": {"enabled": True}}}}),
    )
    git_repo = open_repo(repo.path)
    for i, (scope, *counts) in enumerate(CHECKS):
        commit = repo.commit(f"c{i}")
        at = (NOW - timedelta(days=len(CHECKS) - i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        append_note(git_repo, commit, [dumps(check_line(scope, tuple(counts), commit, at))])
    append_note(git_repo, repo.head(), ["plain text is ignored", '{"kind": "check"}'])
    severities = ["warning", "critical", "info", "warning", "critical", "info", "warning"]
    made = []
    for i, severity in enumerate(severities):
        n = Notification.new(
            "drift",
            severity,
            f"notice {i}",
            created_at=NOW - timedelta(hours=10 - i),
        )
        made.append(add_notification(git_repo, n))
    set_status(git_repo, made[-1].id, "dismissed", "me")  # the newest: not pending
    write_job(
        git_repo,
        JobState("external-sync", "failed", NOW - timedelta(hours=1), None, 3, "HTTP 502"),
        "s",
    )
    write_job(
        git_repo,
        JobState("discrepancy-check", "idle", NOW - timedelta(hours=2), NOW + timedelta(hours=22)),
        "s",
    )
    times = iter(NOW - timedelta(hours=h) for _, _, h in sorted(AUDIT, key=lambda a: -a[2]))
    log = AuditLog(repo.path, "r", "user", "me", now=lambda: next(times))
    for platform, result, _ in sorted(AUDIT, key=lambda a: -a[2]):
        log.record(
            kind="outcome",
            platform=platform,
            operation="read",
            item=None,
            decision="denied" if result == "denied" else "allowed",
            reason="r",
            result=result,
        )


@pytest.fixture
def board(repo: Repo) -> Dashboard:
    build(repo)
    git_repo = open_repo(repo.path)
    return collect(git_repo, load_config(repo.path), now=NOW, scans=3)


def test_collect(board: Dashboard) -> None:
    jobs = {j.job: j for j in board.jobs}
    assert board.scheduler_enabled
    assert (jobs["external-sync"].status, jobs["external-sync"].last_error) == (
        "failed",
        "HTTP 502",
    )
    assert not jobs["discrepancy-check"].due and jobs["external-pull"].due  # never ran: due
    assert board.notifications == {"critical": 2, "warning": 2, "info": 2}
    assert [r.title for r in board.recent] == [f"notice {i}" for i in (5, 4, 3, 2, 1)]
    assert board.pending_line == (
        "6 pending notifications (2 critical, 2 warning) — specweave-git notifications list"
    )
    assert board.sync == {
        "ado": {"synced": 0, "failed": 0, "denied": 0, "dry-run": 1},
        "github": {"synced": 2, "failed": 1, "denied": 0, "dry-run": 0},
        "jira": {"synced": 1, "failed": 0, "denied": 2, "dry-run": 0},
    }
    assert board.trend_kind == "full scans"
    assert [p.total for p in board.trend] == [10, 6, 2]  # the last 3 full scans
    assert board.problems == ()


def test_rich_dashboard_at_100_columns(board: Dashboard) -> None:
    console = Console(width=100, record=True, force_terminal=False)
    console.print(renderable(board))
    text = console.export_text()
    lines = text.splitlines()
    assert all(len(line) <= 100 for line in lines)
    for title in (
        "Jobs (scheduler on)",
        "Notifications",
        "Sync activity (24 h)",
        "Drift trend (last 3 full scans)",
    ):
        assert sum(title in line for line in lines) == 1, title
    assert "6 pending notifications (2 critical, 2 warning)" in text
    row = next(line for line in lines if "external-sync" in line)
    assert "failed" in row and "2026-03-10 11:00" in row
    assert "external-sync: HTTP 502" in text
    assert re.search(r"jira\s+1\s+0\s+2\s+0", text)
    assert re.search(r"total\s+3\s+1\s+2\s+1", text)
    total = next(line for line in lines if re.search(r"│ total\s", line))
    assert sparkline([10, 6, 2]) == "█▅▂" and "█▅▂" in total and "2 latest" in total
    assert "notice 5" in text and "notice 6" not in text  # dismissed: not listed


def test_plain_text(board: Dashboard) -> None:
    text = render_text(board)
    for title in ("Jobs (scheduler on)", "Notifications", "Sync activity (last 24 h)"):
        assert f"\n{title}\n" in text
    assert "\nDrift trend (last 3 full scans)\n  total     █▅▂  2 (latest)\n" in text
    assert "  external-sync: last error: HTTP 502" in text


def test_json_shape(repo: Repo) -> None:
    build(repo)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["monitor", "--repo", str(repo.path), "--format", "json", "--scans", "2"])
    doc = json.loads(out.getvalue())
    assert code == 0
    assert set(doc) == {
        "version", "generated_at", "repo", "jobs", "notifications", "sync", "drift", "problems"
    }  # fmt: skip
    assert [j["job"] for j in doc["jobs"]["items"]][:2] == ["external-sync", "external-pull"]
    assert doc["notifications"]["pending"] == {"critical": 2, "warning": 2, "info": 2}
    assert len(doc["notifications"]["recent"]) == 5
    # Real time now: the records of March are outside the last 24 h.
    assert doc["sync"]["window_hours"] == 24 and doc["sync"]["platforms"] == {}
    assert set(doc["sync"]["totals"]) == {"synced", "failed", "denied", "dry-run"}
    assert doc["drift"]["kind"] == "full scans"
    assert [s["counts"] for s in doc["drift"]["scans"]] == [
        {"trivial": 2, "minor": 2, "major": 2, "breaking": 0},
        {"trivial": 1, "minor": 0, "major": 1, "breaking": 0},
    ]


# A line of the xychart-beta grammar (mermaid's xychart.jison) as this renderer uses it.
_TEXT = r'"[^"\n]*"'
_NUMS = r"\[-?\d+(?:\.\d+)?(?:, -?\d+(?:\.\d+)?)*\]"
_GRAMMAR = {
    "title": re.compile(rf"    title {_TEXT}"),
    "x-axis": re.compile(rf"    x-axis \[{_TEXT}(?:, {_TEXT})*\]"),
    "y-axis": re.compile(rf"    y-axis {_TEXT} \d+ --> \d+"),
    "line": re.compile(rf"    line {_TEXT} {_NUMS}"),
}


def mermaid_blocks(markdown: str) -> list[list[str]]:
    return [b.splitlines() for b in re.findall(r"```mermaid\n(.*?)\n```", markdown, re.S)]


def test_markdown_has_a_valid_xychart(board: Dashboard) -> None:
    md = render_markdown(board)
    blocks = mermaid_blocks(md)
    assert len(blocks) == 1
    chart = blocks[0]
    assert chart[0] == "xychart-beta"
    for line in chart[1:]:
        keyword = line.split()[0]
        assert _GRAMMAR[keyword].fullmatch(line), line
    labels = re.findall(_TEXT, chart[2])
    assert labels == ['"03-07 12:00"', '"03-08 12:00"', '"03-09 12:00"']
    assert chart[3] == '    y-axis "discrepancies" 0 --> 4'  # the largest plotted value
    lines = {re.findall(_TEXT, s)[0].strip('"'): s.rsplit(" [", 1)[1] for s in chart[4:]}
    assert lines == {
        "trivial": "4, 2, 1]",
        "minor": "3, 2, 0]",
        "major": "2, 2, 1]",
        "breaking": "1, 0, 0]",
    }
    for heading in (
        "### Jobs (scheduler on)",
        "### Notifications",
        "### Sync activity (last 24 h)",
    ):
        assert f"\n{heading}\n" in md
    assert "**6 pending** (2 critical, 2 warning, 2 info)" in md
    assert "| jira | 1 | 0 | 2 | 0 |" in md


def test_markdown_output_appends_to_a_step_summary(repo: Repo) -> None:
    build(repo)
    summary = repo.path / "summary.md"
    summary.write_text("# earlier step\n")
    argv = ["monitor", "--repo", str(repo.path), "--format", "markdown", "--output", str(summary)]
    assert main(argv) == 0
    text = summary.read_text()
    assert text.startswith("# earlier step\n## specweave-git monitor: repo\n")
    assert len(mermaid_blocks(text)) == 1


def test_empty_repository(repo: Repo) -> None:
    repo.commit("init")
    board = collect(open_repo(repo.path), load_config(repo.path), now=NOW)
    assert (board.trend, board.sync, board.recent, board.pending_line) == ((), {}, (), None)
    md = render_markdown(board)
    assert "```mermaid" not in md and "No check recorded in the git notes yet." in md
    console = Console(width=100, record=True, force_terminal=False)
    console.print(renderable(board))
    out = console.export_text()
    assert "no pending notifications" in out and "no sync calls recorded" in out
    assert "Jobs (scheduler off)" in out


def _p(scope: str, total: int, at: str = "2026-03-01T00:00:00Z") -> TrendPoint:
    return TrendPoint(at, "c" * 40, scope, "x", {"trivial": total})


@pytest.mark.parametrize(
    ("points", "scans", "kind", "totals"),
    [
        ([], 5, "checks", []),
        ([_p("range", 1), _p("staged", 2)], 5, "checks", [1, 2]),
        ([_p("all", 1), _p("range", 2), _p("all", 3)], 5, "full scans", [1, 3]),
        ([_p("all", n) for n in range(8)], 3, "full scans", [5, 6, 7]),
    ],
)
def test_trend_prefers_full_scans(
    points: list[TrendPoint], scans: int, kind: str, totals: list[int]
) -> None:
    got_kind, got = trend(points, scans)
    assert (got_kind, [p.total for p in got]) == (kind, totals)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (check_line("range", (1, 2, 3, 4), "a" * 40, "2026-03-01T00:00:00Z"), ("range", 10)),
        (check_line("all", (1, 0, 0, 0), "b" * 40, "2026-03-01T00:00:00Z"), ("all", 1)),
        ({"kind": "check", "at": "2026-03-01T00:00:00Z"}, None),  # no counts
        ({"kind": "check", "at": "yesterday", "counts": {"minor": 1}}, None),
        ({"kind": "check", "at": "2026-03-01T00:00:00Z", "counts": {"minor": "2"}}, None),
        ({"kind": "notification", "at": "2026-03-01T00:00:00Z", "counts": {}}, None),
    ],
)
def test_check_lines_of_both_writers(
    line: dict[str, Any], expected: tuple[str, int] | None
) -> None:
    points = check_points([("f" * 40, [json.dumps(line)])])
    assert [(p.scope, p.total) for p in points] == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("values", "line"),
    [
        ([], ""),
        ([0, 0], "▁▁"),
        ([0, 1, 2, 3, 4, 5, 6, 7], "▁▂▃▄▅▆▇█"),
        ([1, 2, 8], "▂▃█"),
        ([5], "█"),
        ([0, 10], "▁█"),
    ],
)
def test_sparkline(values: list[int], line: str) -> None:
    assert sparkline(values) == line
