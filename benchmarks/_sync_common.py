"""Shared by the sync benchmarks: the CLI run against a fake tracker, measured per run."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
from _common import GIT_ENV, cli  # noqa: E402

from tests.fakes.base import FakeService  # noqa: E402
from tests.fakes.server import Request  # noqa: E402
from tests.sync_support import write_repo  # noqa: E402


@dataclass
class Run:
    """One `specweave-git sync <platform>` run: what the fake saw, and how long it took."""

    label: str
    requests: list[Request]
    writes: int
    summary: dict[str, Any]
    seconds: float


def arguments(doc: str, *, stories: int, features: int) -> argparse.ArgumentParser:
    """The flags every sync benchmark takes; a script adds its own before parsing."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--stories", type=int, default=stories)
    parser.add_argument("--features", type=int, default=features)
    parser.add_argument("--runs", type=int, default=3, help="steady-state runs")
    return parser


def run_once(root: Path, fake: Any, platform: str, label: str) -> Run:
    before = len(fake.requests)
    writes_before = fake.writes
    env = {**GIT_ENV, **fake.env()}
    cmd = [*cli(), "sync", platform, "--budget", "100000", "--no-living-docs", "--format", "json"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{label}: exit {proc.returncode}\n{proc.stderr}\n{proc.stdout[-3000:]}")
    report = json.loads(proc.stdout)["platforms"][0]
    return Run(
        label,
        fake.requests[before:],
        fake.writes - writes_before,
        {k: v for k, v in report["summary"].items() if v},
        round(seconds, 2),
    )


def measure(
    fake: FakeService, platform: str, args: argparse.Namespace, cfg: dict[str, Any] | None = None
) -> tuple[list[Run], int]:
    """The initial sync, the first run after it, then ``args.runs`` steady-state runs on a
    fresh repository of ``args.stories`` stories; also the contract violations seen."""
    with tempfile.TemporaryDirectory(prefix=f"sync-{platform}-bench-") as tmp, fake:
        root = write_repo(Path(tmp) / "repo", args.stories, features=args.features, cfg=cfg)
        os.environ.pop("SPECWEAVE_CONTEXT", None)
        rows = [run_once(root, fake, platform, "initial sync")]
        rows.append(run_once(root, fake, platform, "first run after it"))
        rows += [run_once(root, fake, platform, f"steady state #{i + 1}") for i in range(args.runs)]
        return rows, len(fake.invalid)


def most_requests(rows: list[Run]) -> int:
    return max(len(r.requests) for r in rows)


def total_writes(rows: list[Run]) -> int:
    return sum(r.writes for r in rows)
