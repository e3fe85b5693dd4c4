"""The sync engine against the contract-validating fake GitHub, over real loopback HTTP."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from specweave_git.config.load import load_config
from specweave_git.context import Context
from specweave_git.gitio.repo import open_repo
from specweave_git.net.secret import Secret
from specweave_git.sync.engine import SyncOptions, run_sync
from specweave_git.sync.report import SyncReport
from tests.fakes.github import FakeGitHub
from tests.sync_support import config, set_status, write_repo

USER = Context("user", "test")


def sync(root: Path, fake: FakeGitHub, context: Context = USER, **kw: Any) -> SyncReport:
    kw.setdefault("budget", 1000)
    kw.setdefault("living_docs", False)
    http = {"sleep": fake.sleeps.append, **kw.pop("http", {})}
    opts = SyncOptions(token=Secret(fake.token), base_url=fake.url, http_options=http, **kw)
    return run_sync(open_repo(root), load_config(root), opts, context=context)


def summary(report: SyncReport) -> dict[str, int]:
    return {k: v for k, v in report.platforms[0].summary().items() if v}


def by_marker(fake: FakeGitHub) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for issue in fake.issues.values():
        body = issue.get("body") or ""
        if body.startswith("<!-- specweave:"):
            key = body.split("specweave:", 1)[1].split(" ", 1)[0]
            out.setdefault(key, []).append(issue["number"])
    return out


def state_file(root: Path, name: str) -> Any:
    proc = subprocess.run(
        ["git", "show", f"refs/specweave/state:sync/github/{name}"],
        cwd=root,
        capture_output=True,
        check=False,
    )
    return json.loads(proc.stdout) if proc.returncode == 0 else None


def test_first_run_creates_everything_and_a_second_run_writes_nothing(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "r", 5, features=2)
    first = sync(root, fake_github)
    assert summary(first) == {"created": 7}
    assert first.platforms[0].writes == 7  # 2 milestones + 5 issues, all open
    assert sorted(m["title"] for m in fake_github.milestones.values()) == [
        "FS-001: Feature 1",
        "FS-002: Feature 2",
    ]
    issue = next(i for i in fake_github.issues.values() if "[US-001]" in i["title"])
    assert issue["title"] == "[FS-001][US-001] Story number 1"
    assert issue["body"].startswith("<!-- specweave:FS-001/US-001 -->")
    assert "- [x] **AC-US1-01**: first criterion of 1" in issue["body"]
    assert "- [ ] **AC-US1-02**: second criterion of 1" in issue["body"]
    assert "- [x] **T-001**: do the work for 1" in issue["body"]
    assert sorted(lbl["name"] for lbl in issue["labels"]) == [
        "in-progress",
        "priority:p1",
        "specweave",
        "status:active",
        "user-story",
    ]
    assert issue["milestone"]["title"] == "FS-001: Feature 1"
    writes = fake_github.writes
    for _ in range(3):
        again = sync(root, fake_github)
        assert summary(again) == {"unchanged": 7}
        assert again.platforms[0].requests <= 2
    assert fake_github.writes == writes
    # Steady state: both listings are answered 304 Not Modified.
    assert [r.status for r in fake_github.requests[-2:]] == [304, 304]
    assert state_file(root, "outbox.json")["entries"] == {}


def test_ids_are_written_back_into_frontmatter_keeping_everything_else(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "r", 1)
    path = root / ".specweave/docs/internal/specs/widgets/FS-001/us-001-story-1.md"
    before = path.read_text()
    sync(root, fake_github)
    after = path.read_text()
    issue = next(iter(fake_github.issues.values()))
    block = f"external:\n  github:\n    issue: {issue['number']}\n    url: {issue['html_url']}\n"
    assert block in after
    assert after.replace(block, "") == before
    feature = (root / ".specweave/docs/internal/specs/widgets/FS-001/FEATURE.md").read_text()
    assert "external:\n  github:\n    milestone: 1\n" in feature


@pytest.mark.parametrize(
    ("change", "expected_ops", "patch_keys"),
    [
        ("status", ("set_status",), {"state", "state_reason", "labels"}),
        ("title", ("update",), {"title", "body", "milestone", "labels"}),
        (
            "both",
            ("update", "set_status"),
            {"title", "body", "milestone", "labels", "state", "state_reason"},
        ),
    ],
)
def test_a_change_costs_only_the_writes_it_needs(
    fake_github: FakeGitHub,
    tmp_path: Path,
    change: str,
    expected_ops: tuple[str, ...],
    patch_keys: set[str],
) -> None:
    root = write_repo(tmp_path / "r", 2)
    sync(root, fake_github)
    path = root / ".specweave/docs/internal/specs/widgets/FS-001/us-002-story-2.md"
    if change in ("status", "both"):
        set_status(root, "FS-001", 2, "completed")
    if change in ("title", "both"):
        path.write_text(path.read_text().replace('title: "Story number 2"', 'title: "Renamed"'))
    mark = len(fake_github.requests)
    report = sync(root, fake_github)
    changed = [r for r in report.platforms[0].items if r.outcome != "unchanged"]
    assert [(r.key, r.outcome, r.ops) for r in changed] == [
        ("FS-001/US-002", "updated", expected_ops)
    ]
    patches = [r for r in fake_github.requests[mark:] if r.method == "PATCH"]
    assert len(patches) == len(expected_ops)
    assert set().union(*(set(r.json) for r in patches)) == patch_keys
    issue = next(i for i in fake_github.issues.values() if "[US-002]" in i["title"])
    assert issue["state"] == ("closed" if change != "title" else "open")
    assert summary(sync(root, fake_github)) == {"unchanged": 3}


def test_a_human_label_survives_an_update(fake_github: FakeGitHub, tmp_path: Path) -> None:
    root = write_repo(tmp_path / "r", 1)
    sync(root, fake_github)
    issue = next(iter(fake_github.issues.values()))
    issue["labels"].append(fake_github._label("bug"))
    set_status(root, "FS-001", 1, "completed")
    sync(root, fake_github)
    names = sorted(lbl["name"] for lbl in issue["labels"])
    assert names == ["bug", "priority:p1", "specweave", "status:completed", "user-story"]


@pytest.mark.parametrize(
    ("remote_edit", "local_edit", "expected"),
    [
        ("title", False, "remote-changed"),
        ("title", True, "conflict"),
        (None, True, "updated"),
    ],
)
def test_three_way_comparison_never_overwrites_a_tracker_edit(
    fake_github: FakeGitHub,
    tmp_path: Path,
    remote_edit: str | None,
    local_edit: bool,
    expected: str,
) -> None:
    root = write_repo(tmp_path / "r", 1)
    sync(root, fake_github)
    issue = next(iter(fake_github.issues.values()))
    if remote_edit:
        issue["title"] = "Edited on GitHub"
        issue["updated_at"] = fake_github._now()
    if local_edit:
        path = root / ".specweave/docs/internal/specs/widgets/FS-001/us-001-story-1.md"
        path.write_text(path.read_text().replace("first criterion", "changed criterion"))
    writes = fake_github.writes
    report = sync(root, fake_github)
    outcome = next(r.outcome for r in report.platforms[0].items if r.kind == "story")
    assert outcome == expected
    assert fake_github.writes == writes + (1 if expected == "updated" else 0)
    if remote_edit:
        assert issue["title"] == "Edited on GitHub"


def test_denied_writes_are_skipped_recorded_and_fail_only_a_strict_run(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    cfg = config()
    cfg["sync"]["settings"]["canUpsertInternalItems"] = False
    root = write_repo(tmp_path / "r", 2, cfg=cfg)
    report = sync(root, fake_github)
    assert summary(report) == {"denied": 3}
    assert fake_github.writes == 0
    assert not report.failed and not report.strict_failed
    reasons = {r.reason for r in report.platforms[0].items}
    assert reasons == {"create denied: sync.settings.canUpsertInternalItems is false"}
    assert sync(root, fake_github, strict=True).strict_failed
    audit = "".join(p.read_text() for p in (root / ".specweave/logs/sync").glob("audit-*.jsonl"))
    assert '"result":"denied"' in audit


def test_hook_context_touches_no_network(fake_github: FakeGitHub, tmp_path: Path) -> None:
    root = write_repo(tmp_path / "r", 2)
    report = sync(root, fake_github, context=Context("hook", "test"))
    assert summary(report) == {"denied": 3}
    assert "hook context" in report.platforms[0].items[0].reason
    assert fake_github.requests == []


def test_dry_run_plans_and_writes_nothing(fake_github: FakeGitHub, tmp_path: Path) -> None:
    cfg = config()
    cfg["sync"]["settings"]["canUpdateStatus"] = False
    root = write_repo(tmp_path / "r", 2, cfg=cfg)
    set_status(root, "FS-001", 2, "completed")
    files = {p: p.read_bytes() for p in root.rglob("*.md")}
    report = sync(root, fake_github, dry_run=True)
    rows = [(r.key, r.outcome, r.ops) for r in report.platforms[0].items]
    assert rows == [
        ("FS-001", "planned", ("create",)),
        ("FS-001/US-001", "planned", ("create",)),
        ("FS-001/US-002", "planned", ("create",)),
    ]
    assert fake_github.writes == 0
    assert {p: p.read_bytes() for p in root.rglob("*.md")} == files
    assert state_file(root, "snapshot.json") is None


def test_budget_defers_the_rest_and_the_next_run_replays_it_first(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "r", 5)
    first = sync(root, fake_github, budget=3)
    assert summary(first) == {"created": 3, "deferred": 3}
    deferred = [r.key for r in first.platforms[0].items if r.outcome == "deferred"]
    assert sorted(state_file(root, "outbox.json")["entries"]) == sorted(deferred)
    second = sync(root, fake_github, budget=2)
    items = [r for r in second.platforms[0].items if r.kind == "story"]
    assert [r.key for r in items[:2]] == deferred[:2]  # replayed first
    assert [r.outcome for r in items[:2]] == ["created", "created"]
    sync(root, fake_github)
    assert all(len(v) == 1 for v in by_marker(fake_github).values())
    assert len(by_marker(fake_github)) == 5
    assert state_file(root, "outbox.json")["entries"] == {}


def test_an_item_created_by_a_dead_run_is_found_by_its_marker(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "r", 2)
    orphan = fake_github.add_issue(
        "[FS-001][US-002] half done", "<!-- specweave:FS-001/US-002 -->\nold", labels=["specweave"]
    )
    report = sync(root, fake_github)
    rows = {r.key: (r.outcome, r.id) for r in report.platforms[0].items}
    assert rows["FS-001/US-002"] == ("updated", str(orphan["number"]))
    assert rows["FS-001/US-001"][0] == "created"
    assert len(fake_github.issues) == 2
    text = (root / ".specweave/docs/internal/specs/widgets/FS-001/us-002-story-2.md").read_text()
    assert f"issue: {orphan['number']}" in text


def test_a_failed_write_goes_to_the_outbox_and_is_replayed(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "r", 2)
    fake_github.server.fail_next(1, 502, match="POST /repos/acme/widgets/issues")
    first = sync(root, fake_github)
    assert summary(first) == {"created": 2, "failed": 1}
    assert first.failed
    entries = state_file(root, "outbox.json")["entries"]
    assert [(e["kind"], e["op"], e["attempts"]) for e in entries.values()] == [
        ("failed", "create", 1)
    ]
    second = sync(root, fake_github)
    stories = [r for r in second.platforms[0].items if r.kind == "story"]
    assert [r.outcome for r in stories][:1] == ["created"]  # the outbox's item first
    assert state_file(root, "outbox.json")["entries"] == {}
    assert sorted(len(v) for v in by_marker(fake_github).values()) == [1, 1]


def test_duplicates_of_a_race_are_closed_keeping_the_oldest(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "r", 1)
    body = "<!-- specweave:FS-001/US-001 -->\n"
    first = fake_github.add_issue("[FS-001][US-001] a", body, labels=["specweave"])
    second = fake_github.add_issue("[FS-001][US-001] b", body, labels=["specweave"])
    report = sync(root, fake_github)
    assert report.platforms[0].duplicates_closed == 1
    assert fake_github.issues[second["number"]]["state"] == "closed"
    assert fake_github.issues[second["number"]]["state_reason"] == "duplicate"
    assert fake_github.issues[first["number"]]["state"] == "open"
    text = (root / ".specweave/docs/internal/specs/widgets/FS-001/us-001-story-1.md").read_text()
    assert f"issue: {first['number']}\n" in text


def test_retries_under_faults_lose_nothing_and_duplicate_nothing(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "r", 12, features=2)
    fake_github.server.rate_limit_next(2, retry_after="1", match="GET")
    # A create whose answer never arrives (read timeout) although GitHub made the issue.
    fake_github.server.faults.append(
        __import__("tests.fakes.server", fromlist=["Fault"]).Fault(0, delay=0.6, match="POST")
    )
    fake_github.server.set_error_rate(0.3, 502)
    failed_runs = 0
    for _ in range(12):
        report = sync(root, fake_github, http={"timeout": 0.3, "retries": 4})
        if not report.failed:
            break
        failed_runs += 1
    fake_github.server.set_error_rate(0.0)
    assert not report.failed
    assert failed_runs >= 1  # the faults did bite
    assert 1.0 in fake_github.sleeps  # Retry-After honoured
    keys = by_marker(fake_github)
    assert len(keys) == 12 and all(len(v) == 1 for v in keys.values())
    assert len(fake_github.milestones) == 2
    assert summary(sync(root, fake_github)) == {"unchanged": 14}


def test_an_issue_deleted_at_the_tracker_is_created_again(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "r", 1)
    sync(root, fake_github)
    number = next(iter(fake_github.issues))
    del fake_github.issues[number]
    set_status(root, "FS-001", 1, "completed")
    assert summary(sync(root, fake_github)) == {"unchanged": 1, "failed": 1}
    assert summary(sync(root, fake_github)) == {"unchanged": 1, "created": 1}
    assert [i["state"] for i in fake_github.issues.values()] == ["closed"]


def test_increments_to_living_docs_to_issues_with_ids_in_metadata(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    import shutil

    root = tmp_path / "r"
    shutil.copytree(Path(__file__).parent / "fixtures" / "specweave-repo", root)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    (root / ".specweave/config.json").write_text(json.dumps(config()))
    report = sync(root, fake_github, living_docs=True)
    assert report.living_docs["created"]  # the story files F's living docs sync writes
    keys = by_marker(fake_github)
    assert sorted(keys) == ["FS-001/US-001", "FS-001/US-002", "FS-001/US-003"]
    meta = json.loads((root / ".specweave/increments/0001-user-api/metadata.json").read_text())
    assert meta["github"]["issue"] == 12  # the increment's own issue is left alone
    stories = meta["externalLinks"]["github"]["userStories"]
    assert stories["US-001"]["issue"] == keys["FS-001/US-001"][0]
    us1 = next(i for i in fake_github.issues.values() if "[US-001]" in i["title"])
    assert us1["state"] == "closed" and us1["state_reason"] == "completed"
    writes = fake_github.writes
    assert summary(sync(root, fake_github, living_docs=True)).keys() == {"unchanged"}
    assert fake_github.writes == writes
