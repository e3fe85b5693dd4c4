"""Desired tracker state read from the specs: features and user stories as sync items.

Living docs are the source (SpecWeave syncs trackers FROM living docs, not increments):
a ``FEATURE.md`` with frontmatter ``id: FS-001`` is a feature, a story file with ``id:
US-001`` and ``feature: FS-001`` (or an ``FS-001`` folder) is a user story. A story only an
increment's ``spec.md`` knows (living docs not generated yet) is taken from there, with the
increment's status. User story ids repeat across features, so a story's key is
``FS-001/US-001``; the increment named instead when a story has no feature.

An id with the ``E`` suffix (``FS-012E``, ``US-004E``) names an item created outside
SpecWeave (imported from a tracker): it is read like any other, and ``sync.external``
says what the engine may do with it. SpecWeave's importer names the tracker it came from
in the frontmatter (``external_source: jira``): that is the item's ``origin``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..model import Warning_

STATUSES = ("planning", "active", "paused", "completed", "abandoned")
LIVING_DOCS = ".specweave/docs/internal/specs"
INCREMENTS = ".specweave/increments"

_FEATURE_ID = re.compile(r"^FS-\d+E?$")
_STORY_ID = re.compile(r"^US-\d+E?$")
_FS_SEGMENT = re.compile(r"^(FS-\d+E?)(?:[-_].*)?$")
_PRIORITY_SUFFIX = re.compile(r"\s*\((P\d)\)\s*$")
_PRIORITY = re.compile(r"^P\d$")
_NARRATIVE = re.compile(r"^\*\*(As an?|I want|So that)\*\*\s*:?\s*(.+)$", re.I | re.M)

# SpecWeave writes statuses in several spellings; trackers get one of STATUSES.
_STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "planning": (
        "planning", "planned", "not-started", "not started", "pending", "todo", "to do",
        "draft", "backlog", "proposed", "open", "new", "ready",
    ),
    "active": (
        "active", "in-progress", "in progress", "in_progress", "implementing", "started",
        "review", "in-review", "in review", "partial",
    ),
    "paused": ("paused", "on-hold", "on hold", "on_hold", "blocked", "waiting"),
    "completed": (
        "completed", "complete", "done", "closed", "finished", "implemented", "shipped",
        "resolved",
    ),
    "abandoned": (
        "abandoned", "cancelled", "canceled", "wontfix", "won't fix", "obsolete", "removed",
        "rejected", "superseded",
    ),
}  # fmt: skip
_STATUS_OF = {word: status for status, words in _STATUS_WORDS.items() for word in words}


@dataclass(frozen=True, slots=True)
class Check:
    """One checkbox of a tracker item's body: an acceptance criterion or a task."""

    id: str
    text: str
    done: bool


@dataclass(frozen=True, slots=True)
class Item:
    """A feature or a user story as a tracker should show it.

    ``path`` is the file whose frontmatter receives the tracker ids (None when the story
    lives only in an increment's spec.md); ``increments`` name the increments whose
    metadata.json records them too. ``external`` holds the ids the files already carry,
    flattened (``github.issue`` -> ``"13"``); ``meta_external`` the same ids as the
    increments' metadata.json record them (missing when one of them lacks them).
    """

    kind: str  # feature | story
    key: str  # FS-001 | FS-001/US-001
    id: str  # FS-001 | US-001
    feature: str  # FS-001 (the increment's name when a story has no feature)
    title: str
    status: str  # one of STATUSES
    priority: str | None = None
    narrative: tuple[str, ...] = ()
    criteria: tuple[Check, ...] = ()
    tasks: tuple[Check, ...] = ()
    path: str | None = None
    increments: tuple[str, ...] = ()
    external: Mapping[str, str] = field(default_factory=dict)
    # The ids every one of ``increments``' metadata.json records for this item.
    meta_external: Mapping[str, str] = field(default_factory=dict)
    # The tracker an external (E suffix) item came from, when its file says so.
    origin: str | None = None


@dataclass
class Desired:
    """Every item to sync, features before their stories, and what could not be read."""

    items: list[Item] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)

    def by_key(self) -> dict[str, Item]:
        return {i.key: i for i in self.items}


def normalise_status(value: str | None) -> str | None:
    """``In progress`` -> ``active``; None for a word SpecWeave does not use."""
    if value is None:
        return None
    v = value.strip().lower().lstrip("✅🔄⏳ ").strip()
    return _STATUS_OF.get(v) or _STATUS_OF.get(v.split()[0] if v.split() else "")


def split_priority(title: str) -> tuple[str, str | None]:
    """``Create users (P1)`` -> (``Create users``, ``P1``)."""
    m = _PRIORITY_SUFFIX.search(title)
    return (title[: m.start()].strip(), m.group(1)) if m else (title.strip(), None)


def _priority(value: Any) -> str | None:
    text = str(value).strip().upper() if value is not None else ""
    return text if _PRIORITY.match(text) else None


def _origin(fm: Mapping[str, Any]) -> str | None:
    """``external_source: jira`` (SpecWeave's importer; ``externalSource`` in older files)."""
    value = fm.get("external_source") or fm.get("externalSource")
    name = str(value).strip().lower() if isinstance(value, str) else ""
    name = {"azure-devops": "ado", "azure devops": "ado", "azuredevops": "ado"}.get(name, name)
    return name if name in ("github", "jira", "ado") else None


def _feature_from_path(path: str) -> str | None:
    for part in reversed(path.split("/")[:-1]):
        m = _FS_SEGMENT.match(part)
        if m:
            return m.group(1)
    return None


def _narrative(text: str) -> tuple[str, ...]:
    return tuple(f"**{m.group(1)}** {m.group(2).strip()}" for m in _NARRATIVE.finditer(text))


def _read(root: Path, rel: str) -> str | None:
    try:
        return (root / rel).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _files(root: Path, base: str, pattern: str) -> list[str]:
    top = root / base
    if not top.is_dir():
        return []
    return sorted(p.relative_to(root).as_posix() for p in top.glob(pattern) if p.is_file())


@dataclass
class _Increment:
    name: str
    feature: str | None
    status: str | None
    stories: list[Any]  # specs.model.Story
    tasks: list[Any]  # specs.model.Task
    external: dict[str, str]  # metadata.json's tracker ids, flattened


def _increment(root: Path, name: str, warnings: list[Warning_]) -> _Increment | None:
    from ..specs.frontmatter import external_ids
    from ..specs.parse import parse_spec

    spec_rel = f"{INCREMENTS}/{name}/spec.md"
    text = _read(root, spec_rel)
    if text is None:
        return None
    spec = parse_spec(spec_rel, text)
    warnings.extend(spec.warnings)
    fm = spec.frontmatter
    feature = fm.get("epic") or fm.get("feature") or fm.get("feature_id")
    status = spec.status
    external: dict[str, str] = {}
    meta_text = _read(root, f"{INCREMENTS}/{name}/metadata.json")
    if meta_text is not None:
        try:
            meta = json.loads(meta_text)
        except json.JSONDecodeError:
            meta = None
        if isinstance(meta, dict):
            feature = meta.get("feature_id") or meta.get("epic_id") or feature
            status = meta.get("status") if isinstance(meta.get("status"), str) else status
            external = external_ids(meta)
    tasks: list[Any] = list(spec.tasks)
    tasks_text = _read(root, f"{INCREMENTS}/{name}/tasks.md")
    if tasks_text is not None:
        tasks.extend(parse_spec(f"{INCREMENTS}/{name}/tasks.md", tasks_text).tasks)
    fid = str(feature) if isinstance(feature, str) and _FEATURE_ID.match(feature) else None
    return _Increment(name, fid, status, list(spec.stories), tasks, external)


def _checks_of_tasks(tasks: Iterable[Any], story_id: str | None) -> tuple[Check, ...]:
    out: dict[str, Check] = {}
    for t in tasks:
        if story_id is None or story_id in t.user_stories:
            out.setdefault(t.id, Check(t.id, t.title, t.status == "done"))
    return tuple(out.values())


def _merge_checks(a: tuple[Check, ...], b: tuple[Check, ...]) -> tuple[Check, ...]:
    out = {c.id: c for c in a}
    for c in b:
        out[c.id] = c  # a later increment's status wins
    return tuple(out.values())


def _criteria(story: Any) -> tuple[Check, ...]:
    return tuple(Check(c.id, c.text, c.done) for c in story.acceptance)


def read_desired(root: Path) -> Desired:
    """Features and user stories of the repository at ``root`` (the working tree)."""
    from ..specs.parse import parse_spec

    out = Desired()
    features: dict[str, Item] = {}
    stories: dict[str, Item] = {}
    increments: dict[str, _Increment] = {}
    tasks_from_file: set[str] = set()
    seen_meta: set[str] = set()
    for name in sorted(p.name for p in (root / INCREMENTS).glob("*/") if p.is_dir()):
        if name.startswith("_"):
            continue  # _archive: history, not the living spec
        inc = _increment(root, name, out.warnings)
        if inc is not None:
            increments[name] = inc

    for rel in _files(root, LIVING_DOCS, "**/*.md"):
        text = _read(root, rel)
        if text is None:
            continue
        spec = parse_spec(rel, text)
        fm = spec.frontmatter
        fid = str(fm.get("id", ""))
        if _FEATURE_ID.match(fid):
            title, prio = split_priority(str(fm.get("title") or ""))
            features[fid] = Item(
                kind="feature",
                key=fid,
                id=fid,
                feature=fid,
                title=title or fid,
                status=normalise_status(spec.status) or "planning",
                priority=_priority(fm.get("priority")) or prio,
                path=rel,
                external=dict(spec.external),
                origin=_origin(fm),
            )
        elif _STORY_ID.match(fid):
            out.warnings.extend(spec.warnings)
            feature = str(fm.get("feature") or fm.get("epic") or _feature_from_path(rel) or "")
            if not _FEATURE_ID.match(feature):
                out.warnings.append(Warning_(rel, 1, f"{fid} names no feature (FS-NNN); skipped"))
                continue
            story = next((s for s in spec.stories if s.id == fid), None)
            title, prio = split_priority(
                str(fm.get("title") or (story.title if story is not None else "") or fid)
            )
            key = f"{feature}/{fid}"
            raw_status = story.status if story is not None else spec.status
            own_tasks = _checks_of_tasks(spec.tasks, None)
            if own_tasks:
                tasks_from_file.add(key)
            named = fm.get("increment") or fm.get("increments") or ()
            named = [named] if isinstance(named, str) else named
            stories[key] = Item(
                kind="story",
                key=key,
                id=fid,
                feature=feature,
                title=title,
                status=normalise_status(raw_status) or "planning",
                priority=_priority(fm.get("priority")) or prio,
                narrative=_narrative(text),
                criteria=_criteria(story) if story is not None else (),
                tasks=own_tasks,
                path=rel,
                increments=tuple(str(n) for n in named if isinstance(n, str)),
                external=dict(spec.external),
                origin=_origin(fm),
            )

    # Stories only an increment knows, and which increments record each story's ids.
    for inc in increments.values():
        feature = inc.feature or inc.name
        for s in inc.stories:
            key = f"{feature}/{s.id}"
            known = stories.get(key)
            if known is not None:
                tasks = known.tasks
                if key not in tasks_from_file:
                    # Living docs list tasks as a table (not checkboxes): the increments'
                    # tasks.md are the checklist.
                    tasks = _merge_checks(tasks, _checks_of_tasks(inc.tasks, s.id))
                mine = _story_ids(inc.external, s.id)
                ids = {**mine, **known.external}
                first = key not in seen_meta
                seen_meta.add(key)
                meta = mine if first else _common(known.meta_external, mine)
                names = tuple(dict.fromkeys((*known.increments, inc.name)))
                stories[key] = _replace(
                    known, increments=names, tasks=tasks, external=ids, meta_external=meta
                )
                continue
            title, prio = split_priority(s.title or s.id)
            stories[key] = Item(
                kind="story",
                key=key,
                id=s.id,
                feature=feature,
                title=title,
                status=normalise_status(s.status) or normalise_status(inc.status) or "planning",
                priority=prio,
                criteria=_criteria(s),
                tasks=_checks_of_tasks(inc.tasks, s.id),
                increments=(inc.name,),
                external=_story_ids(inc.external, s.id),
                meta_external=_story_ids(inc.external, s.id),
            )
        if inc.feature and inc.feature not in features:
            features[inc.feature] = Item(
                kind="feature",
                key=inc.feature,
                id=inc.feature,
                feature=inc.feature,
                title=inc.feature,
                status=normalise_status(inc.status) or "planning",
                increments=(inc.name,),
                meta_external=_feature_ids(inc.external),
            )
            seen_meta.add(inc.feature)
        elif inc.feature:
            f = features[inc.feature]
            mine = _feature_ids(inc.external)
            meta = _common(f.meta_external, mine) if inc.feature in seen_meta else mine
            seen_meta.add(inc.feature)
            features[inc.feature] = _replace(
                f, increments=(*f.increments, inc.name), meta_external=meta
            )

    for item in stories.values():
        if _FEATURE_ID.match(item.feature) and item.feature not in features:
            features[item.feature] = Item(
                kind="feature",
                key=item.feature,
                id=item.feature,
                feature=item.feature,
                title=item.feature,
                status="planning",
            )
    for fid in sorted(features):
        out.items.append(features[fid])
        out.items.extend(stories[k] for k in sorted(stories) if stories[k].feature == fid)
    out.items.extend(stories[k] for k in sorted(stories) if stories[k].feature not in features)
    return out


def _story_ids(external: Mapping[str, str], story_id: str) -> dict[str, str]:
    """A story's own ids among an increment's (``github.userStories.US-001.issue``)."""
    out: dict[str, str] = {}
    for k, v in external.items():
        parts = k.split(".")
        if len(parts) == 4 and parts[1] == "userStories" and parts[2] == story_id:
            out[f"{parts[0]}.{parts[3]}"] = v
    return out


def _feature_ids(external: Mapping[str, str]) -> dict[str, str]:
    """A feature's ids among an increment's (``github.feature.milestone``)."""
    out: dict[str, str] = {}
    for k, v in external.items():
        parts = k.split(".")
        if len(parts) == 3 and parts[1] == "feature":
            out[f"{parts[0]}.{parts[2]}"] = v
    return out


def _common(a: Mapping[str, str], b: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in a.items() if b.get(k) == v}


def _replace(item: Item, **changes: Any) -> Item:
    from dataclasses import replace

    return replace(item, **changes)
