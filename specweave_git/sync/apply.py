"""Apply a platform's plan: budget, intents, writes, write-back, snapshot, duplicates.

The engine (``engine.py``) owns the run; this module owns one platform's push pass over
its items (``prepare`` lists the tracker once; ``sync.pull`` reuses that listing before
``push``). Nothing here prints: progress goes to an optional callback.

An external item (``US-004E``, see ``sync.external``) is never created: where the tracker
has no item for it, it is reported ``skipped`` with the reason, before any request; where
it has one, the tracker's content is shown to the plan as not ours, and a content write
is the provider's progress comment (reported as the op ``comment``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..log import get_logger
from ..net.errors import NetError, NotFound, RateLimited
from . import external
from .plan import (
    CONFLICT,
    PARTS,
    WRITE,
    Action,
    Entry,
    Remote,
    Rendering,
    Snapshot,
    accepted,
    decide,
    written,
)
from .providers import RemoteState, WriteResult, canonical
from .report import ItemResult, PlatformReport

if TYPE_CHECKING:
    from ..gitio.repo import Repo
    from .engine import SyncOptions
    from .gate import Gate, Operation
    from .items import Item
    from .outbox import Outbox
    from .providers import Provider

log = get_logger(__name__)

_GATE_OP: dict[str, Operation] = {"update": "upsert-internal", "set_status": "update-status"}
_PARTS_OF = {"create": PARTS, "update": ("content",), "set_status": ("status",)}


def state_path(platform: str, name: str) -> str:
    return f"sync/{platform}/{name}"


def save_state(repo: Repo, platform: str, snapshot: Snapshot, outbox: Outbox, message: str) -> None:
    """Commit the snapshot and the outbox to the state ref, in one commit."""
    from ..gitio.state import update_state
    from ..gitio.state_merge import dump_json

    changes: dict[str, bytes | None] = {
        state_path(platform, "outbox.json"): dump_json(outbox.to_json()),
        state_path(platform, "snapshot.json"): dump_json(snapshot.to_json()),
    }
    update_state(repo, changes, message)


@dataclass
class _Plan:
    item: Item
    rendering: Rendering
    entry: Entry | None
    remote: Remote | None
    action: Action


class Applier:
    def __init__(
        self,
        repo: Repo,
        provider: Provider,
        gate: Gate,
        snapshot: Snapshot,
        outbox: Outbox,
        report: PlatformReport,
        options: SyncOptions,
        budget: int,
    ) -> None:
        self.repo = repo
        self.provider = provider
        self.platform = provider.platform
        self.gate = gate
        self.snapshot = snapshot
        self.outbox = outbox
        self.report = report
        self.options = options
        self.dry_run = options.dry_run
        self.left = budget
        self.stopped: str | None = None  # why writes stopped (a rate limit)
        self.state = RemoteState()
        self.dirty = False
        self.created = 0
        self.now: Callable[[], str] = lambda: ""
        self.done = 0
        self.total = 0
        self.status_rule = "last-write-wins"
        self.status_sync = True
        # (item, remote, rendering, action) of every conflict found, for notifications.
        self.conflicts: list[tuple[Item, Remote, Rendering, Action]] = []

    # -- the pass -----------------------------------------------------------------------

    def run(
        self, items: Sequence[Item], now: Callable[[], str], config_status: tuple[bool, str]
    ) -> None:
        """List the tracker, then push ``items``."""
        if self.prepare(items, now, config_status):
            self.push(items)

    def prepare(
        self, items: Sequence[Item], now: Callable[[], str], config_status: tuple[bool, str]
    ) -> bool:
        """List the tracker (once per run); False when that failed or was denied (every
        item is then reported denied)."""
        self.now = now
        self.status_sync, self.status_rule = config_status
        self.total = len(items)
        try:
            self.state = self.provider.fetch_all_state(self.snapshot.cursor)
        except NetError as e:
            self.report.error = f"listing the tracker failed: {e}"
            return False
        if self.state.denied is not None:
            for item in items:
                self.result(item, "denied", reason=self.state.denied)
            return False
        if self.snapshot.cursor != self.state.cursor:
            self.snapshot.cursor = self.state.cursor
            self.dirty = True
        self._index()
        return True

    def push(self, items: Sequence[Item]) -> None:
        self.done = 0
        self.total = len(items)
        chunk = max(1, self.options.chunk)
        for start in range(0, len(items), chunk):
            self._chunk(items[start : start + chunk])
        if not self.dry_run:
            self._dedupe({i.key: i for i in items})
        self.finish(f"sync {self.platform}: {self.report.writes} write(s)")

    def finish(self, message: str) -> None:
        """Commit what the pass changed (snapshot, outbox) and count the outbox."""
        self._save(message)
        self.report.outbox = self.outbox.counts()

    def _save(self, message: str, *, force: bool = False) -> None:
        if self.dry_run or not (self.dirty or force):
            return
        save_state(self.repo, self.platform, self.snapshot, self.outbox, message)
        self.dirty = False

    def _index(self) -> None:
        for key, remotes in self.state.by_key.items():
            keep = canonical(remotes)
            if keep is not None and self.snapshot.index.get(key) != keep.id:
                self.snapshot.index[key] = keep.id
                self.dirty = True

    def _chunk(self, items: Sequence[Item]) -> None:
        plans = [self._plan(item) for item in items]
        creates = [p for p in plans if p.action.kind == "create" and self._may_create(p.item)]
        if creates and not self.dry_run:
            # Durable before the first create: a run killed after GitHub accepted it but
            # before the id was written back leaves this trace (the marker finds the item).
            for p in creates:
                self.outbox.record(p.item.key, "intent", "create", self.now())
            self._save(f"sync {self.platform}: intent to create {len(creates)} item(s)", force=True)
            # Narrow the window of two concurrent runs: what did others create meanwhile?
            self.provider.recheck(self.state)
            self._index()
            plans = [self._plan(p.item) if p.action.kind == "create" else p for p in plans]
        for p in plans:
            self._apply(p)
        self._save(f"sync {self.platform}: {len(plans)} item(s)")

    def _may_create(self, item: Item) -> bool:
        if self.stopped or self.left <= 0 or external.is_external(item):
            return False
        return self.gate.decide("upsert-internal", self.platform, item.id).allowed

    # -- one item -----------------------------------------------------------------------

    def _plan(self, item: Item) -> _Plan:
        rendering = self.provider.render(item)
        entry = self.snapshot.items.get(item.key)
        remote = self.locate(item, entry)
        action = self.decide(item, rendering, remote, entry)
        if not self.status_sync and action.kind == "sync" and action.status == WRITE:
            action = dataclasses.replace(action, status="same")
        return _Plan(item, rendering, entry, remote, action)

    def decide(
        self, item: Item, rendering: Rendering, remote: Remote | None, entry: Entry | None
    ) -> Action:
        """``plan.decide`` with the config's rule; the spec's time (a git call) is looked
        up only for a status conflict that ``last-write-wins`` must settle."""
        action = decide(item.key, rendering, remote, entry, status_rule=self.status_rule)
        if action.status == CONFLICT and remote is not None and self._agrees(item, remote):
            # Both sides moved to the same status (the tracker's labels may differ): no
            # conflict; the spec's rendering is written, tidying the labels.
            return decide(item.key, rendering, remote, entry, status_rule="specweave-wins")
        if (
            action.status == CONFLICT
            and self.status_rule == "last-write-wins"
            and remote is not None
            and item.path
        ):
            from .pull_write import local_newer

            newer = local_newer(self.repo, item.path, remote.updated_at)
            action = decide(
                item.key,
                rendering,
                remote,
                entry,
                status_rule=self.status_rule,
                local_newer=newer,
            )
        return action

    def _agrees(self, item: Item, remote: Remote) -> bool:
        from .pull import status_reader

        reader = status_reader(self.provider)
        return reader is not None and remote.rendering is not None and reader(remote) == item.status

    def locate(self, item: Item, entry: Entry | None) -> Remote | None:
        """The tracker's item of ``item``: the snapshot's id, else by id or marker. An
        item in conflict that the listing did not show is read again (one request): a
        conflict is judged on the tracker's current state, not on the snapshot's. An
        external item's is shown with content that is not ours (``external.view``)."""
        remote = self._locate(item, entry)
        if remote is not None and external.is_external(item):
            return external.view(remote)
        return remote

    def _locate(self, item: Item, entry: Entry | None) -> Remote | None:
        if entry is not None:
            fresh = self.state.fresh.get(entry.id)
            if fresh is None and entry.conflict:
                got = self.provider.find_existing(item, self.state, entry.id)
                fresh = got if got is not None and got.id == entry.id else None
            if fresh is None:
                return Remote(entry.id, entry.url, item.key, entry.updated_at)  # as last synced
            if fresh.key in (None, item.key):
                return fresh
        known = self.provider.known_id(item) or self.snapshot.index.get(item.key)
        return self.provider.find_existing(item, self.state, known)

    def _apply(self, p: _Plan) -> None:
        item, action = p.item, p.action
        ext = external.is_external(item)
        if ext and action.kind == "create":
            if not self.dry_run and self.outbox.resolve(item.key):
                self.dirty = True
            self.result(item, "skipped", (), None, external.skip_reason(item, self.platform))
            return
        if not action.writes:
            self._no_write(p)
            return
        entry, remote = p.entry, p.remote
        done: list[str] = []
        denied: list[str] = []
        for op in action.writes:
            if self.stopped or self.left <= 0:
                why = self.stopped or "the run's operation budget is spent"
                if not self.dry_run:
                    self.outbox.record(item.key, "deferred", op, self.now())
                    self.dirty = True
                self.result(item, "deferred", action.writes, remote, why)
                return
            if op != "create" and remote is None:
                break  # a dry run's create: nothing to chain on
            try:
                res = self._call(op, item, remote, p.rendering)
            except NetError as e:
                self._failed(item, op, action.writes, remote, e)
                return
            if res.result == "denied":
                denied.append(f"{_shown(op, ext)} {res.reason}")
                if op == "create":
                    self.outbox.resolve(item.key)
                    break
                continue
            self.left -= 1
            if res.result == "dry-run":
                done.append(_shown(op, ext))
                if op == "create":
                    # Nothing to chain on: say what the gate would decide of the rest.
                    for later in action.writes[1:]:
                        d = self.gate.decide(_GATE_OP[later], self.platform, item.id)
                        if d.allowed:
                            done.append(later)
                        else:
                            denied.append(f"{later} {d.reason}")
                    break
                continue
            assert res.remote is not None and res.sent is not None
            self.report.writes += 1
            done.append(_shown(op, ext))
            remote = external.view(res.remote) if ext else res.remote
            self.state.add(remote)
            entry = written(remote, res.sent, entry, _PARTS_OF[op])
            self.snapshot.items[item.key] = entry
            self.snapshot.index[item.key] = remote.id
            self.dirty = True
            if op == "create":
                self.created += 1
            self._writeback(item, remote)  # at once: a run killed later keeps the id
        closes = "set_status" in done and p.rendering.status.get("state") == "closed"
        if self.dry_run:
            if done:
                why = "; ".join(["would " + ", ".join(done), *denied])
                self.result(item, "planned", tuple(done), remote, why, closes=closes)
            else:
                self.result(item, "denied", action.writes, remote, "; ".join(denied))
            return
        if not done:
            self.result(item, "denied", action.writes, remote, "; ".join(denied))
            return
        self.outbox.resolve(item.key)
        outcome = "created" if "create" in done else "updated"
        self.result(item, outcome, tuple(done), remote, "; ".join(denied), closes=closes)

    def _call(
        self, op: str, item: Item, remote: Remote | None, rendering: Rendering
    ) -> WriteResult:
        if op == "create":
            return self.provider.create(item, rendering)
        assert remote is not None
        if op == "update":
            return self.provider.update(item, remote, rendering)
        return self.provider.set_status(item, remote, rendering)

    def _failed(
        self, item: Item, op: str, ops: tuple[str, ...], remote: Remote | None, e: NetError
    ) -> None:
        self.left -= 1
        if isinstance(e, RateLimited):
            self.stopped = f"rate limited: {e}"
        if isinstance(e, NotFound) and remote is not None and op != "create":
            # The item is gone at the tracker: forget it, the next run finds or creates.
            self.snapshot.items.pop(item.key, None)
            self.snapshot.index.pop(item.key, None)
        self.outbox.record(item.key, "failed", op, self.now(), str(e))
        self.dirty = True
        self.result(item, "failed", ops, remote, str(e))

    def _no_write(self, p: _Plan) -> None:
        item, action, remote = p.item, p.action, p.remote
        if remote is None:  # cannot happen: no remote means create
            return
        entry = accepted(p.entry, remote, p.rendering, action)
        if entry != p.entry and not self.dry_run:
            self.snapshot.items[item.key] = entry
            self.dirty = True
        label = action.label
        if label == "conflict":
            self.conflicts.append((item, remote, p.rendering, action))
        outcome = "adopted" if p.entry is None and label == "unchanged" else label
        if label == "unchanged" and not self.dry_run and self.outbox.resolve(item.key):
            self.dirty = True
        if not self.dry_run:
            self._writeback(item, remote)
        self.result(item, outcome, (), remote, action.reason)

    # -- write-back, duplicates, results ------------------------------------------------

    def _writeback(self, item: Item, remote: Remote) -> None:
        from .writeback import read_exact, set_external, set_metadata, write_if_changed

        ids = self.provider.external_ids(item, remote)
        want = {f"{self.platform}.{k}": str(v) for k, v in ids.items()}
        if item.path and any(item.external.get(k) != v for k, v in want.items()):
            path = self.repo.root / item.path
            text = read_exact(path)
            if text is not None and write_if_changed(
                path, text, set_external(text, self.platform, ids)
            ):
                self.report.files_written.append(item.path)
        if item.increments and any(item.meta_external.get(k) != v for k, v in want.items()):
            where = ("userStories", item.id) if item.kind == "story" else ("feature",)
            for inc in item.increments:
                rel = f".specweave/increments/{inc}/metadata.json"
                text = read_exact(self.repo.root / rel)
                if text is None:
                    continue
                new = set_metadata(text, self.platform, where, ids)
                if write_if_changed(self.repo.root / rel, text, new):
                    self.report.files_written.append(rel)

    def _dedupe(self, items: dict[str, Item]) -> None:
        """Close every item but the oldest of one marker (two runs raced on a create)."""
        if self.created:
            self.provider.recheck(self.state)
        for key, remotes in sorted(self.state.by_key.items()):
            item = items.get(key)
            if len(remotes) < 2 or item is None:
                continue
            keep = canonical(remotes)
            assert keep is not None
            for dup in remotes:
                state = dup.rendering.status.get("state") if dup.rendering else None
                if dup is keep or state == "closed" or self.stopped or self.left <= 0:
                    continue
                try:
                    res = self.provider.close_duplicate(item, dup, keep)
                except NetError as e:
                    log.info("closing duplicate %s of %s failed: %s", dup.id, key, e)
                    continue
                if res.ok:
                    self.left -= 1
                    self.report.writes += 1
                    self.report.duplicates_closed += 1
            entry = self.snapshot.items.get(key)
            if entry is not None and entry.id != keep.id:
                # Ours was the duplicate: forget it; the next run adopts the kept one.
                del self.snapshot.items[key]
                self.snapshot.index[key] = keep.id
                self.dirty = True
                self._writeback(item, keep)

    def result(
        self,
        item: Item,
        outcome: str,
        ops: tuple[str, ...] = (),
        remote: Remote | None = None,
        reason: str = "",
        *,
        closes: bool = False,
    ) -> None:
        r = ItemResult(
            item.key,
            item.kind,
            outcome,
            ops,
            remote.id if remote else None,
            remote.url if remote else None,
            reason,
            closes,
        )
        self.report.items.append(r)
        self.done += 1
        if self.options.progress is not None:
            self.options.progress(f"{self.platform} {self.done}/{self.total} {item.key}: {outcome}")


def _shown(op: str, ext: bool) -> str:
    """The op as reports name it: an external item's content write is a comment."""
    return "comment" if ext and op == "update" else op
