"""What to do with each item: a three-way comparison of spec, tracker and last sync.

Each item's rendering has two parts judged separately, because the gate permits them
separately: ``content`` (title, body, labels, parent) needs the upsert flags, ``status``
(open/closed and status labels) the status flags. For each part, with ``desired`` the
hash of the spec's rendering, ``remote`` the hash of the tracker's and ``last`` the
hashes recorded by the last sync (``sync/<platform>/snapshot.json`` in the state ref):

==========================  ==========================================================
desired == remote           in sync: no write (snapshot refreshed)
nothing changed since last  no write (also when the tracker normalised what we sent)
only the spec changed       write
only the tracker changed    kept (recorded as ``remote-changed``; never overwritten)
both changed                conflict: nothing overwritten, reported
==========================  ==========================================================

A status conflict follows ``statusSync.conflictResolution``: ``specweave-wins`` writes,
``external-wins`` keeps the tracker's, ``last-write-wins`` compares when the spec file
last changed (its last commit; its modification time while it has uncommitted changes)
with the tracker's ``updated_at``; ``prompt`` (or an unknown time) reports a conflict.

A conflict stays one until a side resolves it: the snapshot row records the parts in
conflict (``Entry.conflict``), because an incremental listing does not show the tracker's
item again and the remote side would otherwise look unchanged on the next run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SNAPSHOT_VERSION = 1
PARTS = ("content", "status")


def digest(value: Any) -> str:
    """A short, stable hash of a JSON value (canonical: sorted keys, no spaces)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Rendering:
    """An item as a tracker should show it, split by the permission each part needs."""

    content: Mapping[str, Any]
    status: Mapping[str, Any]

    def hash(self, part: str) -> str:
        return digest(dict(self.content if part == "content" else self.status))


@dataclass(frozen=True, slots=True)
class Entry:
    """What the last sync recorded of one item (a snapshot row)."""

    id: str
    url: str = ""
    content: str = ""  # hash of the content part as last written or accepted
    status: str = ""
    remote_content: str = ""  # hash of the tracker's content part as last seen
    remote_status: str = ""
    updated_at: str = ""  # the tracker's updated_at as last seen
    conflict: str = ""  # parts in conflict ("status", "content,status"), "" for none

    def to_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "url": self.url,
            "content": self.content,
            "status": self.status,
            "remote_content": self.remote_content,
            "remote_status": self.remote_status,
            "updated_at": self.updated_at,
            "conflict": self.conflict,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Entry:
        return cls(**{k: str(d.get(k) or "") for k in cls.__slots__})

    def last(self, part: str) -> str:
        return self.content if part == "content" else self.status

    def remote(self, part: str) -> str:
        return self.remote_content if part == "content" else self.remote_status

    def in_conflict(self, part: str) -> bool:
        return part in self.conflict.split(",")


@dataclass
class Snapshot:
    """``sync/<platform>/snapshot.json``: the last sync's view of every item.

    ``items``: item key -> Entry. ``index``: marker key -> tracker id of every item the
    listings ever showed (also items the specs no longer have), so a story that comes back
    finds its old issue even when this run's listing was incremental. ``cursor``: what
    the provider needs for a cheap next listing (``since``, ETags). A snapshot of another
    target (the repository changed in the config) starts empty.
    """

    target: str
    items: dict[str, Entry] = field(default_factory=dict)
    index: dict[str, str] = field(default_factory=dict)
    cursor: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": SNAPSHOT_VERSION,
            "target": self.target,
            "cursor": self.cursor,
            "index": dict(sorted(self.index.items())),
            "items": {k: self.items[k].to_json() for k in sorted(self.items)},
        }

    @classmethod
    def from_json(cls, data: Any, target: str) -> Snapshot:
        if not isinstance(data, dict) or data.get("target") != target:
            return cls(target)
        if data.get("version") != SNAPSHOT_VERSION:
            return cls(target)
        items = _mapping(data.get("items"))
        index = _mapping(data.get("index"))
        cursor = _mapping(data.get("cursor"))
        return cls(
            target,
            {str(k): Entry.from_json(v) for k, v in items.items() if isinstance(v, dict)},
            {str(k): str(v) for k, v in index.items()},
            dict(cursor),
        )


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


@dataclass(frozen=True, slots=True)
class Remote:
    """An item at the tracker. ``rendering`` is None when this run did not fetch it (an
    incremental listing): it is then as the snapshot recorded it. ``data`` holds what the
    provider needs to write it (labels to keep, numbers)."""

    id: str
    url: str
    key: str | None
    updated_at: str
    rendering: Rendering | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    def hash(self, part: str, entry: Entry | None) -> str | None:
        if self.rendering is not None:
            return self.rendering.hash(part)
        return entry.remote(part) if entry is not None else None


# Verdicts of one part.
SAME = "same"
WRITE = "write"
KEPT = "remote-changed"
CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class Action:
    """The plan for one item: ``create``, or per part one of the verdicts above."""

    key: str
    kind: str  # create | sync
    content: str = SAME
    status: str = SAME
    reason: str = ""

    @property
    def writes(self) -> tuple[str, ...]:
        """The provider operations this action needs, in order."""
        if self.kind == "create":
            return ("create",) + (("set_status",) if self.status == WRITE else ())
        ops: list[str] = []
        if self.content == WRITE:
            ops.append("update")
        if self.status == WRITE:
            ops.append("set_status")
        return tuple(ops)

    @property
    def label(self) -> str:
        """One word for reports: create, update, status, conflict, remote-changed, unchanged."""
        if self.kind == "create":
            return "create"
        verdicts = (self.content, self.status)
        if CONFLICT in verdicts:
            return "conflict"
        if self.content == WRITE:
            return "update"
        if self.status == WRITE:
            return "status"
        if KEPT in verdicts:
            return "remote-changed"
        return "unchanged"


def _part(
    part: str,
    desired: Rendering,
    remote: Remote,
    entry: Entry | None,
    status_rule: str,
    local_newer: bool | None,
) -> str:
    want = desired.hash(part)
    have = remote.hash(part, entry)
    if have == want:
        return SAME
    if entry is None:
        # Adopted (found by id or marker, never synced from here): the spec wins.
        return WRITE
    local_changed = want != entry.last(part)
    # A recorded conflict counts as a tracker change until a side resolves it (then
    # ``have == want`` above, or the spec went back to ``last`` and the tracker's is kept).
    remote_changed = entry.in_conflict(part) or (
        remote.rendering is not None and have != entry.remote(part)
    )
    if not local_changed:
        return KEPT if remote_changed else SAME
    if not remote_changed:
        return WRITE
    if part == "status":
        if status_rule == "specweave-wins":
            return WRITE
        if status_rule == "external-wins":
            return KEPT
        if status_rule == "last-write-wins" and local_newer is not None:
            return WRITE if local_newer else KEPT
    return CONFLICT


def decide(
    key: str,
    desired: Rendering,
    remote: Remote | None,
    entry: Entry | None,
    *,
    status_rule: str = "last-write-wins",
    local_newer: bool | None = None,
) -> Action:
    """The action for one item. ``remote`` None: nothing found by id nor marker.
    ``local_newer``: whether the spec changed after the tracker did (None: unknown)."""
    if remote is None:
        status = WRITE if desired.status.get("state") not in (None, "open") else SAME
        return Action(key, "create", WRITE, status, "not found by id nor marker")
    content = _part("content", desired, remote, entry, status_rule, local_newer)
    status = _part("status", desired, remote, entry, status_rule, local_newer)
    reasons = []
    if CONFLICT in (content, status):
        which = [p for p, v in zip(PARTS, (content, status), strict=True) if v == CONFLICT]
        reasons.append(f"{' and '.join(which)} changed in the spec and at the tracker")
    if KEPT in (content, status):
        reasons.append("changed at the tracker only: kept")
    return Action(key, "sync", content, status, "; ".join(reasons))


def accepted(entry: Entry | None, remote: Remote, desired: Rendering, action: Action) -> Entry:
    """The snapshot row after an action that wrote nothing (unchanged, kept, conflict):
    the tracker's state is recorded as seen, ours only where both agree."""
    parts: dict[str, str] = {}
    conflicts = []
    for part, verdict in zip(PARTS, (action.content, action.status), strict=True):
        seen = remote.hash(part, entry) or ""
        if verdict == SAME and (entry is None or seen == desired.hash(part)):
            parts[part] = desired.hash(part)
        else:
            parts[part] = entry.last(part) if entry is not None else ""
        parts[f"remote_{part}"] = seen
        if verdict == CONFLICT:
            conflicts.append(part)
    return Entry(
        id=remote.id,
        url=remote.url,
        updated_at=remote.updated_at or (entry.updated_at if entry else ""),
        conflict=",".join(conflicts),
        **parts,
    )


def written(remote: Remote, sent: Rendering, before: Entry | None, parts: tuple[str, ...]) -> Entry:
    """The snapshot row after writing ``parts`` as ``sent``: the hashes of what was
    actually sent (a milestone that could not be set is part of it), and the tracker's
    answer as its state."""
    values: dict[str, str] = {}
    for part in PARTS:
        if part in parts:
            values[part] = sent.hash(part)
        else:
            values[part] = before.last(part) if before is not None else ""
        values[f"remote_{part}"] = remote.hash(part, before) or ""
    # A part written is resolved; a part not written keeps its conflict, if any.
    left = [p for p in PARTS if p not in parts and before is not None and before.in_conflict(p)]
    return Entry(
        id=remote.id,
        url=remote.url,
        updated_at=remote.updated_at,
        conflict=",".join(left),
        **values,
    )
