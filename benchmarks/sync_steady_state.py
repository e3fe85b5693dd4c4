"""Sync steady state: 500 user stories already synced, nothing changed -> requests, writes.

Builds a repository with 500 user stories in 10 features, starts the contract-validating
fake GitHub (loopback HTTP, this process), and runs the real CLI, `specweave-git sync
github`, as a subprocess: the initial sync, the first run after it (it re-reads what the
initial run wrote), then steady-state runs. Requests and writes are counted by the server.
Target for a steady-state run: <= 6 requests, 0 writes.

    python benchmarks/sync_steady_state.py [--stories 500] [--features 10] [--runs 3]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _sync_common import arguments, measure, most_requests, total_writes

from tests.fakes.github import FakeGitHub

TARGET_REQUESTS = 6


def main() -> int:
    args = arguments(__doc__, stories=500, features=10).parse_args()
    rows, invalid = measure(FakeGitHub(), "github", args)
    print(f"{args.stories} user stories in {args.features} features, fake GitHub over loopback")
    print(f"{'run':<22} {'requests':>8} {'304':>5} {'writes':>7} {'seconds':>8}  summary")
    for r in rows:
        not_modified = sum(1 for q in r.requests if q.status == 304)
        print(
            f"{r.label:<22} {len(r.requests):>8} {not_modified:>5} {r.writes:>7} "
            f"{r.seconds:>8}  {r.summary}"
        )
    steady = rows[1:]
    worst = most_requests(steady)
    writes = total_writes(steady)
    ok = worst <= TARGET_REQUESTS and writes == 0 and invalid == 0
    print(
        f"after the initial sync: at most {worst} requests per run, {writes} writes "
        f"(target <= {TARGET_REQUESTS} requests, 0 writes); contract violations: {invalid} "
        f"-> {'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
