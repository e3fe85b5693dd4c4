"""Streaming counts over audit records: by platform, operation, result, kind and day."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# What a sync run did on a platform, as the monitor and `logs stats` name it.
ACTIVITY = ("synced", "failed", "denied", "dry-run")
_ACTIVITY_OF = {"success": "synced", "error": "failed", "denied": "denied", "dry-run": "dry-run"}


def activity(result: object) -> str | None:
    """``synced``/``failed``/``denied``/``dry-run`` for a gate result; None for a
    decision record that only allowed a call (its outcome record counts)."""
    return _ACTIVITY_OF.get(result) if isinstance(result, str) else None


class Stats:
    """Counters filled one record at a time; memory grows with distinct keys only."""

    __slots__ = (
        "by_day",
        "by_kind",
        "by_operation",
        "by_platform",
        "by_result",
        "first",
        "last",
        "platforms",
        "total",
    )

    def __init__(self) -> None:
        self.total = 0
        self.first: str | None = None
        self.last: str | None = None
        self.by_kind: dict[str, int] = {}
        self.by_platform: dict[str, int] = {}
        self.by_operation: dict[str, int] = {}
        self.by_result: dict[str, int] = {}
        self.by_day: dict[str, int] = {}
        self.platforms: dict[str, dict[str, int]] = {}  # platform -> ACTIVITY counts

    def add(self, rec: dict[str, Any]) -> None:
        self.total += 1
        ts = rec.get("ts")
        if isinstance(ts, str):
            if self.first is None or ts < self.first:
                self.first = ts
            if self.last is None or ts > self.last:
                self.last = ts
            _bump(self.by_day, ts[:10])
        platform = str(rec.get("platform") or "-")
        _bump(self.by_kind, str(rec.get("kind") or "-"))
        _bump(self.by_platform, platform)
        _bump(self.by_operation, str(rec.get("operation") or "-"))
        result = rec.get("result")
        _bump(self.by_result, str(result) if result is not None else "none")
        what = activity(result)
        if what is not None:
            row = self.platforms.setdefault(platform, dict.fromkeys(ACTIVITY, 0))
            row[what] += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "first": self.first,
            "last": self.last,
            "by_kind": _sorted(self.by_kind),
            "by_platform": _sorted(self.by_platform),
            "by_operation": _sorted(self.by_operation),
            "by_result": _sorted(self.by_result),
            "by_day": dict(sorted(self.by_day.items())),
            "activity": {p: dict(c) for p, c in sorted(self.platforms.items())},
        }

    def render(self) -> str:
        """The text `logs stats` prints."""
        if not self.total:
            return "no audit records match"
        lines = [f"{self.total} record(s), {self.first} .. {self.last}"]
        if self.platforms:
            lines.append("")
            lines.append(
                _table(
                    ("platform", *ACTIVITY),
                    [
                        (p, *(str(c[a]) for a in ACTIVITY))
                        for p, c in sorted(self.platforms.items())
                    ],
                )
            )
        for title, counts in (
            ("by platform", self.by_platform),
            ("by operation", self.by_operation),
            ("by result", self.by_result),
            ("by kind", self.by_kind),
        ):
            lines.append("")
            lines.append(
                _table((title, "records"), [(k, str(v)) for k, v in _sorted(counts).items()])
            )
        lines.append("")
        days = sorted(self.by_day.items())
        lines.append(_table(("by day", "records"), [(k, str(v)) for k, v in days]))
        return "\n".join(lines)


def collect(records: Iterable[dict[str, Any]]) -> Stats:
    stats = Stats()
    for rec in records:
        stats.add(rec)
    return stats


def _bump(counts: dict[str, int], key: str) -> None:
    counts[key] = counts.get(key, 0) + 1


def _sorted(counts: dict[str, int]) -> dict[str, int]:
    """Most first, then by name: the order a reader scans for."""
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    out = []
    for row in [header, *rows]:
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)
