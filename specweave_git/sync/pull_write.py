"""The spec side of a pull: when a spec file last changed, and writing a pulled status.

Where a pulled status goes depends on where the item's status comes from:

- a hand-written living-docs file (no increment names the item): its frontmatter
  ``status:`` (every other byte kept);
- an item generated from increments: the living docs sync re-derives its status from
  the increments every run (it owns that frontmatter key), so the status is recorded in
  each increment's metadata.json as ``externalLinks.<platform>.userStories.<US-001>``
  (a feature: ``...feature``) ``{status, specStatus, statusPulledAt}``, ``specStatus``
  being the status the increments gave it when it was pulled (``livedocs_pulled``). The
  living docs sync shows the pulled status in the file, and ``with_pulled_status`` lays
  it over the item, while the increments still give ``specStatus``; once they change,
  the specs' status is a change of the spec side again (and is pushed).

The increment's own ``status`` is never changed: an increment holds several stories, and
completing one in SpecWeave is a decision with quality gates.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from ..times import parse_iso
from .items import STATUSES
from .writeback import read_exact, set_metadata, write_if_changed

if TYPE_CHECKING:
    from ..gitio.repo import Repo
    from .items import Item

# Where ``with_pulled_status`` keeps the specs' own status of an item it changed.
SPEC_STATUS = "specweave.specStatus"
_FENCE = re.compile(r"^---[ \t]*\r?\n?$")
_END = re.compile(r"^(---|\.\.\.)[ \t]*\r?\n?$")
_STATUS = re.compile(r"^status[ \t]*:[^\r\n]*")


def parse_time(text: str) -> datetime | None:
    try:
        return parse_iso(text)
    except ValueError:
        return None


def spec_time(repo: Repo, rel: str) -> datetime | None:
    """When the spec file ``rel`` last changed: its last commit's committer time, or its
    modification time while it has uncommitted changes (or is not committed at all).
    A checkout resets modification times, so a committed file's time is its commit's."""
    status = repo.run("status", "--porcelain", "--", rel)
    dirty = status.returncode != 0 or bool(status.stdout.strip())
    if not dirty:
        log = repo.run("log", "-1", "--format=%cI", "--", rel)
        when = parse_time(log.stdout.decode().strip()) if log.returncode == 0 else None
        if when is not None:
            return when
    try:
        return datetime.fromtimestamp((repo.root / rel).stat().st_mtime, timezone.utc)
    except OSError:
        return None


def local_newer(repo: Repo, rel: str, remote_time: str) -> bool | None:
    """Whether the spec changed after the tracker's item did (``last-write-wins``); None
    when either time is unknown (the conflict is then reported)."""
    remote = parse_time(remote_time) if remote_time else None
    local = spec_time(repo, rel) if remote is not None else None
    if remote is None or local is None:
        return None
    return local > remote


def set_status(text: str, status: str) -> str | None:
    """``text`` with frontmatter ``status: <status>`` (the line replaced, or added after
    the opening fence); None without frontmatter (nothing safe to edit)."""
    lines = text.splitlines(keepends=True)
    if not lines or not _FENCE.match(lines[0]):
        return None
    end = next((i for i in range(1, len(lines)) if _END.match(lines[i])), None)
    if end is None:
        return None
    for i in range(1, end):
        m = _STATUS.match(lines[i])
        if m is not None:
            lines[i] = f"status: {status}" + lines[i][m.end() :]
            return "".join(lines)
    newline = "\r\n" if lines[0].endswith("\r\n") else "\n"
    lines.insert(end, f"status: {status}{newline}")
    return "".join(lines)


def write_status(
    repo: Repo,
    item: Item,
    platform: str,
    status: str,
    now: str,
    *,
    derived: Mapping[str, str] | None = None,
) -> tuple[list[str], list[str]]:
    """Write ``status`` to ``item``'s files; (files written, problems). ``derived``: the
    statuses the increments give (:func:`derived_statuses`, read here when not given;
    a run writing many items passes it once read), recorded as ``specStatus``."""
    written: list[str] = []
    problems: list[str] = []
    if item.path and not item.increments:
        path = repo.root / item.path
        text = read_exact(path)
        new = set_status(text, status) if text is not None else None
        if new is None:
            problems.append(f"{item.path}: no frontmatter to record the status in")
        elif write_if_changed(path, text or "", new):
            written.append(item.path)
    where = ("userStories", item.id) if item.kind == "story" else ("feature",)
    if item.increments:
        if derived is None:
            derived = derived_statuses(repo)
        spec = _spec_status(item, derived.get(item.key))
    else:
        spec = item.status
    for inc in item.increments:
        rel = f".specweave/increments/{inc}/metadata.json"
        text = read_exact(repo.root / rel)
        if text is None:
            continue
        pulled = {"status": status, "specStatus": spec, "statusPulledAt": now}
        new = set_metadata(text, platform, where, pulled)
        if new is None:
            problems.append(f"{rel}: not a JSON object; status not recorded")
        elif write_if_changed(repo.root / rel, text, new):
            written.append(rel)
    if not item.path and not item.increments:
        problems.append("no spec file to record the status in")
    return written, problems


def derived_statuses(repo: Repo) -> dict[str, str]:
    """The status the increments give each item by key (what the living docs sync compares
    with ``specStatus``); empty when the increments cannot be read."""
    from ..errors import UsageError
    from .livedocs_pulled import spec_statuses

    try:
        return spec_statuses(repo.root)
    except UsageError:
        return {}


def _spec_status(item: Item, derived: str | None) -> str:
    """The status the increments give ``item``, not the one its file shows: that may be
    an earlier pull's. When the increments cannot say, the status the specs showed before
    any pulled one was laid over."""
    return derived or item.meta_external.get(SPEC_STATUS, item.status)


def with_pulled_status(items: Iterable[Item], platforms: Iterable[str]) -> list[Item]:
    """``items`` with the status a pull recorded in metadata.json laid over those whose
    specs still show the status they showed then (the latest pull of any platform)."""
    platforms = tuple(platforms)
    out = []
    for item in items:
        found = []
        for p in platforms:
            meta = item.meta_external
            status, spec = meta.get(f"{p}.status"), meta.get(f"{p}.specStatus")
            if status in STATUSES and spec == item.status:
                found.append((meta.get(f"{p}.statusPulledAt") or "", str(status)))
        if found and item.increments:
            # The specs' own status is kept aside: a later pull records it as specStatus.
            meta = {**item.meta_external, SPEC_STATUS: item.status}
            item = dataclasses.replace(item, status=max(found)[1], meta_external=meta)
        out.append(item)
    return out
