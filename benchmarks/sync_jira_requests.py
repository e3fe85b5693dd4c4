"""JIRA sync cost: requests of a first sync of 50 user stories, and of steady-state runs.

Builds a repository with N user stories in F features, starts the contract-validating
fake JIRA (loopback HTTP, this process) and runs the real CLI, `specweave-git sync jira`,
as a subprocess: the initial sync, the first run after it, then steady-state runs. The
server counts the requests, by operation. Target for a steady-state run: 1 request
(one JQL search), 0 writes.

    python benchmarks/sync_jira_requests.py [--stories 50] [--features 5] [--runs 3]
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _sync_common import arguments, measure, most_requests, total_writes

from tests.fakes.jira import FakeJira
from tests.sync_support import ALL_ALLOWED

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


def main() -> int:
    args = arguments(__doc__, stories=50, features=5).parse_args()
    rows, invalid = measure(FakeJira(), "jira", args, cfg=config())
    items = args.stories + args.features
    print(f"{args.stories} user stories in {args.features} features ({items} issues), fake JIRA")
    print(f"{'run':<22} {'requests':>8} {'writes':>7} {'seconds':>8}  summary")
    for r in rows:
        print(f"{r.label:<22} {len(r.requests):>8} {r.writes:>7} {r.seconds:>8}  {r.summary}")
    print("initial sync by operation:")
    by_op = Counter(operation(q.method, q.path) for q in rows[0].requests)
    for op, n in sorted(by_op.items(), key=lambda kv: -kv[1]):
        print(f"  {n:>5}  {op}")
    worst = most_requests(rows[2:])
    writes = total_writes(rows[1:])
    ok = worst <= TARGET_REQUESTS and writes == 0 and invalid == 0
    print(
        f"steady state: at most {worst} request(s) per run, {writes} writes after the initial "
        f"sync (target <= {TARGET_REQUESTS}, 0); contract violations: {invalid} "
        f"-> {'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
