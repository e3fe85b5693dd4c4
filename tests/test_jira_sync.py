"""The sync engine with the JIRA provider against the contract-validating fake JIRA."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from specweave_git.cli.main import main
from specweave_git.config.load import load_config
from specweave_git.context import Context
from specweave_git.gitio.repo import open_repo
from specweave_git.sync.engine import SyncOptions, run_sync
from specweave_git.sync.report import SyncReport
from tests.fakes.jira import FakeJira
from tests.fakes.jira_state import adf_text
from tests.sync_support import ALL_ALLOWED, set_status, write_repo

USER = Context("user", "test")
STORIES = ".specweave/docs/internal/specs/widgets"


def jira_config(**sync: Any) -> dict[str, Any]:
    base: dict[str, Any] = json.loads(json.dumps(ALL_ALLOWED))
    base["jira"] = {"enabled": True, "domain": "acme.atlassian.net", "projectKey": "PROJ"}
    base["orchestration"]["permissions"] = {
        "jira": {"canRead": True, "canUpsert": True, "canUpdateStatus": True}
    }
    base.update(sync)
    return {"sync": base}


def sync(root: Path, fake: FakeJira, **kw: Any) -> SyncReport:
    kw.setdefault("budget", 1000)
    kw.setdefault("living_docs", False)
    http = {"sleep": fake.sleeps.append, **kw.pop("http", {})}
    opts = SyncOptions(platforms=("jira",), base_url=fake.url, http_options=http, **kw)
    return run_sync(open_repo(root), load_config(root), opts, context=USER)


def summary(report: SyncReport) -> dict[str, int]:
    return {k: v for k, v in report.platforms[0].summary().items() if v}


def story(fake: FakeJira, sid: str) -> dict[str, Any]:
    return next(i for i in fake.issues.values() if f"[{sid}]" in i["fields"]["summary"])


def state_file(root: Path, name: str) -> Any:
    proc = subprocess.run(
        ["git", "show", f"refs/specweave/state:sync/jira/{name}"],
        cwd=root, capture_output=True, check=False,
    )  # fmt: skip
    return json.loads(proc.stdout) if proc.returncode == 0 else None


@pytest.fixture
def creds(fake_jira: FakeJira, monkeypatch: pytest.MonkeyPatch) -> FakeJira:
    monkeypatch.setenv("JIRA_EMAIL", fake_jira.email)
    monkeypatch.setenv("JIRA_API_TOKEN", fake_jira.token)
    return fake_jira


def test_first_sync_makes_epics_and_linked_stories_and_the_next_runs_write_nothing(
    creds: FakeJira, tmp_path: Path
) -> None:
    fake = creds
    root = write_repo(tmp_path / "r", 5, features=2, cfg=jira_config())
    first = sync(root, fake)
    assert summary(first) == {"created": 7}
    epics = {i["fields"]["summary"]: i["key"] for i in fake.issues.values()
             if i["fields"]["issuetype"]["name"] == "Epic"}  # fmt: skip
    assert sorted(epics) == ["FS-001: Feature 1", "FS-002: Feature 2"]
    us1 = story(fake, "US-001")
    fields = us1["fields"]
    assert fields["summary"] == "[FS-001][US-001] Story number 1"
    assert fields["issuetype"]["name"] == "Story"
    assert fields["parent"]["key"] == epics["FS-001: Feature 1"]
    assert story(fake, "US-002")["fields"]["parent"]["key"] == epics["FS-002: Feature 2"]
    assert sorted(fields["labels"]) == ["priority-p1", "specweave"]
    assert fields["status"]["name"] == "In Progress"  # active, by the "Start work" transition
    tasks = [n for n in fields["description"]["content"] if n["type"] == "taskList"]
    assert [(t["attrs"]["state"], adf_text(t)) for t in tasks[0]["content"]] == [
        ("DONE", "AC-US1-01: first criterion of 1"),
        ("TODO", "AC-US1-02: second criterion of 1"),
    ]
    assert "specweave:FS-001/US-001" in adf_text(fields["description"])
    text = (root / STORIES / "FS-001/us-001-story-1.md").read_text()
    assert f"external:\n  jira:\n    issue: {us1['key']}\n" in text
    feature = (root / STORIES / "FS-001/FEATURE.md").read_text()
    assert f"    epic: {epics['FS-001: Feature 1']}\n" in feature
    writes = fake.writes
    for _ in range(3):
        again = sync(root, fake)
        assert summary(again) == {"unchanged": 7}
        assert again.platforms[0].requests == 1  # one JQL search, nothing else
    assert fake.writes == writes
    assert state_file(root, "outbox.json")["entries"] == {}


@pytest.mark.parametrize(
    ("status", "jira_status", "transition"),
    [
        ("completed", "Done", "31"),
        ("planning", "To Do", "21"),
    ],
)
def test_a_status_change_is_one_transition(
    creds: FakeJira, tmp_path: Path, status: str, jira_status: str, transition: str
) -> None:
    root = write_repo(tmp_path / "r", 2, cfg=jira_config())
    sync(root, creds)
    set_status(root, "FS-001", 2, status)
    mark = len(creds.requests)
    report = sync(root, creds)
    rows = [
        (r.key, r.outcome, r.ops) for r in report.platforms[0].items if r.outcome != "unchanged"
    ]
    assert rows == [("FS-001/US-002", "updated", ("set_status",))]
    calls = [(r.method, r.path.rsplit("/", 1)[-1]) for r in creds.requests[mark:]]
    assert calls == [("POST", "jql"), ("GET", "transitions"), ("POST", "transitions")]
    assert creds.requests[-1].json == {"transition": {"id": transition}}
    assert story(creds, "US-002")["fields"]["status"]["name"] == jira_status
    assert summary(sync(root, creds)) == {"unchanged": 3}


def test_no_transition_to_the_wanted_status_fails_that_item_only(
    creds: FakeJira, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "r", 2, cfg=jira_config())
    sync(root, creds)
    set_status(root, "FS-001", 1, "paused")  # "On Hold": not in this workflow
    set_status(root, "FS-001", 2, "completed")
    report = sync(root, creds)
    rows = {r.key: (r.outcome, r.reason) for r in report.platforms[0].items}
    outcome, reason = rows["FS-001/US-001"]
    key = story(creds, "US-001")["key"]
    assert outcome == "failed"
    assert reason.startswith(
        f"{key}: no transition leads from 'In Progress' to 'On Hold' (reachable: 'To Do', 'Done')"
    )
    assert "sync.statusSync.mappings.jira" in reason
    assert rows["FS-001/US-002"][0] == "updated"  # the run went on
    assert report.failed
    assert story(creds, "US-001")["fields"]["status"]["name"] == "In Progress"
    entries = state_file(root, "outbox.json")["entries"]
    assert [(e["kind"], e["op"]) for e in entries.values()] == [("failed", "set_status")]


def test_cli_exits_1_and_names_the_missing_transition(
    jira_env: FakeJira, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_repo(tmp_path / "r", 1, cfg=jira_config())
    args = ["sync", "jira", "--no-living-docs", "--repo", str(root)]
    assert main(args) == 0
    set_status(root, "FS-001", 1, "abandoned")  # "Cancelled": not in this workflow
    capsys.readouterr()
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "no transition leads from 'In Progress' to 'Cancelled'" in out


@pytest.mark.parametrize("zone", ["UTC", "Australia/Sydney", "America/Los_Angeles"])
def test_an_edit_in_jira_is_listed_whatever_the_users_time_zone(
    creds: FakeJira, tmp_path: Path, zone: str
) -> None:
    creds.zone = zone  # JQL reads dates in the user's zone: the cursor must be written in it
    root = write_repo(tmp_path / "r", 3, cfg=jira_config())
    sync(root, creds)
    sync(root, creds)
    creds.skip(3600)
    issue = story(creds, "US-002")
    issue["fields"]["summary"] = "Renamed in JIRA"
    creds.touch(issue)
    report = sync(root, creds)
    outcomes = {r.key: r.outcome for r in report.platforms[0].items}
    assert outcomes["FS-001/US-002"] == "remote-changed"  # seen, and never overwritten
    assert report.platforms[0].requests == 1
    assert issue["fields"]["summary"] == "Renamed in JIRA"


def test_an_issue_left_by_a_dead_run_is_found_by_its_marker(
    creds: FakeJira, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "r", 2, cfg=jira_config())
    doc = {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": "specweave:FS-001/US-002"}]}
    ]}  # fmt: skip
    orphan = creds.add_issue("[FS-001][US-002] half done", description=doc, labels=["specweave"])
    report = sync(root, creds)
    rows = {r.key: (r.outcome, r.id) for r in report.platforms[0].items}
    assert rows["FS-001/US-002"] == ("updated", orphan["id"])
    keys = creds.by_marker()
    assert sorted(keys) == ["FS-001", "FS-001/US-001", "FS-001/US-002"]
    assert all(len(v) == 1 for v in keys.values())
    assert orphan["fields"]["summary"] == "[FS-001][US-002] Story number 2"
    assert orphan["fields"]["parent"]["key"] == keys["FS-001"][0]


def test_faults_and_rate_limits_lose_nothing_and_duplicate_nothing(
    creds: FakeJira, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "r", 12, features=2, cfg=jira_config())
    creds.server.rate_limit_next(2, retry_after="1", match="POST /rest/api/3/search/jql")
    creds.server.rate_limit_next(1, retry_after="2", match="POST /rest/api/3/issue")
    creds.server.set_error_rate(0.3, 502)
    failed_runs = 0
    for _ in range(15):
        report = sync(root, creds)
        if not report.failed:
            break
        failed_runs += 1
    creds.server.set_error_rate(0.0)
    assert not report.failed
    assert failed_runs >= 1  # the faults did bite
    assert 1.0 in creds.sleeps and 2.0 in creds.sleeps  # Retry-After honoured
    keys = creds.by_marker()
    assert len(keys) == 14 and all(len(v) == 1 for v in keys.values())
    assert summary(sync(root, creds)) == {"unchanged": 14}
    assert {i["fields"]["status"]["name"] for i in creds.issues.values()} == {"In Progress"}


def _cli(root: Path, fake: FakeJira, *args: str, env: dict[str, str] | None = None) -> Any:
    full = {**os.environ, **fake.env(), **(env or {})}
    cmd = [sys.executable, "-m", "specweave_git", "sync", "jira", *args, "--repo", str(root)]
    return subprocess.Popen(
        cmd, env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_kill_9_mid_run_then_rerun_duplicates_nothing(fake_jira: FakeJira, tmp_path: Path) -> None:
    root = write_repo(tmp_path / "r", 20, features=2, cfg=jira_config())
    fake_jira.server.delay = 0.03
    proc = _cli(root, fake_jira, "--budget", "1000", "--no-living-docs")
    deadline = time.monotonic() + 30
    while len(fake_jira.issues) < 8 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    made = len(fake_jira.issues)
    assert 8 <= made < 22  # really killed in the middle
    fake_jira.server.delay = 0.0
    rerun = _cli(root, fake_jira, "--budget", "1000", "--no-living-docs")
    _out, err = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, err
    keys = fake_jira.by_marker()
    assert len(keys) == 22 and all(len(v) == 1 for v in keys.values())
    assert len(fake_jira.issues) == 22
    recorded = sorted(
        p.read_text().split("    issue: ", 1)[1].split("\n", 1)[0]
        for p in (root / STORIES).rglob("us-*.md")
    )
    assert recorded == sorted(v[0] for k, v in keys.items() if "/" in k)
    assert state_file(root, "outbox.json")["entries"] == {}


def test_the_api_token_never_appears_in_output_logs_audit_or_state(
    fake_jira: FakeJira, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "r", 3, cfg=jira_config())
    fake_jira.server.fail_next(1, 502, match="POST /rest/api/3/issue")
    env = {"SPECWEAVE_CONTEXT": "ci"}  # the audit trail also goes to the state ref
    outputs = []
    for args in (("-v",), ("--format", "json"), ("--dry-run",)):
        proc = _cli(root, fake_jira, *args, env=env)
        outputs += list(proc.communicate(timeout=60))
    bad = _cli(root, fake_jira, env={**env, "JIRA_API_TOKEN": fake_jira.token + "x"})
    outputs += list(bad.communicate(timeout=60))
    assert bad.returncode == 1 and "JIRA_API_TOKEN" in outputs[-1] + outputs[-2]
    assert fake_jira.writes >= 4  # it did authenticate and write
    history = subprocess.run(
        ["git", "log", "-p", "refs/specweave/state"], cwd=root, capture_output=True, text=True,
        check=True,
    ).stdout  # fmt: skip
    assert "audit/" in history
    files = [
        p.read_text(errors="replace")
        for p in root.rglob("*")
        if p.is_file() and ".git/" not in str(p)
    ]
    for text in [*outputs, history, *files]:
        assert fake_jira.token not in text
        assert fake_jira.basic not in text
