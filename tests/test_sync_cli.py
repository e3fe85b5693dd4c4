"""`specweave-git sync` as a user runs it: subprocesses against the fake GitHub in this
process (kill -9 mid-run, concurrent runs, the token never shown) and its output."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from specweave_git.cli.main import main
from tests.fakes.github import FakeGitHub
from tests.sync_support import config, write_repo

STORY_DIR = ".specweave/docs/internal/specs/widgets"


def cli(
    root: Path, fake: FakeGitHub, *args: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    full = {**os.environ, **fake.env(), **(env or {})}
    cmd = [sys.executable, "-m", "specweave_git", "sync", *args, "--repo", str(root)]
    return subprocess.Popen(
        cmd, env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def by_marker(fake: FakeGitHub, state: str | None = None) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for issue in fake.issues.values():
        body = issue.get("body") or ""
        if body.startswith("<!-- specweave:") and state in (None, issue["state"]):
            out.setdefault(body.split("specweave:", 1)[1].split(" ", 1)[0], []).append(
                issue["number"]
            )
    return out


def recorded_ids(root: Path) -> dict[str, int]:
    out = {}
    for path in (root / STORY_DIR).rglob("us-*.md"):
        text = path.read_text()
        if "    issue: " in text:
            out[path.name] = int(text.split("    issue: ", 1)[1].split("\n", 1)[0])
    return out


def test_kill_9_mid_run_then_rerun_duplicates_nothing_and_loses_nothing(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "r", 30, features=2)
    fake_github.server.delay = 0.04
    proc = cli(root, fake_github, "github", "--push", "--budget", "1000", "--no-living-docs")
    deadline = time.monotonic() + 30
    while len(fake_github.issues) < 8 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    made = len(fake_github.issues)
    assert 8 <= made < 30  # really killed in the middle
    fake_github.server.delay = 0.0
    rerun = cli(root, fake_github, "github", "--push", "--budget", "1000", "--no-living-docs")
    _out, err = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, err
    keys = by_marker(fake_github)
    assert len(keys) == 30 and all(len(v) == 1 for v in keys.values())
    ids = recorded_ids(root)
    assert len(ids) == 30
    assert sorted(ids.values()) == sorted(v[0] for v in keys.values())
    outbox = subprocess.run(
        ["git", "show", "refs/specweave/state:sync/github/outbox.json"],
        cwd=root, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert json.loads(outbox.stdout)["entries"] == {}


def test_two_concurrent_runs_in_one_clone_make_no_duplicate(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "r", 10)
    fake_github.server.delay = 0.01
    runs = [cli(root, fake_github, "github", "--no-living-docs") for _ in range(2)]
    for run in runs:
        _out, err = run.communicate(timeout=60)
        assert run.returncode == 0, err
    keys = by_marker(fake_github)
    assert len(keys) == 10 and all(len(v) == 1 for v in keys.values())
    assert len(fake_github.issues) == 10


def test_two_concurrent_runs_in_two_clones_keep_one_open_issue_per_story(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    """GitHub has no conditional create: two clones racing can both create; the runs
    then agree on the oldest issue and close the other as a duplicate."""
    a = write_repo(tmp_path / "a", 6)
    b = tmp_path / "b"
    shutil.copytree(a, b)
    fake_github.server.delay = 0.01
    runs = [cli(r, fake_github, "github", "--no-living-docs") for r in (a, b)]
    for run in runs:
        assert run.wait(timeout=60) == 0
    for r in (a, b):
        assert cli(r, fake_github, "github", "--no-living-docs").wait(timeout=60) == 0
    open_ = by_marker(fake_github, "open")
    assert len(open_) == 6 and all(len(v) == 1 for v in open_.values())
    for issue in fake_github.issues.values():
        if issue["state"] == "closed":
            assert issue["state_reason"] == "duplicate"
    assert recorded_ids(a) == recorded_ids(b)


def test_the_token_never_appears_in_output_logs_audit_or_state(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "r", 3)
    fake_github.server.fail_next(1, 502, match="POST")
    env = {"SPECWEAVE_CONTEXT": "ci"}  # the audit trail also goes to the state ref
    outputs = []
    for args in (("-v",), ("--format", "json"), ("--dry-run",)):
        proc = cli(root, fake_github, "github", *args, env=env)
        outputs += list(proc.communicate(timeout=60))
    assert fake_github.writes >= 4  # it did authenticate and write
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
        assert fake_github.token not in text


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("github",),
            "github (acme/widgets): 3 created, 0 updated, 0 unchanged, 0 denied, 0 failed",
        ),
        (("github", "--dry-run"), "  would create   FS-001/US-001"),
        (
            ("all", "--budget", "1"),
            "1 created, 0 updated, 0 unchanged, 0 denied, 0 failed, 2 deferred",
        ),
    ],
)
def test_text_output_summarises_per_platform(
    fake_github: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    expected: str,
) -> None:
    root = write_repo(tmp_path / "r", 2)
    for name, value in fake_github.env().items():
        monkeypatch.setenv(name, value)
    assert main(["sync", *args, "--no-living-docs", "--repo", str(root)]) == 0
    assert expected in capsys.readouterr().out


def test_json_output_and_exit_code_of_a_failed_write(
    fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    root = write_repo(tmp_path / "r", 1)
    for name, value in fake_github.env().items():
        monkeypatch.setenv(name, value)
    fake_github.server.fail_next(1, 502, match="POST /repos/acme/widgets/issues")
    code = main(["sync", "github", "--format", "json", "--no-living-docs", "--repo", str(root)])
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and data["exit_code"] == 1
    assert data["platforms"][0]["summary"]["failed"] == 1
    assert data["platforms"][0]["outbox"] == {"intent": 0, "failed": 1, "deferred": 0}


@pytest.mark.parametrize(
    ("platform", "cfg", "message"),
    [
        ("jira", config(), "/sync/jira/enabled: jira sync is not enabled"),
        (
            "github",
            {"sync": {"github": {"enabled": False}}},
            "/sync/github/enabled: github sync is not enabled",
        ),
    ],
)
def test_usage_errors_exit_2_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], platform: str, cfg: dict[str, object],
    message: str,
) -> None:  # fmt: skip
    root = write_repo(tmp_path / "r", 1, cfg=cfg)  # type: ignore[arg-type]
    assert main(["sync", platform, "--repo", str(root)]) == 2
    assert message in capsys.readouterr().err
