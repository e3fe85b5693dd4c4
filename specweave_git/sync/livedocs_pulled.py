"""Statuses a tracker pull recorded in metadata.json, shown by the living docs over derived ones.

``sync --pull`` cannot write a pulled status into a story (or feature) file the living
docs sync generates: that sync re-derives ``status:`` from the increments every run. So
the pull records it in each of the item's increments' metadata.json, under
``externalLinks.<platform>.userStories.<US-001>`` (a feature: ``...feature``) as
``{status, specStatus, statusPulledAt}`` (``sync.pull_write``). Here the living docs sync
reads them back: while an item's derived status (normalised to a tracker status) still
equals a record's ``specStatus`` the spec side has not moved since that pull, and the
pulled ``status`` is shown (the latest ``statusPulledAt`` of any platform wins, as in
``pull_write.with_pulled_status``); once the derived status moves on, it wins again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..record import FrozenRecord, set_field
from .items import STATUSES, normalise_status

if TYPE_CHECKING:
    from .livedocs_plan import FeatureDoc, StoryDoc
    from .livedocs_read import Increment

FEATURE = ""  # Pulled.item of a feature's record


class Pulled(FrozenRecord):
    """One status a pull recorded: ``item`` is a story id, or ``FEATURE`` for the feature."""

    __slots__ = ("item", "platform", "pulled_at", "spec_status", "status")

    platform: str
    item: str
    status: str
    spec_status: str
    pulled_at: str

    def __init__(
        self, platform: str, item: str, status: str, spec_status: str, pulled_at: str
    ) -> None:
        set_field(self, "platform", platform)
        set_field(self, "item", item)
        set_field(self, "status", status)
        set_field(self, "spec_status", spec_status)
        set_field(self, "pulled_at", pulled_at)


def _record(platform: str, item: str, value: Any) -> Pulled | None:
    if not isinstance(value, Mapping):
        return None
    status, spec, when = (value.get(k) for k in ("status", "specStatus", "statusPulledAt"))
    # Anything else is the tracker sync's business (ids, a half-written record): not ours
    # to reject, and nothing to show.
    if status not in STATUSES or not isinstance(spec, str):
        return None
    return Pulled(platform, item, str(status), spec, when if isinstance(when, str) else "")


def read_pulled(meta: Mapping[str, Any]) -> tuple[Pulled, ...]:
    """The pulled statuses a metadata.json records, ordered by platform and item."""
    links = meta.get("externalLinks")
    if not isinstance(links, Mapping):
        return ()
    out: list[Pulled] = []
    for platform in sorted(k for k in links if isinstance(k, str)):
        node = links[platform]
        if not isinstance(node, Mapping):
            continue
        if (rec := _record(platform, FEATURE, node.get("feature"))) is not None:
            out.append(rec)
        stories = node.get("userStories")
        if isinstance(stories, Mapping):
            for sid in sorted(k for k in stories if isinstance(k, str)):
                if (rec := _record(platform, sid, stories[sid])) is not None:
                    out.append(rec)
    return tuple(out)


def shown_status(derived: str, records: Iterable[Pulled]) -> str:
    """``derived``, or the pulled status of the latest record whose ``specStatus`` is
    ``derived`` (normalised): the spec side has not moved since that pull."""
    spec = normalise_status(derived)
    latest: dict[str, Pulled] = {}
    for rec in records:
        # An item's record is written to each of its increments; one platform's latest
        # pull stands for that platform.
        have = latest.get(rec.platform)
        if have is None or (rec.pulled_at, rec.status) > (have.pulled_at, have.status):
            latest[rec.platform] = rec
    found = [(r.pulled_at, r.status) for r in latest.values() if r.spec_status == spec]
    return max(found)[1] if found else derived


def _records(increments: Sequence[Increment], item: str) -> list[Pulled]:
    return [r for inc in increments for r in inc.pulled if r.item == item]


def apply_pulled(features: Iterable[FeatureDoc]) -> list[FeatureDoc]:
    """``features`` with every story's and feature's status as the living docs show it."""
    out = []
    for feature in features:
        stories: list[StoryDoc] = []
        for story in feature.stories:
            shown = shown_status(story.status, _records(story.increments, story.id))
            stories.append(story if shown == story.status else story.replace(status=shown))
        status = shown_status(feature.status, _records(feature.increments, FEATURE))
        out.append(feature.replace(status=status, stories=tuple(stories)))
    return out


def spec_statuses(repo_root: Path) -> dict[str, str]:
    """The status the increments give each generated item, normalised to a tracker
    status, by sync item key (``FS-001``, ``FS-001/US-001``): what a pull records as
    ``specStatus``. Bad increments raise ``UsageError`` (as the living docs sync does)."""
    from .livedocs_plan import build_features
    from .livedocs_read import load_increments

    increments, _ = load_increments(Path(repo_root), {}, dates=False)
    out: dict[str, str] = {}
    for feature in build_features(increments):
        if (status := normalise_status(feature.status)) is not None:
            out[feature.id] = status
        for story in feature.stories:
            if (status := normalise_status(story.status)) is not None:
                out[f"{feature.id}/{story.id}"] = status
    return out
