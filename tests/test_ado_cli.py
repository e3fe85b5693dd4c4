"""`specweave-git sync ado` as a user runs it: a subprocess against FakeAdo in this process
(kill -9 mid-run, the PAT never shown)."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.ado_support import ado_config, by_marker
from tests.fakes.ado import FakeAdo
from tests.sync_support import write_repo

STORY_DIR = ".specweave/docs/internal/specs/widgets"


def cli(
    root: Path, fake: FakeAdo, *args: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    full = {**os.environ, **fake.env(), **(env or {})}
    cmd = [sys.executable, "-m", "specweave_git", "sync", "ado", *args, "--repo", str(root)]
    return subprocess.Popen(
        cmd, env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def recorded_ids(root: Path) -> dict[str, int]:
    out = {}
    for path in (root / STORY_DIR).rglob("us-*.md"):
        text = path.read_text()
        if "    workItem: " in text:
            out[path.name] = int(text.split("    workItem: ", 1)[1].split("\n", 1)[0])
    return out


def test_kill_9_mid_run_then_rerun_duplicates_nothing_and_loses_nothing(
    fake_ado: FakeAdo, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "r", 30, features=2, cfg=ado_config())
    fake_ado.server.delay = 0.04
    proc = cli(root, fake_ado, "--push", "--budget", "1000", "--no-living-docs")
    deadline = time.monotonic() + 30
    while len(fake_ado.items) < 8 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    made = len(fake_ado.items)
    assert 8 <= made < 32  # really killed in the middle
    fake_ado.server.delay = 0.0
    rerun = cli(root, fake_ado, "--push", "--budget", "1000", "--no-living-docs")
    _out, err = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, err
    keys = by_marker(fake_ado, duplicates=True)
    assert len(keys) == 32 and all(len(v) == 1 for v in keys.values())
    assert len(fake_ado.items) == 32
    ids = recorded_ids(root)
    assert len(ids) == 30
    assert sorted(ids.values()) == sorted(v[0] for k, v in keys.items() if "/" in k)
    outbox = subprocess.run(
        ["git", "show", "refs/specweave/state:sync/ado/outbox.json"],
        cwd=root, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert json.loads(outbox.stdout)["entries"] == {}


def test_the_pat_never_appears_in_output_logs_audit_or_state(
    fake_ado: FakeAdo, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "r", 3, cfg=ado_config())
    fake_ado.server.fail_next(1, 502, match="POST")
    env = {"SPECWEAVE_CONTEXT": "ci"}  # the audit trail also goes to the state ref
    outputs = []
    for args in (("-v",), ("--format", "json"), ("--dry-run",)):
        proc = cli(root, fake_ado, *args, env=env)
        outputs += list(proc.communicate(timeout=60))
    assert fake_ado.writes >= 4  # it did authenticate and write
    history = subprocess.run(
        ["git", "log", "-p", "--all"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    assert "audit/" in history and "sync/ado/snapshot.json" in history
    files = [
        p.read_text(errors="replace")
        for p in root.rglob("*")
        if p.is_file() and ".git/" not in str(p)
    ]
    assert any("workItem:" in text for text in files)
    encoded = base64.b64encode(f":{fake_ado.pat}".encode()).decode()
    for text in [*outputs, history, *files]:
        assert fake_ado.pat not in text
        assert encoded not in text


def test_without_a_pat_the_run_fails_with_a_clear_401(fake_ado: FakeAdo, tmp_path: Path) -> None:
    root = write_repo(tmp_path / "r", 1, cfg=ado_config())
    proc = cli(root, fake_ado, "--format", "json", env={"AZURE_DEVOPS_PAT": ""})
    out, _err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    platform = json.loads(out)["platforms"][0]
    assert "HTTP 401" in platform["error"] and "TF400813" in platform["error"]
    assert fake_ado.writes == 0
