"""Sync steady state: 500 user stories already synced, nothing changed -> requests, writes.

Builds a repository with 500 user stories in 10 features, starts the contract-validating
fake GitHub (loopback HTTP, this process), and runs the real CLI, `specweave-git sync
github`, as a subprocess: the initial sync, the first run after it (it re-reads what the
initial run wrote), then steady-state runs. Requests and writes are counted by the server.
Target for a steady-state run: <= 6 requests, 0 writes.

    python benchmarks/sync_steady_state.py [--stories 500] [--features 10] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
from _common import GIT_ENV, cli  # noqa: E402

from tests.fakes.github import FakeGitHub  # noqa: E402
from tests.sync_support import write_repo  # noqa: E402

TARGET_REQUESTS = 6


def run_once(root: Path, fake: FakeGitHub, label: str) -> dict[str, object]:
    before = len(fake.requests)
    writes_before = fake.writes
    env = {**GIT_ENV, **fake.env()}
    cmd = [*cli(), "sync", "github", "--budget", "100000", "--no-living-docs", "--format", "json"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{label}: exit {proc.returncode}\n{proc.stderr}\n{proc.stdout[-3000:]}")
    report = json.loads(proc.stdout)["platforms"][0]
    requests = fake.requests[before:]
    return {
        "run": label,
        "requests": len(requests),
        "not_modified": sum(1 for r in requests if r.status == 304),
        "writes": fake.writes - writes_before,
        "summary": {k: v for k, v in report["summary"].items() if v},
        "seconds": round(seconds, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=500)
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3, help="steady-state runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sync-bench-") as tmp, FakeGitHub() as fake:
        root = write_repo(Path(tmp) / "repo", args.stories, features=args.features)
        os.environ.pop("SPECWEAVE_CONTEXT", None)
        rows = [run_once(root, fake, "initial sync")]
        rows.append(run_once(root, fake, "first run after it"))
        rows += [run_once(root, fake, f"steady state #{i + 1}") for i in range(args.runs)]
        invalid = len(fake.invalid)
    print(f"{args.stories} user stories in {args.features} features, fake GitHub over loopback")
    print(f"{'run':<22} {'requests':>8} {'304':>5} {'writes':>7} {'seconds':>8}  summary")
    for r in rows:
        print(
            f"{r['run']:<22} {r['requests']:>8} {r['not_modified']:>5} {r['writes']:>7} "
            f"{r['seconds']:>8}  {r['summary']}"
        )
    steady = rows[1:]
    worst = max(int(str(r["requests"])) for r in steady)
    writes = sum(int(str(r["writes"])) for r in steady)
    ok = worst <= TARGET_REQUESTS and writes == 0 and invalid == 0
    print(
        f"after the initial sync: at most {worst} requests per run, {writes} writes "
        f"(target <= {TARGET_REQUESTS} requests, 0 writes); contract violations: {invalid} "
        f"-> {'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
