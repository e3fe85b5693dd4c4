"""Streaming reads of the audit log: filters, sources (local files, the state ref), order."""

from __future__ import annotations

import heapq
import json
import re
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..record import FrozenRecord, set_field
from .files import daily_files, day_of
from .lines import forward_lines, reverse_lines

if TYPE_CHECKING:
    from ..gitio.repo import Repo

SOURCES = ("local", "state", "all")
STATE_NAME = re.compile(r"\Aaudit/(\d{4}-\d{2}-\d{2})(?:/[^/]+)?\.jsonl\Z")
# How many recent record hashes the merge remembers to drop the second copy of a record
# both sources hold. The copies carry the same ts, so they meet within a few records of
# each other; a bounded window keeps memory flat however long the log is.
DEDUP_WINDOW = 4096

Record = dict[str, Any]


class Filter(FrozenRecord):
    """What ``logs query/stats/export`` keep. ``since``/``until`` are ``ts`` strings
    (see logs.when.stamp): ``since <= ts < until``."""

    __slots__ = ("operation", "platform", "result", "since", "until")

    since: str | None
    until: str | None
    platform: str | None
    operation: str | None
    result: str | None  # a gate result, or "none" for a decision record without one

    def __init__(
        self,
        since: str | None = None,
        until: str | None = None,
        platform: str | None = None,
        operation: str | None = None,
        result: str | None = None,
    ) -> None:
        set_field(self, "since", since)
        set_field(self, "until", until)
        set_field(self, "platform", platform)
        set_field(self, "operation", operation)
        set_field(self, "result", result)

    def needles(self) -> tuple[bytes, ...]:
        """Bytes a matching record's line must contain: each wanted value as a JSON
        string. Any JSON spelling of the record has them verbatim (plain ASCII values are
        never escaped), so a line without one is skipped before it is parsed: the cost of
        a full scan is then mostly reading, not ``json.loads``."""
        found = []
        for value in (self.platform, self.operation, self.result):
            if value is None or value == "none":
                continue
            if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
                found.append(json.dumps(value).encode())
        return tuple(found)

    def matches(self, rec: Record) -> bool:
        ts = rec.get("ts")
        if self.since is not None and not (isinstance(ts, str) and ts >= self.since):
            return False
        if self.until is not None and not (isinstance(ts, str) and ts < self.until):
            return False
        if self.platform is not None and rec.get("platform") != self.platform:
            return False
        if self.operation is not None and rec.get("operation") != self.operation:
            return False
        if self.result is not None:
            result = rec.get("result")
            if (result if result is not None else "none") != self.result:
                return False
        return True

    def days(self) -> tuple[date | None, date | None]:
        """The first and last day a matching record can be in (None: unbounded)."""
        first = date.fromisoformat(self.since[:10]) if self.since else None
        # until is exclusive: a midnight excludes its own day.
        last = None
        if self.until:
            last = date.fromisoformat(self.until[:10])
            if self.until[10:].strip("T0:.Z") == "":
                last = date.fromordinal(last.toordinal() - 1)
        return first, last


class Source(FrozenRecord):
    """One file of records: a local daily file or a state-ref blob, read lazily."""

    __slots__ = ("day", "name", "read")

    name: str
    day: date | None
    read: Callable[[bool], Iterator[bytes]]  # lines, newest first when given True

    def __init__(self, name: str, day: date | None, read: Callable[[bool], Iterator[bytes]]):
        set_field(self, "name", name)
        set_field(self, "day", day)
        set_field(self, "read", read)


def local_sources(directory: Path) -> list[Source]:
    """The audit files of ``directory`` (``-N`` segments too), oldest first."""

    def reader(path: Path) -> Callable[[bool], Iterator[bytes]]:
        return lambda newest_first: reverse_lines(path) if newest_first else forward_lines(path)

    return [Source(str(p), day_of(p), reader(p)) for p in daily_files(directory, "audit")]


def state_sources(repo: Repo) -> list[Source]:
    """The state ref's audit days, oldest first: ``audit/YYYY-MM-DD/<run id>.jsonl`` (one
    chain per run and day) and the older flat ``audit/YYYY-MM-DD.jsonl``. A day's blobs
    are read only when its turn comes."""
    from ..gitio.state import STATE_REF, list_state_files, read_state_file

    def reader(names: list[str]) -> Callable[[bool], Iterator[bytes]]:
        def read(newest_first: bool) -> Iterator[bytes]:
            lines = [
                line
                for name in names
                for line in (read_state_file(repo, name) or b"").split(b"\n")
                if line.strip()
            ]
            # Runs of one day may overlap in time, each in its own file: put the day
            # (blobs of one day, in memory anyway) in time order. Stable, and linear
            # for a single run's file, which is in order already.
            lines.sort(key=raw_ts)
            return reversed(lines) if newest_first else iter(lines)

        return read

    days: dict[str, list[str]] = {}
    for name in list_state_files(repo, "audit/"):
        m = STATE_NAME.match(name)
        if m is not None:
            days.setdefault(m[1], []).append(name)
    return [
        Source(f"{STATE_REF}:audit/{day}", date.fromisoformat(day), reader(names))
        for day, names in sorted(days.items())
    ]


def raw_ts(line: bytes) -> bytes:
    """The ``ts`` value of a record line, without parsing it (b"" when there is none)."""
    start = line.find(b'"ts":"')
    if start < 0:
        start = line.find(b'"ts": "')
        if start < 0:
            return b""
        start += 1
    start += 6
    end = line.find(b'"', start)
    return line[start:end] if end > 0 else b""


def select_sources(sources: Sequence[Source], flt: Filter) -> list[Source]:
    """The sources whose day can hold a matching record (by the date in the name)."""
    first, last = flt.days()
    return [
        s
        for s in sources
        if s.day is None or ((first is None or s.day >= first) and (last is None or s.day <= last))
    ]


def _parse(raw: bytes) -> Record | None:
    try:
        rec = json.loads(raw)
    except ValueError:
        return None
    return rec if isinstance(rec, dict) else None


def _stream(sources: Sequence[Source], flt: Filter, newest_first: bool) -> Iterator[Record]:
    """Matching records of one origin's sources, in the order asked."""
    needles = flt.needles()
    ordered = list(reversed(sources)) if newest_first else list(sources)
    for source in ordered:
        for raw in source.read(newest_first):
            if needles and not all(n in raw for n in needles):
                continue
            rec = _parse(raw)
            if rec is not None and flt.matches(rec):
                yield rec


def _ts(rec: Record) -> str:
    ts = rec.get("ts")
    return ts if isinstance(ts, str) else ""


def _dedup(records: Iterator[Record], window: int = DEDUP_WINDOW) -> Iterator[Record]:
    seen: OrderedDict[str, None] = OrderedDict()
    for rec in records:
        digest = rec.get("hash")
        if isinstance(digest, str):
            if digest in seen:
                continue
            seen[digest] = None
            if len(seen) > window:
                seen.popitem(last=False)
        yield rec


def records(
    origins: Sequence[Sequence[Source]],
    flt: Filter,
    *,
    newest_first: bool = True,
    offset: int = 0,
    limit: int | None = None,
) -> Iterator[Record]:
    """The matching records of every origin (each a list of sources, oldest first),
    merged by ``ts``, a record both origins hold given once, then ``offset`` skipped
    and at most ``limit`` given. Streams: reads stop as soon as ``limit`` is reached."""
    streams = [_stream(select_sources(o, flt), flt, newest_first) for o in origins if o]
    merged: Iterator[Record]
    if len(streams) == 1:
        merged = streams[0]
    else:
        merged = _dedup(heapq.merge(*streams, key=_ts, reverse=newest_first))
    if limit is not None and limit <= 0:
        return
    skipped = given = 0
    for rec in merged:
        if skipped < offset:
            skipped += 1
            continue
        yield rec
        given += 1
        if limit is not None and given >= limit:
            return  # before reading another line (it may be in an older file)


def origins_of(repo: Repo | None, directory: Path, source: str) -> list[list[Source]]:
    """The sources ``--source local|state|all`` names; the state ref only with a repo."""
    found: list[list[Source]] = []
    if source in ("local", "all"):
        found.append(local_sources(directory))
    if source in ("state", "all") and repo is not None:
        found.append(state_sources(repo))
    return found
