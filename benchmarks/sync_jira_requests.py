"""JIRA sync cost: requests of a first sync of 50 user stories, and of steady-state runs.

Builds a repository with N user stories in F features, starts the contract-validating
fake JIRA (loopback HTTP, this process) and runs the real CLI, `specweave-git sync jira`,
as a subprocess: the initial sync, the first run after it, then steady-state runs. The
server counts the requests, by operation. Target for a steady-state run: 1 request
(one JQL search), 0 writes.

    python benchmarks/sync_jira_requests.py [--stories 50] [--features 5] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
from _common import GIT_ENV, cli  # noqa: E402

from tests.fakes.jira import FakeJira  # noqa: E402
from tests.sync_support import ALL_ALLOWED, write_repo  # noqa: E402

TARGET_REQUESTS = 1


def config() -> dict[str, object]:
    sync = json.loads(json.dumps(ALL_ALLOWED))
    sync["jira"] = {"enabled": True, "domain": "acme.atlassian.net", "projectKey": "PROJ"}
    sync["orchestration"]["permissions"] = {
        "jira": {"canRead": True, "canUpsert": True, "canUpdateStatus": True}
    }
    return {"sync": sync}


def operation(method: str, path: str) -> str:
    path = re.sub(r"/issue/[^/]+", "/issue/{id}", path.removeprefix("/rest/api/3"))
    return f"{method} {path}"


def run_once(root: Path, fake: FakeJira, label: str) -> dict[str, object]:
    before = len(fake.requests)
    writes_before = fake.writes
    env = {**GIT_ENV, **fake.env()}
    cmd = [*cli(), "sync", "jira", "--budget", "100000", "--no-living-docs", "--format", "json"]
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
        "writes": fake.writes - writes_before,
        "by_op": Counter(operation(r.method, r.path) for r in requests),
        "summary": {k: v for k, v in report["summary"].items() if v},
        "seconds": round(seconds, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=50)
    parser.add_argument("--features", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3, help="steady-state runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jira-bench-") as tmp, FakeJira() as fake:
        root = write_repo(Path(tmp) / "repo", args.stories, features=args.features, cfg=config())
        os.environ.pop("SPECWEAVE_CONTEXT", None)
        rows = [run_once(root, fake, "initial sync")]
        rows.append(run_once(root, fake, "first run after it"))
        rows += [run_once(root, fake, f"steady state #{i + 1}") for i in range(args.runs)]
        invalid = len(fake.invalid)
    items = args.stories + args.features
    print(f"{args.stories} user stories in {args.features} features ({items} issues), fake JIRA")
    print(f"{'run':<22} {'requests':>8} {'writes':>7} {'seconds':>8}  summary")
    for r in rows:
        print(
            f"{r['run']:<22} {r['requests']:>8} {r['writes']:>7} {r['seconds']:>8}  {r['summary']}"
        )
    print("initial sync by operation:")
    by_op: Counter[str] = rows[0]["by_op"]  # type: ignore[assignment]
    for op, n in sorted(by_op.items(), key=lambda kv: -kv[1]):
        print(f"  {n:>5}  {op}")
    steady = rows[2:]
    worst = max(int(str(r["requests"])) for r in steady)
    writes = sum(int(str(r["writes"])) for r in rows[1:])
    ok = worst <= TARGET_REQUESTS and writes == 0 and invalid == 0
    print(
        f"steady state: at most {worst} request(s) per run, {writes} writes after the initial "
        f"sync (target <= {TARGET_REQUESTS}, 0); contract violations: {invalid} "
        f"-> {'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
