"""The outcome of one `check` run: what every renderer and sink receives."""

from __future__ import annotations

from typing import Any

from ..record import Record
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


class CheckResult(Record):
    __slots__ = (
        "discrepancies",
        "elapsed_ms",
        "fail_on",
        "files_parsed",
        "fix_warnings",
        "fixed_files",
        "justifications",
        "scope",
        "stale_baseline",
        "warnings",
    )

    scope: Scope
    discrepancies: list[Discrepancy]
    fail_on: str
    files_parsed: int
    elapsed_ms: int
    fixed_files: list[str]
    warnings: list[str]
    stale_baseline: list[str]
    # fingerprint -> why an accepted/dismissed finding was settled (from the baseline);
    # SARIF carries it as the suppression's justification.
    justifications: dict[str, str]
    # What --fix left alone and why (also in ``warnings``): shown whatever the format.
    fix_warnings: list[str]

    def __init__(
        self,
        scope: Scope,
        discrepancies: list[Discrepancy],
        fail_on: str = "major",
        files_parsed: int = 0,
        elapsed_ms: int = 0,
        fixed_files: list[str] | None = None,
        warnings: list[str] | None = None,
        stale_baseline: list[str] | None = None,
        justifications: dict[str, str] | None = None,
        fix_warnings: list[str] | None = None,
    ) -> None:
        self.scope = scope
        self.discrepancies = discrepancies
        self.fail_on = fail_on
        self.files_parsed = files_parsed
        self.elapsed_ms = elapsed_ms
        self.fixed_files = [] if fixed_files is None else fixed_files
        self.warnings = [] if warnings is None else warnings
        self.stale_baseline = [] if stale_baseline is None else stale_baseline
        self.justifications = {} if justifications is None else justifications
        self.fix_warnings = [] if fix_warnings is None else fix_warnings

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
