"""`specweave-git schedule ...` end to end: real repositories, a bare origin, the real jobs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from specweave_git.cli.main import main
from specweave_git.gitio.notes import read_note
from specweave_git.gitio.repo import open_repo
from specweave_git.schedule.state import read_job, since_last, since_last_point
from tests.conftest import Repo
from tests.fakes.github import FakeGitHub


def only(*enabled: str, scheduler: bool = True) -> str:
    keys = ["externalSync", "externalPull", "discrepancyCheck", "livingDocsSync"]
    keys.append("notificationCleanup")
    jobs = {k: {"enabled": k in enabled} for k in keys}
    doc = {"sync": {"orchestration": {"scheduler": {"enabled": scheduler, "jobs": jobs}}}}
    return json.dumps(doc)


@pytest.fixture
def clone(repo: Repo, tmp_path: Path) -> Repo:
    """``repo`` with a documented and an undocumented function, pushed to a bare origin;
    returns a fresh clone of that origin."""
    repo.write(".specweave/config.json", only("discrepancyCheck", "notificationCleanup"))
    repo.write(
        "src/api.py",
        "def get_user(user_id: int) -> dict:\n    return {}\n\n\n"
        "def delete_user(user_id: int) -> None:\n    pass\n",
    )
    repo.write("docs/api.md", "# API\n\n### get_user(user_id: int) -> dict\n")
    repo.commit("app")
    bare = tmp_path / "origin.git"
    repo.git("clone", "-q", "--bare", str(repo.path), str(bare))
    repo.git("remote", "add", "origin", str(bare))
    work = tmp_path / "work"
    repo.git("clone", "-q", str(bare), str(work))
    return Repo(work)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_run_due_scans_records_the_since_last_point_and_pushes(
    clone: Repo, repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPECWEAVE_NOW", "2026-01-01T00:00:00Z")
    code, out = run(capsys, "schedule", "run-due", "--repo", str(clone.path))
    head = clone.head()
    assert code == 0, out
    assert "discrepancy-check     ran" in out
    assert "notification-cleanup  ran" in out and "archived 0 notifications" in out
    assert "external-sync         disabled: disabled in the config" in out
    # The seed repository pulls what the run pushed: state, since-last point and note.
    seed = open_repo(repo.path)
    assert main(["state", "pull", "--repo", str(repo.path)]) == 0
    capsys.readouterr()
    assert since_last_point(seed) == head
    point = since_last(seed)
    assert point is not None and point["counts"]["major"] >= 1  # delete_user is undocumented
    lines = [json.loads(x) for x in read_note(seed, head)]
    checks = [x for x in lines if x["kind"] == "check"]
    assert len(checks) == 1
    assert {k: checks[0][k] for k in ("at", "commit", "counts", "event", "exit_code")} == {
        "at": "2026-01-01T00:00:00Z",
        "commit": head,
        "counts": point["counts"],
        "event": "schedule",
        "exit_code": 1,
    }
    assert checks[0]["scope"] == {"kind": "all", "base": None, "head": head}
    assert len(checks[0]["open"]) == sum(point["counts"].values())
    assert [x["type"] for x in lines if x["kind"] == "notification"] == ["discrepancy"]
    # An hour later the scan runs again; the picture is unchanged, so no new notification.
    monkeypatch.setenv("SPECWEAVE_NOW", "2026-01-01T01:00:00Z")
    code, out = run(capsys, "schedule", "run-due", "--repo", str(clone.path), "--format", "json")
    doc = json.loads(out)
    by_job = {j["job"]: j for j in doc["jobs"]}
    assert by_job["discrepancy-check"]["action"] == "ran"
    assert by_job["discrepancy-check"]["details"]["notified"] is False
    assert by_job["notification-cleanup"]["action"] == "not-due"


def test_list_shows_the_table(
    clone: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPECWEAVE_NOW", "2026-01-01T00:00:00Z")
    assert run(capsys, "schedule", "run", "notification-cleanup", "--repo", str(clone.path))[0] == 0
    code, out = run(capsys, "schedule", "list", "--repo", str(clone.path))
    assert code == 0
    lines = out.splitlines()
    assert [" ".join(line.split()) for line in lines] == [
        "job enabled interval last run next run status",
        "external-sync no 15 min never — disabled",
        "external-pull no 30 min never — disabled",
        "discrepancy-check yes 60 min never due now idle",
        "living-docs-sync no 30 min never — disabled",
        "notification-cleanup yes 1440 min 2026-01-01T00:00:00Z 2026-01-02T00:00:00Z idle",
    ]
    assert lines[0].index("status") == lines[-1].index("idle")  # aligned columns
    code, out = run(capsys, "schedule", "list", "--repo", str(clone.path), "--format", "json")
    rows = {r["job"]: r for r in json.loads(out)["jobs"]}
    assert (rows["discrepancy-check"]["due"], rows["notification-cleanup"]["due"]) == (True, False)


def test_a_failing_job_makes_run_due_exit_1(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # No commit yet: the scan has nothing to scan and fails (no remote: local state).
    repo.write(".specweave/config.json", only("discrepancyCheck"))
    monkeypatch.setenv("SPECWEAVE_NOW", "2026-01-01T00:00:00Z")
    code = main(["schedule", "run-due", "--repo", str(repo.path)])
    out, err = capsys.readouterr()
    assert code == 1
    assert "note: no remote 'origin': the schedule state stays in this clone" in err
    assert "discrepancy-check     failed" in out
    state = read_job(open_repo(repo.path), "discrepancy-check")
    assert (state.status, state.retries) == ("idle", 1)


def test_run_due_does_nothing_while_the_scheduler_is_off(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".specweave/config.json", only("discrepancyCheck", scheduler=False))
    repo.commit("c")
    code, out = run(capsys, "schedule", "run-due", "--repo", str(repo.path))
    assert code == 0
    assert "the scheduler is off" in out
    assert read_job(open_repo(repo.path), "discrepancy-check").last_run is None


@pytest.mark.parametrize(
    ("argv", "status", "text"),
    [
        (["pause"], "disabled", "external-sync: paused"),
        (["reset"], "idle", "external-sync: already in its initial state; nothing changed"),
        (["resume"], "idle", "not paused or failed (status idle)"),
    ],
)
def test_pause_resume_reset_commands(
    repo: Repo, capsys: pytest.CaptureFixture[str], argv: list[str], status: str, text: str
) -> None:
    repo.commit("c")
    code, out = run(capsys, "schedule", *argv, "external-sync", "--repo", str(repo.path))
    assert code == 0 and text in out
    assert read_job(open_repo(repo.path), "external-sync").status == status


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "nope"], "invalid choice: 'nope'"),
        (["render", "--remote", "x"], "unrecognized arguments: --remote x"),
        (["run-due", "--budget-minutes", "soon"], "invalid float value: 'soon'"),
        (["pause"], "the following arguments are required: JOB"),
    ],
)
def test_bad_arguments_exit_2(
    repo: Repo, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as e:
        main(["schedule", *argv, "--repo", str(repo.path)])
    assert e.value.code == 2
    assert message in capsys.readouterr().err


def test_an_unknown_remote_is_a_usage_error(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("c")
    assert (
        main(["schedule", "pause", "external-sync", "--remote", "up", "--repo", str(repo.path)])
        == 2
    )
    assert "--remote: no remote named 'up'" in capsys.readouterr().err


def test_run_due_refuses_to_run_in_a_hook(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRE_COMMIT", "1")
    assert main(["schedule", "run-due", "--repo", str(repo.path)]) == 2
    assert "does not run inside a git hook" in capsys.readouterr().err


INCREMENT = """---
increment: 0001-users-api
title: Users API
status: active
---

### US-001: Manage users

- [ ] **AC-US1-01**: A client can fetch a user by id
"""


@pytest.mark.parametrize(
    ("env", "message", "branch"),
    [
        ({}, "2 living-docs files changed in the work tree: review and commit them", False),
        (
            {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "schedule"},
            "2 living-docs files changed; pushed to branch specweave/living-docs",
            True,
        ),
    ],
)
def test_living_docs_sync_leaves_changes_in_the_work_tree_or_on_a_branch(
    clone: Repo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    message: str,
    branch: bool,
) -> None:
    clone.write(".specweave/increments/0001-users-api/spec.md", INCREMENT)
    head = clone.commit("increment")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    argv = ["schedule", "run", "living-docs-sync", "--repo", str(clone.path), "--format", "json"]
    code, out = run(capsys, *argv)
    doc = json.loads(out)
    assert code == 0, out
    assert doc["jobs"][0]["message"].startswith(message)
    assert clone.head() == head  # the work tree's branch never moves
    feature = ".specweave/docs/internal/specs/default/FS-001/FEATURE.md"
    assert (clone.path / feature).is_file()
    pushed = clone.git("ls-remote", "origin", "refs/heads/specweave/living-docs")
    assert bool(pushed) is branch
    if branch:
        sha = pushed.split()[0]
        assert clone.git("rev-parse", f"{sha}^").strip() == head
        assert feature in clone.git("show", "--name-only", "--format=", sha).splitlines()


GITHUB = {"github": {"enabled": True, "owner": "acme", "repo": "app"}}


@pytest.mark.parametrize(
    ("job", "sync", "ok", "message"),
    [
        ("external-sync", {}, True, "no tracker is enabled (sync.github|jira|ado.enabled)"),
        ("external-pull", {}, True, "no tracker is enabled (sync.github|jira|ado.enabled)"),
        # A real pull against the contract-validating fake GitHub: nothing synced yet.
        ("external-pull", {"github": {"enabled": True, "owner": "acme", "repo": "widgets"}},
         True, "github: "),
    ],
)  # fmt: skip
def test_sync_jobs_without_a_tracker_or_with_nothing_to_pull(
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    github_env: FakeGitHub,
    job: str,
    sync: dict[str, object],
    ok: bool,
    message: str,
) -> None:
    repo.write(".specweave/config.json", json.dumps({"sync": sync}))
    repo.commit("c")
    code, out = run(capsys, "schedule", "run", job, "--repo", str(repo.path), "--format", "json")
    outcome = json.loads(out)["jobs"][0]
    assert (code == 0, outcome["action"] == "ran") == (ok, ok)
    assert message in outcome["message"]
    assert github_env.writes == 0 and github_env.invalid == []
