"""The outcome of one `check` run: what every renderer and sink receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .detect import Scope
from .model import FAIL_ON_CHOICES, SEVERITIES, Discrepancy, severity_rank

# Statuses that never fail a check: the user decided (accepted/dismissed) or we fixed it.
SETTLED = frozenset({"accepted", "dismissed", "fixed"})


def exit_code_for(discrepancies: list[Discrepancy], fail_on: str, files_fixed: int = 0) -> int:
    """0 nothing at or above fail_on; 1 otherwise, or when --fix changed files."""
    if fail_on not in FAIL_ON_CHOICES:
        raise ValueError(fail_on)
    if files_fixed:
        return 1
    if fail_on == "never":
        return 0
    threshold = severity_rank(fail_on)
    for d in discrepancies:
        if d.status not in SETTLED and severity_rank(d.severity) >= threshold:
            return 1
    return 0


@dataclass
class CheckResult:
    scope: Scope
    discrepancies: list[Discrepancy]
    fail_on: str = "major"
    files_parsed: int = 0
    elapsed_ms: int = 0
    fixed_files: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stale_baseline: list[str] = field(default_factory=list)
    # fingerprint -> why an accepted/dismissed finding was settled (from the baseline);
    # SARIF carries it as the suppression's justification.
    justifications: dict[str, str] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return exit_code_for(self.discrepancies, self.fail_on, len(self.fixed_files))

    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys(SEVERITIES, 0)
        fixed = 0
        for d in self.discrepancies:
            if d.status == "fixed":
                fixed += 1
            else:
                counts[d.severity] += 1
        return {
            **counts,
            "fixed": fixed,
            "files_parsed": self.files_parsed,
            "elapsed_ms": self.elapsed_ms,
        }

    def max_severity(self) -> str | None:
        open_items = [d for d in self.discrepancies if d.status not in SETTLED]
        if not open_items:
            return None
        return max(open_items, key=lambda d: severity_rank(d.severity)).severity

    def to_json(self) -> dict[str, Any]:
        """DESIGN §10: the contract outside scripts rely on."""
        return {
            "version": 1,
            "scope": {"kind": self.scope.kind, "base": self.scope.base, "head": self.scope.head},
            "discrepancies": [d.to_json() for d in self.discrepancies],
            "summary": self.summary(),
            "exit_code": self.exit_code,
        }
