"""`specweave-git sync [github|jira|ado|all] [--push] [--pull] --dry-run`: which trackers,
which direction, and the side-by-side plan of every platform."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from specweave_git.cli import sync_cmd
from specweave_git.cli.main import main
from specweave_git.config.load import load_config
from tests.fakes.ado import FakeAdo
from tests.fakes.github import FakeGitHub
from tests.fakes.jira import FakeJira
from tests.sync_support import config, set_status, write_repo

ALLOW = {"canRead": True, "canUpsert": True, "canUpdateStatus": True}


def rows(text: str) -> list[str]:
    """Lines with runs of spaces collapsed (column widths are not the point)."""
    return [" ".join(line.split()) for line in text.splitlines()]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [((), "push"), (("--push",), "push"), (("--pull",), "pull"), (("--pull", "--push"), "both")],
)
def test_flags_choose_the_direction(flags: tuple[str, ...], expected: str) -> None:
    parser = argparse.ArgumentParser()
    sync_cmd.add_arguments(parser)
    assert sync_cmd.direction(parser.parse_args(list(flags))) == expected


@pytest.mark.parametrize(
    ("platform", "cfg", "code", "message"),
    [
        ("jira", config(), 2, "/sync/jira/enabled: jira sync is not enabled"),
        ("ado", config(), 2, "/sync/ado/enabled: ado sync is not enabled"),
        (
            "github",
            {"sync": {"github": {"enabled": False}}},
            2,
            "/sync/github/enabled: github sync is not enabled: set sync.github.enabled to true",
        ),
        ("all", {"sync": {}}, 0, "nothing to sync: no tracker is enabled"),
    ],
)
def test_naming_a_platform_that_is_not_enabled_is_a_usage_error(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    platform: str,
    cfg: dict[str, Any],
    code: int,
    message: str,
) -> None:
    root = write_repo(tmp_path / "r", 1, cfg=cfg)
    assert main(["sync", platform, "--pull", "--repo", str(root)]) == code
    out = capsys.readouterr()
    assert message in (out.err if code else out.out)


def _run(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["sync", *args, "--no-living-docs", "--repo", str(root)])
    return code, capsys.readouterr().out


@pytest.mark.parametrize(
    ("setup", "args", "expected"),
    [
        # (what happened since the first push, extra flags) -> the github column
        ("fresh", (), {"create": "3", "unchanged": "0"}),
        ("completed", (), {"close": "1", "unchanged": "2"}),
        ("completed-denied", (), {"denied": "1", "unchanged": "2"}),
        ("closed-at-github", ("--pull",), {"pull": "1", "unchanged": "2"}),
        ("closed-at-github", ("--pull", "--push"), {"pull": "1", "unchanged": "3"}),
    ],
)
def test_dry_run_shows_every_platform_side_by_side(
    github_env: FakeGitHub,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    setup: str,
    args: tuple[str, ...],
    expected: dict[str, str],
) -> None:
    root = write_repo(tmp_path / "r", 2)
    if setup != "fresh":
        assert _run(root, capsys)[0] == 0
    if setup.startswith("completed"):
        set_status(root, "FS-001", 2, "completed")
    if setup == "completed-denied":
        cfg = config()
        cfg["sync"]["settings"]["canUpdateStatus"] = False
        (root / ".specweave/config.json").write_text(json.dumps(cfg))
    if setup == "closed-at-github":
        issue = next(i for i in github_env.issues.values() if "[US-002]" in i["title"])
        github_env._set_state(issue, "closed", "completed")
        issue["updated_at"] = github_env._now()
    writes = github_env.writes
    code, out = _run(root, capsys, "--dry-run", *args)
    assert code == 0 and github_env.writes == writes
    lines = rows(out)
    assert lines[1] == "github (acme/widgets) jira ado"
    assert lines[2] == "state planned not enabled not enabled"
    table = {ln.split()[0]: ln.split()[1] for ln in lines[3:10]}
    assert list(table) == ["create", "update", "close", "pull", "unchanged", "denied", "conflict"]
    zeros = dict.fromkeys(table, "0")
    assert table == {**zeros, **expected}
    assert all(ln.endswith(" - -") for ln in lines[3:10])


def test_dry_run_json_has_the_side_by_side_table(
    github_env: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_repo(tmp_path / "r", 2)
    code, out = _run(root, capsys, "all", "--dry-run", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["direction"] == "push"
    assert data["side_by_side"] == {
        "github": {
            "state": "planned",
            "target": "acme/widgets",
            "create": 3,
            "update": 0,
            "close": 0,
            "pull": 0,
            "unchanged": 0,
            "denied": 0,
            "conflict": 0,
        },
        "jira": {"state": "not enabled"},
        "ado": {"state": "not enabled"},
    }


def test_naming_one_platform_leaves_the_others_not_selected(
    github_env: FakeGitHub,
    jira_env: FakeJira,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cfg = config()
    cfg["sync"]["jira"] = {"enabled": True, "domain": "acme.atlassian.net", "projectKey": "PROJ"}
    cfg["sync"]["orchestration"]["permissions"]["jira"] = ALLOW
    root = write_repo(tmp_path / "r", 2, cfg=cfg)
    code, out = _run(root, capsys, "github", "--dry-run", "--format", "json")
    table = json.loads(out)["side_by_side"]
    assert code == 0
    assert {p: t["state"] for p, t in table.items()} == {
        "github": "planned",
        "jira": "not selected",
        "ado": "not enabled",
    }
    assert jira_env.requests == []


def test_all_three_trackers_side_by_side(
    github_env: FakeGitHub,
    jira_env: FakeJira,
    ado_env: FakeAdo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cfg = config()
    cfg["sync"]["jira"] = {"enabled": True, "domain": "acme.atlassian.net", "projectKey": "PROJ"}
    cfg["sync"]["ado"] = {"enabled": True, "organization": "acme", "project": "widgets"}
    for platform in ("jira", "ado"):
        cfg["sync"]["orchestration"]["permissions"][platform] = ALLOW
    root = write_repo(tmp_path / "r", 2, cfg=cfg)
    code, out = _run(root, capsys, "all", "--dry-run", "--format", "json")
    data = json.loads(out)
    assert code == 0, data
    table = data["side_by_side"]
    assert {p: (t["state"], t["create"]) for p, t in table.items()} == {
        "github": ("planned", 3),
        "jira": ("planned", 3),
        "ado": ("planned", 3),
    }
    assert github_env.writes == 0


def test_the_terminal_table_is_drawn_with_rich(
    github_env: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from specweave_git.gitio.repo import open_repo
    from specweave_git.net.secret import Secret
    from specweave_git.sync.engine import SyncOptions, run_sync

    root = write_repo(tmp_path / "r", 1)
    cfg = load_config(root)
    opts = SyncOptions(
        dry_run=True, living_docs=False, token=Secret(github_env.token), base_url=github_env.url
    )
    report = run_sync(open_repo(root), cfg, opts)
    sync_cmd._print_rich_table(report, sync_cmd.platform_states(cfg))
    out = capsys.readouterr().out
    assert "dry run: what each tracker would get" in out
    cells = [" ".join(ln.replace("│", " ").split()) for ln in out.splitlines()]
    assert "create 2 - -" in cells
    assert "state planned not enabled not enabled" in cells
