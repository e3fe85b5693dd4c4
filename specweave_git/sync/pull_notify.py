"""Conflict notifications: an item changed in the spec and at the tracker since the last
sync, recorded once (``notifications list`` shows it) however many runs find it again."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import GitError
from .plan import CONFLICT, PARTS, digest

if TYPE_CHECKING:
    from ..config.model import Config
    from ..gitio.repo import Repo
    from .items import Item
    from .plan import Action, Entry, Remote, Rendering, Snapshot

Conflict = tuple["Item", "Remote", "Rendering", "Action"]


def _values(
    item: Item,
    remote: Remote,
    rendering: Rendering,
    part: str,
    status_of: Callable[[Remote], str | None] | None,
) -> tuple[Any, Any]:
    """(spec's value, tracker's value) of ``part``, as a person reads them."""
    theirs = remote.rendering
    if part == "status":
        ext: Any = status_of(remote) if status_of is not None else None
        if ext is None and theirs is not None:
            ext = dict(theirs.status)
        return item.status, ext
    title = rendering.content.get("title")
    return title, theirs.content.get("title") if theirs is not None else None


def conflict_key(
    platform: str, item_key: str, rendering: Rendering, remote: Remote, entry: Entry | None
) -> str:
    """Who conflicts with what: the item and both sides' values (their hashes; the
    tracker's as the snapshot last saw them when this run did not fetch the item). The
    same conflict found again has the same key; a new value on either side is a new one."""
    theirs = [remote.hash(p, entry) or "" for p in PARTS]
    return digest([platform, item_key, [rendering.hash(p) for p in PARTS], theirs])


def notify_conflicts(
    repo: Repo,
    config: Config,
    platform: str,
    conflicts: Sequence[Conflict],
    snapshot: Snapshot,
    status_of: Callable[[Remote], str | None] | None = None,
) -> tuple[int, list[str]]:
    """Record a ``conflict`` notification per conflict not notified before; (how many
    were recorded, warnings)."""
    from ..notify.model import Notification
    from ..notify.store import add_notification, load, notify_config_allows

    if not conflicts or not notify_config_allows(config, "conflict"):
        return 0, []
    try:
        known = {
            str(n.data.get("conflict_key"))
            for n in load(repo).notifications.values()
            if n.type == "conflict"
        }
    except GitError as e:
        return 0, [f"conflicts not notified: {e}"]
    added = 0
    for item, remote, rendering, action in conflicts:
        key = conflict_key(platform, item.key, rendering, remote, snapshot.items.get(item.key))
        if key in known:
            continue
        parts = [
            p for p, v in zip(PARTS, (action.content, action.status), strict=True) if v == CONFLICT
        ]
        spec: dict[str, Any] = {}
        external: dict[str, Any] = {}
        for part in parts:
            spec[part], external[part] = _values(item, remote, rendering, part, status_of)
        said = "; ".join(f"{p}: spec {spec[p]!r}, {platform} {external[p]!r}" for p in parts)
        n = Notification.new(
            "conflict",
            "warning",
            f"{item.key} changed in the spec and in {platform}",
            f"{said}. Nothing was overwritten: change one side to match the other, or set "
            "sync.statusSync.conflictResolution (status only).",
            data={
                "platform": platform,
                "item": item.key,
                "id": item.id,
                "url": remote.url,
                "tracker_id": remote.id,
                "parts": parts,
                "spec": spec,
                "external": external,
                "conflict_key": key,
            },
        )
        try:
            add_notification(repo, n)
        except GitError as e:
            return added, [f"conflicts not notified (a commit is needed for the note): {e}"]
        known.add(key)
        added += 1
    return added, []
