"""Helpers every renderer shares: ordering, locations, the one-line summary."""

from __future__ import annotations

from ..drift.model import SEVERITIES, Discrepancy, severity_rank
from ..drift.result import CheckResult
from ..model import Location

NO_LOCATION = "—"

# Most severe first: that is the order people read and the order annotation slots go.
SEVERITY_ORDER: tuple[str, ...] = tuple(reversed(SEVERITIES))
SETTLED_ORDER: tuple[str, ...] = ("fixed", "accepted", "dismissed")


def where(loc: Location | None) -> str:
    return f"{loc.path}:{loc.line}" if loc else NO_LOCATION


def by_severity(discrepancies: list[Discrepancy]) -> list[tuple[str, list[Discrepancy]]]:
    """(severity, items) for every severity that has items, most severe first.

    Items keep their order from the result (detect orders them), which makes the output
    as deterministic as the input.
    """
    groups: dict[str, list[Discrepancy]] = {s: [] for s in SEVERITY_ORDER}
    for d in discrepancies:
        groups.setdefault(d.severity, []).append(d)
    return [(s, items) for s, items in groups.items() if items]


def most_severe_first(discrepancies: list[Discrepancy]) -> list[Discrepancy]:
    return sorted(discrepancies, key=lambda d: -severity_rank(d.severity))


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def counts_text(result: CheckResult) -> str:
    """``2 major, 1 minor (1 fixed, 1 accepted)`` or ``no discrepancies``.

    Severity counts are of open findings; settled ones (fixed, accepted, dismissed) are
    counted apart in the parentheses, so no finding is counted twice.
    """
    open_counts = dict.fromkeys(SEVERITY_ORDER, 0)
    settled = dict.fromkeys(SETTLED_ORDER, 0)
    for d in result.discrepancies:
        if d.status in settled:
            settled[d.status] += 1
        else:
            open_counts[d.severity] = open_counts.get(d.severity, 0) + 1
    parts = [f"{n} {s}" for s, n in open_counts.items() if n]
    extra = [f"{n} {s}" for s, n in settled.items() if n]
    text = ", ".join(parts) if parts else "no discrepancies"
    if extra:
        text += f" ({', '.join(extra)})"
    return text


def summary_line(result: CheckResult) -> str:
    """``2 major, 1 minor, 1 trivial (1 fixed) in 3 files parsed, 41 ms — exit 1``."""
    return (
        f"{counts_text(result)} in {plural(result.files_parsed, 'file')} parsed, "
        f"{result.elapsed_ms} ms — exit {result.exit_code}"
    )
