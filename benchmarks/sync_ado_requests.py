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

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _sync_common import arguments, measure, most_requests, total_writes

from tests.ado_support import ado_config
from tests.fakes.ado import FakeAdo

TARGET_REQUESTS = 1


def _operation(method: str, path: str) -> str:
    tail = path.split("/_apis/wit/", 1)[-1].lower()
    if tail.startswith("workitems/$"):
        return "create"
    if method == "PATCH":
        return "update"
    return {"wiql": "wiql", "workitemsbatch": "batch"}.get(tail, f"{method} {tail}")


def main() -> int:
    parser = arguments(__doc__, stories=50, features=5)
    parser.add_argument("--process", default="Agile", choices=("Agile", "Scrum", "Basic"))
    args = parser.parse_args()
    rows, invalid = measure(FakeAdo(projects={"widgets": args.process}), "ado", args, ado_config())
    print(
        f"{args.stories} user stories in {args.features} features, FakeAdo ({args.process}) "
        "over loopback"
    )
    print(f"{'run':<22} {'requests':>8} {'writes':>7} {'seconds':>8}  operations; summary")
    for r in rows:
        ops = Counter(_operation(q.method, q.path) for q in r.requests)
        print(
            f"{r.label:<22} {len(r.requests):>8} {r.writes:>7} {r.seconds:>8}  "
            f"{dict(sorted(ops.items()))}; {r.summary}"
        )
    worst = most_requests(rows[2:])
    writes = total_writes(rows[1:])
    ok = worst <= TARGET_REQUESTS and writes == 0 and invalid == 0
    print(
        f"steady state: at most {worst} requests per run; writes after the initial sync: "
        f"{writes} (target <= {TARGET_REQUESTS} request, 0 writes); contract violations: "
        f"{invalid} -> {'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
