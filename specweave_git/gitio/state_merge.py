"""The three-way merge of two state trees: JSONL by lines, JSON objects key by key."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

from ..record import FrozenRecord, set_field

# Keys whose (ISO 8601) string value says which side of a conflict is newer.
_CLOCK_KEYS = ("updated_at", "last_run")
_MISSING: Any = object()


class StateMerge(FrozenRecord):
    """The merged files (path -> content; a path left out is deleted) and the conflicts
    decided by a rule rather than by the data (``path:/json/pointer``), for the log."""

    __slots__ = ("conflicts", "files")

    files: dict[str, bytes]
    conflicts: tuple[str, ...]

    def __init__(self, files: dict[str, bytes], conflicts: tuple[str, ...]) -> None:
        set_field(self, "files", files)
        set_field(self, "conflicts", conflicts)


def dump_json(value: Any) -> bytes:
    """The one way state JSON files are written: stable, readable diffs in the ref's log."""
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def merge_state(
    base: Mapping[str, bytes], ours: Mapping[str, bytes], theirs: Mapping[str, bytes]
) -> StateMerge:
    """Merge two state trees (path -> content) against their common ancestor's.

    Per file: a side that did not change it gives way to the one that did; deleted on
    one side and changed on the other keeps the change; both changed: ``*.jsonl`` by
    lines, ``*.json`` objects key by key; anything else keeps ours (a conflict).
    """
    files: dict[str, bytes] = {}
    conflicts: list[str] = []
    for path in sorted({*base, *ours, *theirs}):
        b, o, t = base.get(path), ours.get(path), theirs.get(path)
        merged: bytes | None
        if o == t or t == b:
            merged = o
        elif o == b:
            merged = t
        elif o is None or t is None:
            merged = o if t is None else t  # deleted on one side, changed on the other
        elif path.endswith(".jsonl"):
            merged = merge_lines(b or b"", o, t)
        elif path.endswith(".json"):
            merged = _merge_json_file(path, b, o, t, conflicts)
        else:
            merged = o
            conflicts.append(f"{path}:")
        if merged is not None:
            files[path] = merged
    return StateMerge(files, tuple(conflicts))


def _split(data: bytes) -> list[str]:
    text = data.decode("utf-8", errors="surrogateescape")
    return [line for line in text.splitlines() if line.strip()]


def merge_lines(base: bytes, ours: bytes, theirs: bytes) -> bytes:
    """JSONL: the base's lines (less those a side removed), then ours' new lines, then
    theirs' new lines ours does not have. Appends from both sides all survive, once."""
    b, o, t = _split(base), _split(ours), _split(theirs)
    # A line a side removed stays removed (a drained outbox must not come back).
    removed = (Counter(b) - Counter(o)) | (Counter(b) - Counter(t))
    kept: list[str] = []
    for line in b:
        if removed[line] > 0:
            removed[line] -= 1
        else:
            kept.append(line)
    ours_new = _added(b, o)
    have = Counter(ours_new)
    theirs_new: list[str] = []
    for line in _added(b, t):
        if have[line] > 0:
            have[line] -= 1
        else:
            theirs_new.append(line)
    out = "".join(f"{line}\n" for line in [*kept, *ours_new, *theirs_new])
    return out.encode("utf-8", errors="surrogateescape")


def _added(base: list[str], side: list[str]) -> list[str]:
    """The lines of ``side`` beyond what ``base`` has (as a multiset), in side's order."""
    budget = Counter(base)
    added: list[str] = []
    for line in side:
        if budget[line] > 0:
            budget[line] -= 1
        else:
            added.append(line)
    return added


def _merge_json_file(
    path: str, base: bytes | None, ours: bytes, theirs: bytes, conflicts: list[str]
) -> bytes:
    try:
        b = json.loads(base) if base is not None else _MISSING
        o, t = json.loads(ours), json.loads(theirs)
    except ValueError:
        conflicts.append(f"{path}: (not valid JSON, kept ours)")
        return ours
    found: list[str] = []
    merged = _merge_value(b, o, t, "", {}, {}, found)
    conflicts.extend(f"{path}:{pointer}" for pointer in found)
    return dump_json(merged)


def _newer_is_theirs(ours_parent: Mapping[str, Any], theirs_parent: Mapping[str, Any]) -> bool:
    """Theirs wins a scalar conflict when its object's clock is the later one."""
    for key in _CLOCK_KEYS:
        o, t = ours_parent.get(key), theirs_parent.get(key)
        if isinstance(o, str) and isinstance(t, str) and o != t:
            return t > o
        if isinstance(t, str) and not isinstance(o, str):
            return True
        if isinstance(o, str):
            return False
    return False


def _merge_value(
    b: Any,
    o: Any,
    t: Any,
    pointer: str,
    ours_parent: Mapping[str, Any],
    theirs_parent: Mapping[str, Any],
    conflicts: list[str],
) -> Any:
    """Three-way merge of one JSON value; ``_MISSING`` for a key a side does not have."""
    if o == t or t == b:
        return o
    if o == b:
        return t
    if o is _MISSING or t is _MISSING:
        return t if o is _MISSING else o  # deleted on one side, changed on the other
    if isinstance(o, dict) and isinstance(t, dict):
        base = b if isinstance(b, dict) else {}
        merged: dict[str, Any] = {}
        for key in [*o, *(k for k in t if k not in o)]:
            value = _merge_value(
                base.get(key, _MISSING),
                o.get(key, _MISSING),
                t.get(key, _MISSING),
                f"{pointer}/{_escape(key)}",
                o,
                t,
                conflicts,
            )
            if value is not _MISSING:
                merged[key] = value
        return merged
    conflicts.append(pointer)  # "" is the whole document (RFC 6901)
    return t if _newer_is_theirs(ours_parent, theirs_parent) else o


def _escape(key: str) -> str:
    """A JSON pointer token (RFC 6901)."""
    return key.replace("~", "~0").replace("/", "~1")
