"""Pull (`sync --pull`): a tracker's status back into the specs, three-way against the
snapshot of the last sync.

Per item, the status part of ``plan.decide`` says what to do (the same comparison as a
push, read the other way round):

=============================  ==========================================================
only the tracker changed       pulled: the spec takes the tracker's status
only the spec changed          nothing to pull (a push writes it)
both changed                   ``statusSync.conflictResolution``: ``external-wins`` pulls,
                               ``specweave-wins`` leaves it to the push,
                               ``last-write-wins`` pulls when the tracker's
                               ``updated_at`` is later than the spec file's last change,
                               ``prompt`` (or unknown times) is a conflict: nothing is
                               overwritten, a ``conflict`` notification is recorded
neither                        nothing
=============================  ==========================================================

The tracker's status is read by the provider's ``remote_status`` (the reverse of
``statusSync.mappings.<platform>``); a provider without it is skipped with a note.
Reading the tracker is gated as ``read``; writing the spec files goes through the gate as
a ``living-docs`` write (always allowed, but audited, and only planned in a dry run).
The snapshot records the tracker's state as seen, so the next pull is quiet; when the
spec's rendering of the pulled status differs from what the tracker shows (a human closed
an issue, its ``status:active`` label stayed), the next push tidies the labels. An item
whose status both sides changed to the same value is no conflict. Content (titles,
bodies) is never pulled: the spec is its source.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .gate import LIVING_DOCS
from .plan import CONFLICT, KEPT, WRITE, Entry, accepted

if TYPE_CHECKING:
    from .apply import Applier
    from .items import Item
    from .plan import Action, Remote, Rendering

StatusReader = Callable[["Remote"], "str | None"]


def status_reader(provider: Any) -> StatusReader | None:
    reader = getattr(provider, "remote_status", None)
    return reader if callable(reader) else None


def pull_pass(applier: Applier, items: Sequence[Item], *, record_all: bool) -> list[Item]:
    """Pull every item's status; returns the items as the specs now say (for a push that
    follows). ``record_all``: report every item (a pull-only run), else only pulls."""
    reader = status_reader(applier.provider)
    if reader is None:
        applier.report.notes.append(
            f"the {applier.platform} provider cannot read a status back "
            "(no remote_status): nothing pulled"
        )
        return list(items)
    if not applier.status_sync:
        applier.report.notes.append("sync.statusSync.enabled is false: no status is pulled")
        return list(items)
    puller = _Puller(applier, reader, record_all)
    out = [puller.item(item) for item in items]
    applier.finish(f"sync {applier.platform}: pulled {puller.pulled} status(es)")
    return out


class _Puller:
    def __init__(self, applier: Applier, reader: StatusReader, record_all: bool) -> None:
        self.a = applier
        self.reader = reader
        self.record_all = record_all
        self.pulled = 0
        # The status the increments give each item: the same for the whole run (a pull
        # writes only metadata's externalLinks), so read once, when first needed.
        self._derived: dict[str, str] | None = None

    def _note(self, item: Item, outcome: str, remote: Remote | None, reason: str) -> None:
        if self.record_all:
            self.a.result(item, outcome, (), remote, reason)

    def item(self, item: Item) -> Item:
        a = self.a
        rendering = a.provider.render(item)
        entry = a.snapshot.items.get(item.key)
        remote = a.locate(item, entry)
        if remote is None:
            self._note(item, "unchanged", None, "not at the tracker yet: a push creates it")
            return item
        if entry is None:
            self._note(item, "unchanged", remote, "never synced from here: a push adopts it")
            return item
        action = a.decide(item, rendering, remote, entry)
        if action.status == CONFLICT:
            a.conflicts.append((item, remote, rendering, action))
            self._record(item, entry, accepted(entry, remote, rendering, action))
            self._note(item, "conflict", remote, action.reason)
            return item
        if action.status != KEPT:
            self._record(item, entry, accepted(entry, remote, rendering, action))
            why = "changed in the spec only: a push writes it" if action.status == WRITE else ""
            self._note(item, "unchanged", remote, why)
            return item
        return self._pull(item, rendering, entry, remote, action)

    def _record(self, item: Item, entry: Entry, new: Entry) -> None:
        if new != entry and not self.a.dry_run:
            self.a.snapshot.items[item.key] = new
            self.a.dirty = True

    def _pull(
        self, item: Item, rendering: Rendering, entry: Entry, remote: Remote, action: Action
    ) -> Item:
        a = self.a
        status = self.reader(remote)
        base = accepted(entry, remote, rendering, action)
        if status is None or status == item.status:
            # Nothing the spec can take (a state the map does not know), or the spec says
            # the same already: the tracker's state is recorded as seen, and kept.
            self._record(item, entry, base)
            why = "" if status else "the tracker's status is not one the mapping knows: kept"
            self._note(item, "unchanged", remote, why)
            return item
        after = dataclasses.replace(item, status=status)
        now = a.now()
        outcome = a.gate.call(
            LIVING_DOCS,
            "update-status",
            item.id,
            lambda: self._write(item, status, now),
            name="pull_status",
        )
        change = f"status {item.status} -> {status} (from {a.platform})"
        if outcome.result == "dry-run":
            a.result(item, "planned", ("pull",), remote, f"would set {change}")
            return item
        written, problems = outcome.value or ([], [])
        a.report.files_written.extend(written)
        a.report.notes.extend(f"{item.key}: {p}" for p in problems)
        if not written:
            self._note(item, "unchanged", remote, "; ".join(problems))
            return item
        # The status part stays as last synced on our side: when the spec's rendering of
        # the pulled status differs from the tracker's (labels left behind by a human who
        # only closed the issue), the next push tidies them; when it is equal, nothing.
        left = [p for p in base.conflict.split(",") if p and p != "status"]
        self._record(item, entry, dataclasses.replace(base, conflict=",".join(left)))
        self.pulled += 1
        a.result(item, "pulled", ("pull",), remote, change)
        return after

    def _write(self, item: Item, status: str, now: str) -> tuple[list[str], list[str]]:
        from .pull_write import derived_statuses, write_status

        if self._derived is None and item.increments:
            self._derived = derived_statuses(self.a.repo)
        return write_status(self.a.repo, item, self.a.platform, status, now, derived=self._derived)
