"""`sync --pull`: tracker status back into the specs, three-way against the last sync,
against the contract-validating fake GitHub over loopback."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from specweave_git.config.load import load_config
from specweave_git.context import Context
from specweave_git.gitio.repo import open_repo
from specweave_git.net.secret import Secret
from specweave_git.notify.model import Notification
from specweave_git.notify.store import list_notifications
from specweave_git.sync.engine import SyncOptions, run_sync
from specweave_git.sync.providers.github import GitHubProvider
from specweave_git.sync.providers.github_render import StatusMap
from specweave_git.sync.report import SyncReport
from tests.fakes.github import FakeGitHub
from tests.sync_support import config, set_status, write_repo

USER = Context("user", "test")
STORY = ".specweave/docs/internal/specs/widgets/FS-001/us-001-story-1.md"
FEATURE = ".specweave/docs/internal/specs/widgets/FS-001/FEATURE.md"
OLD = "2025-06-01T00:00:00+00:00"  # before anything at the fake (its clock starts 2026-01-01)
NEW = "2027-06-01T00:00:00+00:00"  # after


def sync(root: Path, fake: FakeGitHub, context: Context = USER, **kw: Any) -> SyncReport:
    kw.setdefault("budget", 1000)
    kw.setdefault("living_docs", False)
    http = {"sleep": fake.sleeps.append}
    opts = SyncOptions(token=Secret(fake.token), base_url=fake.url, http_options=http, **kw)
    return run_sync(open_repo(root), load_config(root), opts, context=context)


def commit(root: Path, message: str, date: str | None = None) -> None:
    env = {**os.environ, **({"GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date} if date else {})}
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", message], cwd=root, check=True, env=env)


def spec_status(root: Path, rel: str = STORY) -> str:
    text = (root / rel).read_text()
    return next(ln.split(":", 1)[1].strip() for ln in text.splitlines() if ln.startswith("status:"))


def conflicts(root: Path) -> list[Notification]:
    return [
        n for n in list_notifications(open_repo(root), include_all=True) if n.type == "conflict"
    ]


def story_issue(fake: FakeGitHub) -> dict[str, Any]:
    return next(i for i in fake.issues.values() if "[US-001]" in i["title"])


def close_on_github(fake: FakeGitHub, reason: str = "completed") -> None:
    issue = story_issue(fake)
    fake._set_state(issue, "closed", reason)
    issue["updated_at"] = fake._now()


def synced_repo(tmp_path: Path, fake: FakeGitHub, rule: str = "prompt") -> Path:
    """One feature with one active story, pushed and committed (ids included)."""
    root = write_repo(tmp_path / "r", 1, cfg=config(statusSync={"conflictResolution": rule}))
    commit(root, "specs", OLD)
    sync(root, fake)
    commit(root, "ids", OLD)
    return root


@pytest.mark.parametrize(
    ("spec", "tracker", "rule", "direction", "expected"),
    [
        # spec: None | "paused" (committed at OLD or NEW) ; tracker: closes the issue or not
        # expected: (spec status, issue state, conflict notifications)
        (None, False, "prompt", "pull", ("active", "open", 0)),
        (None, True, "prompt", "pull", ("completed", "closed", 0)),
        (None, True, "specweave-wins", "pull", ("completed", "closed", 0)),
        ("paused@OLD", False, "prompt", "pull", ("paused", "open", 0)),
        ("paused@OLD", False, "prompt", "both", ("paused", "open", 0)),
        ("paused@OLD", True, "prompt", "pull", ("paused", "closed", 1)),
        ("paused@OLD", True, "prompt", "both", ("paused", "closed", 1)),
        ("paused@OLD", True, "specweave-wins", "pull", ("paused", "closed", 0)),
        ("paused@OLD", True, "specweave-wins", "both", ("paused", "open", 0)),
        ("paused@OLD", True, "external-wins", "pull", ("completed", "closed", 0)),
        ("paused@OLD", True, "external-wins", "both", ("completed", "closed", 0)),
        ("paused@OLD", True, "last-write-wins", "pull", ("completed", "closed", 0)),
        ("paused@NEW", True, "last-write-wins", "pull", ("paused", "closed", 0)),
        ("paused@NEW", True, "last-write-wins", "both", ("paused", "open", 0)),
        ("paused@dirty", True, "last-write-wins", "both", ("paused", "open", 0)),
    ],
)
def test_three_way_pull_by_side_and_strategy(
    fake_github: FakeGitHub,
    tmp_path: Path,
    spec: str | None,
    tracker: bool,
    rule: str,
    direction: str,
    expected: tuple[str, str, int],
) -> None:
    root = synced_repo(tmp_path, fake_github, rule)
    if tracker:
        close_on_github(fake_github)
    if spec is not None:
        status, when = spec.split("@")
        set_status(root, "FS-001", 1, status)
        if when != "dirty":
            commit(root, "spec change", OLD if when == "OLD" else NEW)
    report = sync(root, fake_github, direction=direction)
    assert not report.failed
    issue = story_issue(fake_github)
    assert (spec_status(root), issue["state"], len(conflicts(root))) == expected
    # The snapshot took what was settled: the same run again writes and pulls nothing.
    writes = fake_github.writes
    again = sync(root, fake_github, direction=direction)
    outcomes = {r.outcome for r in again.platforms[0].items}
    assert outcomes <= ({"unchanged", "conflict"} if expected[2] else {"unchanged"})
    assert fake_github.writes == writes
    assert (spec_status(root), issue["state"], len(conflicts(root))) == expected


def test_a_pulled_status_reports_and_records_the_change(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    root = synced_repo(tmp_path, fake_github)
    close_on_github(fake_github, "not_planned")
    before = (root / STORY).read_text()
    report = sync(root, fake_github, direction="pull")
    rows = {r.key: (r.outcome, r.ops, r.reason) for r in report.platforms[0].items}
    assert rows["FS-001/US-001"] == (
        "pulled",
        ("pull",),
        "status active -> abandoned (from github)",
    )
    assert rows["FS-001"][0] == "unchanged"
    assert report.platforms[0].files_written == [STORY]
    after = (root / STORY).read_text()
    assert after == before.replace("status: active", "status: abandoned")
    audit = "".join(p.read_text() for p in (root / ".specweave/logs/sync").glob("audit-*.jsonl"))
    assert '"call":"pull_status"' in audit and '"platform":"living-docs"' in audit


def test_a_closed_milestone_completes_the_feature(fake_github: FakeGitHub, tmp_path: Path) -> None:
    root = synced_repo(tmp_path, fake_github)
    ms = next(iter(fake_github.milestones.values()))
    ms["state"], ms["updated_at"] = "closed", fake_github._now()
    report = sync(root, fake_github, direction="pull")
    assert report.platforms[0].summary()["pulled"] == 1
    assert spec_status(root, FEATURE) == "completed"


def test_a_conflict_is_notified_once_across_runs_and_never_overwritten(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    root = synced_repo(tmp_path, fake_github, "prompt")
    close_on_github(fake_github)
    set_status(root, "FS-001", 1, "paused")
    commit(root, "pause", NEW)
    writes = fake_github.writes
    for direction in ("pull", "push", "both", "pull"):
        report = sync(root, fake_github, direction=direction)
        story = next(r for r in report.platforms[0].items if r.key == "FS-001/US-001")
        assert story.outcome == "conflict"
    assert fake_github.writes == writes  # the tracker's close survived every push
    assert story_issue(fake_github)["state"] == "closed"
    assert spec_status(root) == "paused"
    (note,) = conflicts(root)
    assert note.severity == "warning"
    assert {k: note.data[k] for k in ("platform", "item", "parts", "spec", "external")} == {
        "platform": "github",
        "item": "FS-001/US-001",
        "parts": ["status"],
        "spec": {"status": "paused"},
        "external": {"status": "completed"},
    }
    assert note.data["url"] == story_issue(fake_github)["html_url"]
    # A new value on one side is a new conflict: notified again, once.
    set_status(root, "FS-001", 1, "planning")
    commit(root, "replan", NEW)
    sync(root, fake_github, direction="pull")
    sync(root, fake_github, direction="pull")
    assert sorted(n.data["spec"]["status"] for n in conflicts(root)) == ["paused", "planning"]
    # Agreeing on the status ends it: the push only tidies the labels a human left.
    set_status(root, "FS-001", 1, "completed")
    commit(root, "agree", NEW)
    report = sync(root, fake_github, direction="both")
    story = next(r for r in report.platforms[0].items if r.key == "FS-001/US-001")
    assert (story.outcome, story.ops) == ("updated", ("set_status",))
    issue = story_issue(fake_github)
    assert issue["state"] == "closed"
    assert sorted(lbl["name"] for lbl in issue["labels"]) == [
        "priority:p1",
        "specweave",
        "status:completed",
        "user-story",
    ]
    writes = fake_github.writes
    report = sync(root, fake_github, direction="both")
    assert {r.outcome for r in report.platforms[0].items} == {"unchanged"}
    assert fake_github.writes == writes


def test_pull_in_hook_context_is_denied_and_touches_nothing(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    root = synced_repo(tmp_path, fake_github)
    close_on_github(fake_github)
    mark = len(fake_github.requests)
    report = sync(root, fake_github, context=Context("hook", "test"), direction="pull")
    assert {r.outcome for r in report.platforms[0].items} == {"denied"}
    assert "hook context" in report.platforms[0].items[0].reason
    assert len(fake_github.requests) == mark
    assert spec_status(root) == "active"


def test_pull_needs_only_read_permission_and_writes_nothing_to_github(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    root = synced_repo(tmp_path, fake_github)
    read_only = config()
    read_only["sync"]["settings"] = {}
    read_only["sync"]["orchestration"]["permissions"]["github"] = {"canRead": True}
    (root / ".specweave/config.json").write_text(json.dumps(read_only))
    close_on_github(fake_github)
    mark = len(fake_github.requests)
    report = sync(root, fake_github, direction="pull")
    assert report.platforms[0].summary()["pulled"] == 1
    assert spec_status(root) == "completed"
    assert len(fake_github.requests) > mark  # it did read
    assert [r.method for r in fake_github.requests[mark:] if r.method != "GET"] == []


def test_a_dry_run_pull_plans_and_writes_no_file(fake_github: FakeGitHub, tmp_path: Path) -> None:
    root = synced_repo(tmp_path, fake_github)
    close_on_github(fake_github)
    report = sync(root, fake_github, direction="pull", dry_run=True)
    planned = [(r.key, r.ops) for r in report.platforms[0].items if r.outcome == "planned"]
    assert planned == [("FS-001/US-001", ("pull",))]
    assert report.platforms[0].table()["pull"] == 1
    assert spec_status(root) == "active"
    assert sync(root, fake_github, direction="pull").platforms[0].summary()["pulled"] == 1


def test_a_provider_without_remote_status_is_skipped_with_a_note(
    fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = synced_repo(tmp_path, fake_github)
    close_on_github(fake_github)
    monkeypatch.delattr(GitHubProvider, "remote_status")
    report = sync(root, fake_github, direction="pull")
    assert not report.failed and report.platforms[0].items == []
    assert report.platforms[0].notes == [
        "the github provider cannot read a status back (no remote_status): nothing pulled"
    ]
    assert spec_status(root) == "active"


def test_a_story_generated_from_increments_keeps_a_pulled_status_in_metadata(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    import shutil

    root = tmp_path / "r"
    shutil.copytree(Path(__file__).parent / "fixtures" / "specweave-repo", root)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    (root / ".specweave/config.json").write_text(json.dumps(config()))
    sync(root, fake_github, living_docs=True)
    commit(root, "synced", OLD)
    meta_path = root / ".specweave/increments/0002-user-roles/metadata.json"
    own_status = json.loads(meta_path.read_text())["status"]
    story_files = {p: p.read_bytes() for p in root.rglob("us-*.md")}
    issue = next(i for i in fake_github.issues.values() if "[US-003]" in i["title"])
    fake_github._set_state(issue, "closed", "completed")
    issue["updated_at"] = fake_github._now()
    report = sync(root, fake_github, direction="pull")
    pulled = [r.key for r in report.platforms[0].items if r.outcome == "pulled"]
    assert pulled == ["FS-001/US-003"]
    meta = json.loads(meta_path.read_text())
    story = meta["externalLinks"]["github"]["userStories"]["US-003"]
    assert (story["status"], story["specStatus"]) == ("completed", "active")
    assert story["issue"] == issue["number"]
    assert meta["status"] == own_status  # the increment's own status is never changed
    # The living docs sync owns a generated story's status line: the pull leaves it...
    assert {p: p.read_bytes() for p in root.rglob("us-*.md")} == story_files
    # ...and the pulled status holds when the living docs are generated again: the
    # push does not reopen the issue (it tidies its labels once), the next run is quiet.
    report = sync(root, fake_github, direction="both", living_docs=True)
    assert issue["state"] == "closed"
    assert [lbl["name"] for lbl in issue["labels"] if lbl["name"].startswith("status:")] == [
        "status:completed"
    ]
    writes = fake_github.writes
    report = sync(root, fake_github, direction="both", living_docs=True)
    assert {r.outcome for r in report.platforms[0].items} == {"unchanged"}
    assert fake_github.writes == writes and issue["state"] == "closed"


@pytest.mark.parametrize(
    ("state", "labels", "reason", "expected"),
    [
        ("open", [], None, "planning"),
        ("open", ["status:active", "in-progress"], None, "active"),
        ("open", ["paused"], None, "paused"),
        ("open", ["status:completed"], "reopened", "active"),  # reopened by a human
        ("open", ["status:paused", "in-progress"], None, "paused"),  # the status label names it
        ("closed", ["status:active", "in-progress"], "completed", "completed"),  # closed by hand
        ("closed", ["status:active"], "not_planned", "abandoned"),
        ("closed", ["wontfix"], "completed", "abandoned"),
        ("closed", ["status:completed"], "completed", "completed"),
    ],
)
def test_github_status_is_read_back_through_the_mapping(
    state: str, labels: list[str], reason: str | None, expected: str
) -> None:
    cfg = load_config(Path("/nonexistent-dir-for-defaults"))
    statuses = StatusMap.from_config(cfg.sync.status_sync.mappings["github"])
    assert statuses.reverse(state, labels, reason) == expected


@pytest.mark.parametrize(
    ("status", "increments", "meta", "expected"),
    [
        ("active", ("0001",), {}, "active"),
        (
            "active",
            ("0001",),
            {"github.status": "completed", "github.specStatus": "active"},
            "completed",
        ),
        # the specs moved on since the pull: theirs is a spec-side change again
        (
            "paused",
            ("0001",),
            {"github.status": "completed", "github.specStatus": "active"},
            "paused",
        ),
        # a hand-written living doc holds its pulled status itself
        ("active", (), {"github.status": "completed", "github.specStatus": "active"}, "active"),
        ("active", ("0001",), {"github.status": "bogus", "github.specStatus": "active"}, "active"),
        (
            "active",
            ("0001",),
            {
                "github.status": "completed",
                "github.specStatus": "active",
                "github.statusPulledAt": "2026-01-02T00:00:00Z",
                "jira.status": "paused",
                "jira.specStatus": "active",
                "jira.statusPulledAt": "2026-01-03T00:00:00Z",
            },
            "paused",  # the latest pull of any tracker
        ),
    ],
)
def test_a_pulled_status_is_laid_over_generated_items_until_the_specs_move(
    status: str, increments: tuple[str, ...], meta: dict[str, str], expected: str
) -> None:
    from specweave_git.sync.items import Item
    from specweave_git.sync.pull_write import SPEC_STATUS, with_pulled_status

    item = Item("story", "FS-001/US-001", "US-001", "FS-001", "t", status,
                increments=increments, meta_external=meta)  # fmt: skip
    (after,) = with_pulled_status([item], ("github", "jira", "ado"))
    assert after.status == expected
    assert after.meta_external.get(SPEC_STATUS) == (status if expected != status else None)
