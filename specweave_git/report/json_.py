"""``--format json``: exactly ``CheckResult.to_json()`` (the DESIGN §10 contract)."""

from __future__ import annotations

import json

from ..drift.result import CheckResult


def render(result: CheckResult, *, color: bool = False, width: int | None = None) -> str:
    # Key order is the contract's (insertion order of to_json), not sorted.
    return json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"
