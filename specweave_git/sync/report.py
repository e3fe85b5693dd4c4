"""What a sync run did: per item, per platform, and for the whole run (text/JSON-ready)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ItemResult:
    """What happened to one item. ``outcome``: created | updated | unchanged | adopted |
    remote-changed | conflict | denied | failed | deferred | pulled (the spec took the
    tracker's status) | skipped (an external item not created here; ``reason`` says why) |
    planned (dry run; ``ops`` say what: create, update, comment, set_status, pull).
    ``closes``: the status write closes the tracker's item."""

    key: str
    kind: str
    outcome: str
    ops: tuple[str, ...] = ()
    id: str | None = None
    url: str | None = None
    reason: str = ""
    closes: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "outcome": self.outcome,
            "ops": list(self.ops),
            "id": self.id,
            "url": self.url,
            "reason": self.reason,
            "closes": self.closes,
        }


SUMMARY_KEYS = (
    "created",
    "updated",
    "pulled",
    "unchanged",
    "denied",
    "failed",
    "deferred",
    "conflict",
    "skipped",
)
_SUMMARY_OF = {"adopted": "unchanged", "remote-changed": "unchanged"}
_PLANNED = {"create": "created", "pull": "pulled"}
# The side-by-side table of ``sync --dry-run`` (one column per platform).
TABLE_ROWS = ("create", "update", "close", "pull", "unchanged", "denied", "conflict")
_TABLE_OF = {
    "created": "create",
    "updated": "update",
    "pulled": "pull",
    "unchanged": "unchanged",
    "adopted": "unchanged",
    "remote-changed": "unchanged",
    "denied": "denied",
    "conflict": "conflict",
}


@dataclass
class PlatformReport:
    platform: str
    target: str
    items: list[ItemResult] = field(default_factory=list)
    requests: int = 0
    writes: int = 0
    budget: int = 0
    duplicates_closed: int = 0
    files_written: list[str] = field(default_factory=list)
    outbox: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    direction: str = "push"
    notes: list[str] = field(default_factory=list)  # warnings of this platform's pass

    def summary(self) -> dict[str, int]:
        out = dict.fromkeys(SUMMARY_KEYS, 0)
        for r in self.items:
            if r.outcome == "planned":
                # A dry run: what would happen, denied calls counted as denied.
                name = _PLANNED.get(r.ops[0], "updated") if r.ops else "unchanged"
            else:
                name = _SUMMARY_OF.get(r.outcome, r.outcome)
            out[name] = out.get(name, 0) + 1
        return out

    def table(self) -> dict[str, int]:
        """Counts for the side-by-side table: create, update, close (a status write that
        closes the item), pull, unchanged, denied, conflict."""
        out = dict.fromkeys(TABLE_ROWS, 0)
        for r in self.items:
            first = r.ops[0] if r.ops else ""
            if r.outcome == "planned" and first in ("create", "pull"):
                row = first
            elif r.outcome in ("planned", "updated") and r.closes and "set_status" in r.ops:
                row = "close"
            elif r.outcome == "planned":
                row = "update" if r.ops else "unchanged"
            else:
                row = _TABLE_OF.get(r.outcome, "")
            if row:
                out[row] += 1
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "target": self.target,
            "summary": self.summary(),
            "requests": self.requests,
            "writes": self.writes,
            "budget": self.budget,
            "duplicates_closed": self.duplicates_closed,
            "files_written": self.files_written,
            "outbox": self.outbox,
            "error": self.error,
            "direction": self.direction,
            "notes": self.notes,
            "items": [r.to_json() for r in self.items],
        }


@dataclass
class SyncReport:
    dry_run: bool
    context: str
    platforms: list[PlatformReport] = field(default_factory=list)
    living_docs: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    strict_failed: bool = False

    @property
    def failed(self) -> bool:
        return any(p.error or p.summary()["failed"] for p in self.platforms)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "dry_run": self.dry_run,
            "context": self.context,
            "living_docs": self.living_docs,
            "platforms": [p.to_json() for p in self.platforms],
            "warnings": self.warnings,
            "strict_failed": self.strict_failed,
        }
