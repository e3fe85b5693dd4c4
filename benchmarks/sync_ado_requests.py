"""ADO sync requests: a first sync of 50 user stories, then steady state -> requests, writes.

Builds a repository with 50 user stories in 5 features, starts the contract-validating
FakeAdo (loopback HTTP, this process) with a project of the chosen process, and runs the
real CLI, `specweave-git sync ado`, as a subprocess: the initial sync, the first run after
it (it reads back what the initial run wrote: changed since the last WIQL's asOf), then
steady-state runs. Requests and writes are counted by the server, per operation.
Target for a steady-state run: 1 request (one WIQL query), 0 writes.

    python benchmarks/sync_ado_requests.py [--stories 50] [--features 5] [--runs 3]
        [--process Agile|Scrum|Basic]
"""

from __future__ import annotations

import argparse
import json
import os
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

from tests.ado_support import ado_config  # noqa: E402
from tests.fakes.ado import FakeAdo  # noqa: E402
from tests.sync_support import write_repo  # noqa: E402

TARGET_REQUESTS = 1


def _operation(method: str, path: str) -> str:
    tail = path.split("/_apis/wit/", 1)[-1].lower()
    if tail.startswith("workitems/$"):
        return "create"
    if method == "PATCH":
        return "update"
    return {"wiql": "wiql", "workitemsbatch": "batch"}.get(tail, f"{method} {tail}")


def run_once(root: Path, fake: FakeAdo, label: str) -> dict[str, object]:
    before = len(fake.requests)
    writes_before = fake.writes
    env = {**GIT_ENV, **fake.env()}
    cmd = [*cli(), "sync", "ado", "--budget", "100000", "--no-living-docs", "--format", "json"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{label}: exit {proc.returncode}\n{proc.stderr}\n{proc.stdout[-3000:]}")
    report = json.loads(proc.stdout)["platforms"][0]
    requests = fake.requests[before:]
    ops = Counter(_operation(r.method, r.path) for r in requests)
    return {
        "run": label,
        "requests": len(requests),
        "writes": fake.writes - writes_before,
        "ops": dict(sorted(ops.items())),
        "summary": {k: v for k, v in report["summary"].items() if v},
        "seconds": round(seconds, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=50)
    parser.add_argument("--features", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3, help="steady-state runs")
    parser.add_argument("--process", default="Agile", choices=("Agile", "Scrum", "Basic"))
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="sync-ado-bench-") as tmp,
        FakeAdo(projects={"widgets": args.process}) as fake,
    ):
        root = write_repo(
            Path(tmp) / "repo", args.stories, features=args.features, cfg=ado_config()
        )
        os.environ.pop("SPECWEAVE_CONTEXT", None)
        rows = [run_once(root, fake, "initial sync")]
        rows.append(run_once(root, fake, "first run after it"))
        rows += [run_once(root, fake, f"steady state #{i + 1}") for i in range(args.runs)]
        invalid = len(fake.invalid)
    print(
        f"{args.stories} user stories in {args.features} features, FakeAdo ({args.process}) "
        "over loopback"
    )
    print(f"{'run':<22} {'requests':>8} {'writes':>7} {'seconds':>8}  operations; summary")
    for r in rows:
        print(
            f"{r['run']:<22} {r['requests']:>8} {r['writes']:>7} {r['seconds']:>8}  "
            f"{r['ops']}; {r['summary']}"
        )
    steady = rows[2:]
    worst = max(int(str(r["requests"])) for r in steady)
    writes = sum(int(str(r["writes"])) for r in rows[1:])
    ok = worst <= TARGET_REQUESTS and writes == 0 and invalid == 0
    print(
        f"steady state: at most {worst} requests per run; writes after the initial sync: "
        f"{writes} (target <= {TARGET_REQUESTS} request, 0 writes); contract violations: "
        f"{invalid} -> {'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
