"""``specweave-git demo``: builds an example repository with planted drift and checks it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from specweave_git.cli.main import main
from specweave_git.drift.model import SEVERITIES


@pytest.fixture(autouse=True)
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # demo takes no --repo: run it outside any repository so nothing lands in the caller's
    monkeypatch.chdir(tmp_path)


def test_demo_builds_a_repository_and_reports_every_severity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "demo"
    assert main(["demo", str(target)]) == 0
    out = capsys.readouterr().out
    assert f"example repository at {target}" in out
    # the text report groups findings under one heading per severity present
    headings = {sev for sev in SEVERITIES if f"\n{sev.upper()} (" in out}
    assert headings == set(SEVERITIES)
    log = subprocess.run(
        ["git", "log", "--format=%s"], cwd=target, capture_output=True, text=True, check=True
    )
    assert len(log.stdout.splitlines()) == 2  # documented version, then the drifting change
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=target, capture_output=True, text=True, check=True
    )
    assert status.stdout == ""


def test_demo_json_is_a_check_result(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", str(tmp_path / "d"), "--format", "json"]) == 0
    out = capsys.readouterr().out
    doc = json.loads(out[out.index("\n{") : out.rindex("}") + 1])
    assert doc["scope"]["kind"] == "range"
    severities = {d["severity"] for d in doc["discrepancies"]}
    assert len(severities) >= 4
    assert doc["exit_code"] == 1  # the planted drift fails the check; the demo itself succeeds


def test_demo_into_an_empty_existing_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", str(tmp_path)]) == 0
    assert (tmp_path / ".git").is_dir()
    assert "route-method-changed" in capsys.readouterr().out


def test_demo_refuses_a_non_empty_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "keep.txt").write_text("mine\n", encoding="utf-8")
    assert main(["demo", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "not empty" in err and str(tmp_path) in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
