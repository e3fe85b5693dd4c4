"""The sync engine: specs -> plan -> writes through the gate, idempotent and resumable.

One run, per platform: read the snapshot and the outbox from the state ref, list the
tracker (cheaply: see the provider), decide per item (``plan.decide``), then apply in
chunks. Before a chunk's creates the engine commits an ``intent`` per create to the
outbox and re-lists what changed at the tracker since (a concurrent run's creates); after
the chunk it commits the snapshot. Ids go back to the spec files as soon as an item is
created or found. At the end one more re-listing finds items two runs created for the
same story; every run keeps the oldest and closes the others as duplicates.

Direction (``SyncOptions.direction``): ``push`` (the default, SpecWeave's: specs ->
tracker), ``pull`` (tracker status -> specs, ``sync.pull``; no tracker write at all) or
``both`` (pull, then push, on one listing). Conflicts either direction finds are recorded
as ``conflict`` notifications, once each (``sync.pull_notify``).

What remains (documented honestly): no tracker has a conditional create, and the
re-listing runs once per chunk of ``CHUNK`` creates, not before each one. Two runs in two
clones started together therefore both create every item of their first chunk (measured:
every item, features included, in the two-clone race test on all three trackers). No
story is lost: the closing re-listing of each run, and every later run, keeps the oldest
item and closes the others as duplicates, so the tracker converges on one live item per
story. Two runs in one clone never race: they hold an exclusive lock for the whole run.
The scheduled workflow's ``concurrency:`` group keeps CI runs of one repository apart.
"""

from __future__ import annotations

import contextlib
import fcntl
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..config.model import PLATFORMS
from ..errors import UsageError
from ..log import get_logger
from ..times import now_utc
from .apply import Applier, state_path
from .items import Item, read_desired
from .outbox import Outbox
from .plan import Snapshot
from .pull_write import with_pulled_status
from .report import PlatformReport, SyncReport

if TYPE_CHECKING:
    from ..config.model import Config
    from ..context import Context
    from ..gitio.repo import Repo
    from ..net.secret import Secret
    from .gate import Gate
    from .providers import Provider

log = get_logger(__name__)

CHUNK = 20  # items per state commit (intents before, snapshot after)
LOCK_WAIT = 600.0  # seconds a run waits for another run in the same clone
DIRECTIONS = ("push", "pull", "both")


@dataclass
class SyncOptions:
    platforms: Sequence[str] = ("github",)
    dry_run: bool = False
    strict: bool = False
    budget: int | None = None  # None: sync.budget from the config
    # GitHub's token and API address (GHES), or the one platform's when only one is
    # synced; in a run over several trackers the others read their own variables, so a
    # GitHub token is never handed to JIRA or Azure DevOps.
    token: Secret | None = None
    base_url: str | None = None
    http_options: dict[str, Any] = field(default_factory=dict)
    progress: Callable[[str], None] | None = None
    living_docs: bool = True
    chunk: int = CHUNK
    direction: str = "push"  # push | pull | both (pull first, then push)


@contextlib.contextmanager
def run_lock(repo: Repo, wait: float = LOCK_WAIT) -> Iterator[None]:
    """One sync at a time per clone (``flock``: released by the kernel if we are killed)."""
    from ..gitio.repo import state_dir

    directory = state_dir(repo)
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "sync.lock").open("a+b") as fh:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise UsageError(
                        f"another sync has held the lock for {wait:.0f} s", file=str(fh.name)
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def run_sync(
    repo: Repo,
    config: Config,
    options: SyncOptions,
    *,
    context: Context | None = None,
    gate: Gate | None = None,
) -> SyncReport:
    """Sync the specs of ``repo`` with every platform of ``options``."""
    from ..context import detect
    from .audit import open_for_run
    from .gate import Gate

    if options.direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}")
    ctx = context or detect()
    report = SyncReport(dry_run=options.dry_run, context=ctx.name)
    with run_lock(repo):
        if options.living_docs:
            from .livedocs import sync_living_docs

            docs = sync_living_docs(repo.root, config, dry_run=options.dry_run)
            report.living_docs = {"created": list(docs.created), "updated": list(docs.updated)}
            report.warnings += [f"{w.path}:{w.line}: {w.message}" for w in docs.warnings]
        desired = read_desired(repo.root)
        report.warnings += [f"{w.path}:{w.line}: {w.message}" for w in desired.warnings]
        # Statuses an earlier pull recorded for items generated from increments.
        desired.items = with_pulled_status(desired.items, PLATFORMS)
        audit = None
        if gate is None:
            audit = open_for_run(repo, ctx)
            gate = Gate(config, ctx, audit, dry_run=options.dry_run, strict=options.strict)
        try:
            for platform in options.platforms:
                report.platforms.append(
                    sync_platform(repo, config, platform, desired.items, gate, options)
                )
        finally:
            if audit is not None and audit.to_state and not options.dry_run:
                audit.flush_to_state(repo)
    report.strict_failed = options.strict and (
        gate.strict_failed or any(p.summary()["conflict"] for p in report.platforms)
    )
    return report


def _order(items: Sequence[Item], outbox: Outbox) -> list[Item]:
    """Features first (stories need their milestone), the outbox's items first in each."""
    by_key = {i.key: i for i in items}
    keys = outbox.order(by_key)
    features = [by_key[k] for k in keys if by_key[k].kind == "feature"]
    return features + [by_key[k] for k in keys if by_key[k].kind != "feature"]


def sync_platform(
    repo: Repo,
    config: Config,
    platform: str,
    items: Sequence[Item],
    gate: Gate,
    options: SyncOptions,
) -> PlatformReport:
    from ..gitio.state import read_state_file
    from .providers import build_provider

    provider: Provider = build_provider(
        platform,
        config,
        gate,
        token=options.token if platform == "github" or len(options.platforms) == 1 else None,
        base_url=(
            options.base_url if platform == "github" or len(options.platforms) == 1 else None
        ),
        http_options=options.http_options,
    )
    budget = options.budget if options.budget is not None else config.sync.budget
    report = PlatformReport(platform, provider.target, budget=budget, direction=options.direction)
    try:
        raw = read_state_file(repo, state_path(platform, "snapshot.json"))
        snapshot = Snapshot.from_json(_json(raw), provider.target)
        outbox = Outbox.parse(read_state_file(repo, state_path(platform, "outbox.json")))
        applier = Applier(repo, provider, gate, snapshot, outbox, report, options, budget)
        status = config.sync.status_sync
        todo = _order(items, outbox)
        if applier.prepare(todo, now_utc, (status.enabled, status.conflict_resolution)):
            if options.direction in ("pull", "both"):
                from .pull import pull_pass

                todo = pull_pass(applier, todo, record_all=options.direction == "pull")
            if options.direction in ("push", "both"):
                applier.push(todo)
        if applier.conflicts and not options.dry_run:
            from .pull import status_reader
            from .pull_notify import notify_conflicts

            reader = status_reader(provider)
            _, problems = notify_conflicts(
                repo, config, platform, applier.conflicts, snapshot, reader
            )
            report.notes.extend(problems)
    finally:
        report.requests = provider.request_count()
        provider.close()
    return report


def _json(data: bytes | None) -> Any:
    import json

    if not data:
        return None
    try:
        return json.loads(data)
    except ValueError:
        return None
