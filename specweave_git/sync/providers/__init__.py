"""What the engine needs of a tracker: the ``Provider`` protocol and how to build one.

A provider renders items, lists the tracker's state cheaply and writes through the gate
(it only ever holds a ``GatedClient``), and reads a status back (``remote_status``, for
pull). JIRA and Azure DevOps plug in here with no change to the engine: a module with a
``build(config, gate, *, token, base_url, http_options)`` function and an entry in
``PROVIDERS``.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ...config.model import Config
    from ...net.secret import Secret
    from ..gate import Gate
    from ..items import Item
    from ..plan import Remote, Rendering

# platform -> module under specweave_git.sync.providers
PROVIDERS: Mapping[str, str] = {
    "github": "github",
    "jira": "jira",
    "ado": "ado",
}


@dataclass
class RemoteState:
    """What one listing found. ``fresh``: id -> item fetched this run; ``by_key``: marker
    key -> those items (several for one key are duplicates); ``cursor``: what to store for
    the next listing; ``complete``: a full listing (not only what changed since the last);
    ``denied``: the gate's reason when reading was not allowed (nothing is then known)."""

    fresh: dict[str, Remote] = field(default_factory=dict)
    by_key: dict[str, list[Remote]] = field(default_factory=dict)
    cursor: dict[str, Any] = field(default_factory=dict)
    complete: bool = False
    denied: str | None = None
    requests: int = 0

    def add(self, remote: Remote) -> None:
        old = self.fresh.get(remote.id)
        self.fresh[remote.id] = remote
        if remote.key is not None:
            same = self.by_key.setdefault(remote.key, [])
            if old is not None and old in same:
                same.remove(old)
            same.append(remote)
            same.sort(key=lambda r: _number(r.id))


def _number(ident: str) -> tuple[int, str]:
    return (int(ident), "") if ident.isdigit() else (1 << 62, ident)


def canonical(remotes: list[Remote]) -> Remote | None:
    """The one of several items with the same marker that every run keeps: the oldest
    (lowest id). Two runs that raced both pick it, so they converge on one item."""
    return min(remotes, key=lambda r: _number(r.id)) if remotes else None


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What became of one write: ``result`` success | denied | dry-run; on success the
    tracker's item as it answered and the rendering as sent (parts it could not carry,
    a milestone that does not exist yet, are left out of ``sent``)."""

    result: str
    reason: str = ""
    remote: Remote | None = None
    sent: Rendering | None = None

    @property
    def ok(self) -> bool:
        return self.result == "success"


class Provider(Protocol):
    platform: str
    target: str  # "owner/repo", "PROJECT": a snapshot of another target is not reused

    def render(self, item: Item) -> Rendering: ...

    def fetch_all_state(self, cursor: Mapping[str, Any]) -> RemoteState:
        """The tracker's items, as cheaply as the cursor allows (a few conditional requests
        when nothing changed)."""
        ...

    def known_id(self, item: Item) -> str | None:
        """The tracker id the spec files already record for ``item``, if any."""
        ...

    def external_ids(self, item: Item, remote: Remote) -> dict[str, str | int]:
        """What to record in the spec files (``{"issue": 13, "url": ...}``)."""
        ...

    def find_existing(self, item: Item, state: RemoteState, known: str | None) -> Remote | None:
        """The item's tracker item: by ``known`` id (snapshot, frontmatter) if it is there
        and not another item's, else by marker among the listed items."""
        ...

    def recheck(self, state: RemoteState) -> int:
        """Look again for items created since the listing (by a concurrent run), adding
        them to ``state``; returns the number of requests made."""
        ...

    def create(self, item: Item, rendering: Rendering) -> WriteResult: ...

    def update(self, item: Item, remote: Remote, rendering: Rendering) -> WriteResult: ...

    def set_status(self, item: Item, remote: Remote, rendering: Rendering) -> WriteResult: ...

    def close_duplicate(self, item: Item, duplicate: Remote, keep: Remote) -> WriteResult: ...

    def remote_status(self, remote: Remote) -> str | None:
        """The SpecWeave status (one of ``items.STATUSES``) the tracker's item shows, read
        back through ``statusSync.mappings.<platform>`` for ``sync --pull``; None when it
        cannot tell (``remote.rendering`` None: not fetched this run, or a state the map
        does not know). Optional: a provider without it is skipped by pull, with a
        warning (see ``sync.pull``)."""
        ...

    def request_count(self) -> int:
        """HTTP requests sent so far (retries included)."""
        ...

    def close(self) -> None: ...


def build_provider(
    platform: str,
    config: Config,
    gate: Gate,
    *,
    token: Secret | None = None,
    base_url: str | None = None,
    http_options: Mapping[str, Any] | None = None,
) -> Provider:
    """The provider for ``platform``; UsageError when it is not configured."""
    from ...errors import UsageError

    module_name = PROVIDERS.get(platform)
    if module_name is None:
        raise UsageError(
            f"no sync provider for {platform!r} yet (available: {', '.join(PROVIDERS)})",
            pointer=f"/sync/{platform}",
        )
    module = importlib.import_module(f"{__name__}.{module_name}")
    provider: Provider = module.build(
        config, gate, token=token, base_url=base_url, http_options=dict(http_options or {})
    )
    return provider
