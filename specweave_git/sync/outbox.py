"""The outbox: writes a run could not finish, kept in the state ref and replayed first.

``sync/<platform>/outbox.json`` maps an item key to one entry:

- ``intent``: recorded (and committed) *before* a create is sent. A run killed between
  the create and the write-back of its id leaves it behind; the next run looks the item
  up by its marker before anything else, so the create is never repeated blindly.
- ``failed``: a write the tracker refused or never answered (5xx after retries, timeout,
  rate limit), with the error and the number of attempts.
- ``deferred``: the run's operation budget ran out before the item's turn.

Replaying an entry means syncing its item first on the next run, from the spec as it is
then (never re-sending a stale payload); the entry goes once the item is in sync. One
object keyed by item, so two runs' outboxes merge key by key in the state ref.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

KINDS = ("intent", "failed", "deferred")


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    kind: str  # intent | failed | deferred
    op: str  # create | update | set_status | ...
    since: str  # when the entry was first recorded (ISO 8601 UTC)
    updated_at: str  # when it was last recorded (the state merge keeps the newer side)
    attempts: int = 0
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "op": self.op,
            "since": self.since,
            "updated_at": self.updated_at,
            "attempts": self.attempts,
        }
        if self.error:
            out["error"] = self.error
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> OutboxEntry | None:
        kind = d.get("kind")
        if kind not in KINDS:
            return None
        return cls(
            kind=str(kind),
            op=str(d.get("op") or ""),
            since=str(d.get("since") or ""),
            updated_at=str(d.get("updated_at") or d.get("since") or ""),
            attempts=int(d.get("attempts") or 0),
            error=str(d.get("error") or ""),
        )


@dataclass
class Outbox:
    entries: dict[str, OutboxEntry] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: bytes | None) -> Outbox:
        """The outbox from the state file's bytes; a damaged file is an empty outbox
        (its items are then simply synced in their usual turn)."""
        if not data:
            return cls()
        try:
            raw = json.loads(data)
        except ValueError:
            return cls()
        entries = raw.get("entries") if isinstance(raw, dict) else None
        if not isinstance(entries, dict):
            return cls()
        out = cls()
        for key, value in entries.items():
            entry = OutboxEntry.from_json(value) if isinstance(value, dict) else None
            if entry is not None:
                out.entries[str(key)] = entry
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "entries": {k: self.entries[k].to_json() for k in sorted(self.entries)},
        }

    def order(self, keys: Iterable[str]) -> list[str]:
        """``keys`` with the outbox's items first (oldest entry first), then the rest."""
        keys = list(keys)
        known = set(keys)
        first = sorted(
            (k for k in self.entries if k in known), key=lambda k: (self.entries[k].since, k)
        )
        chosen = set(first)
        return first + [k for k in keys if k not in chosen]

    def record(self, key: str, kind: str, op: str, now: str, error: str = "") -> None:
        old = self.entries.get(key)
        attempts = (old.attempts if old is not None else 0) + (1 if kind == "failed" else 0)
        self.entries[key] = OutboxEntry(
            kind=kind,
            op=op,
            since=old.since if old is not None else now,
            updated_at=now,
            attempts=attempts,
            error=error[:500],
        )

    def resolve(self, key: str) -> bool:
        """Drop ``key``'s entry (its item is in sync); True when there was one."""
        return self.entries.pop(key, None) is not None

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(KINDS, 0)
        for entry in self.entries.values():
            out[entry.kind] += 1
        return out
