"""SpecWeave -> Azure DevOps mapping, as pure functions: fields, tags, states, markers.

Feature -> a ``Feature`` work item ``FS-001: Title``; user story -> a ``User Story``
``[FS-001][US-001] Title`` whose parent (``System.LinkTypes.Hierarchy-Reverse``) is the
feature, its acceptance criteria in ``Microsoft.VSTS.Common.AcceptanceCriteria`` and its
tasks in the HTML description. Both carry the tag ``specweave`` (how WIQL finds them) and
start the description with a hidden marker ``<!-- specweave:KEY -->``.

States. The kept operations cannot read a work item type's states, so the states come
from what is known instead: the built-in processes' tables below (Agile, Scrum, Basic),
the process a work item's own type names (``User Story`` is Agile, ``Product Backlog
Item`` Scrum, ``Issue`` Basic) and ``statusSync.mappings.ado``. A status is compared by
its state *category* (ADO's own grouping: Proposed, In Progress, Resolved, Completed,
Removed), so ``Closed`` (Agile) and ``Done`` (Scrum) are the same desired state; when the
configured state is not one of the type's, the type's first state of the same category
is sent. A state no table knows (a custom process) is sent as configured; if ADO refuses
it the provider reports the states it knows for that type.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..external import summary
from ..items import STATUSES, Check, Item
from ..plan import Remote, Rendering
from .common import (
    feature_key_of_title,
    feature_title,
    marker_key,
    plain_text,
    story_key_of_title,
    story_title,
)

MARKER = "<!-- specweave:{key} -->"
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")

TAG = "specweave"
STORY_TAG = "user-story"
FEATURE_TAG = "feature"
PRIORITY_PREFIX = "priority:"
DUPLICATE_TAG = "specweave-duplicate"
CONTENT_TAGS = frozenset({TAG, STORY_TAG, FEATURE_TAG})

PARENT = "System.LinkTypes.Hierarchy-Reverse"
TITLE = "System.Title"
DESCRIPTION = "System.Description"
CRITERIA = "Microsoft.VSTS.Common.AcceptanceCriteria"
TAGS = "System.Tags"
STATE = "System.State"
TYPE = "System.WorkItemType"
CHANGED = "System.ChangedDate"

PROPOSED, IN_PROGRESS, RESOLVED, COMPLETED, REMOVED = (
    "Proposed",
    "In Progress",
    "Resolved",
    "Completed",
    "Removed",
)

# process -> (feature type, story type)
PROCESS_TYPES: Mapping[str, tuple[str, str]] = {
    "Agile": ("Feature", "User Story"),
    "Scrum": ("Feature", "Product Backlog Item"),
    "Basic": ("Epic", "Issue"),
}
STORY_TYPES = tuple(types[1] for types in PROCESS_TYPES.values())
FEATURE_TYPES = ("Feature", "Epic")

_AGILE_STATES = (
    ("New", PROPOSED),
    ("Active", IN_PROGRESS),
    ("Resolved", RESOLVED),
    ("Closed", COMPLETED),
    ("Removed", REMOVED),
)
_BASIC_STATES = (("To Do", PROPOSED), ("Doing", IN_PROGRESS), ("Done", COMPLETED))
# (process, type) -> its states in workflow order, with their category.
STATES: Mapping[tuple[str, str], tuple[tuple[str, str], ...]] = {
    ("Agile", "Feature"): _AGILE_STATES,
    ("Agile", "User Story"): _AGILE_STATES,
    ("Scrum", "Feature"): (
        ("New", PROPOSED),
        ("In Progress", IN_PROGRESS),
        ("Done", COMPLETED),
        ("Removed", REMOVED),
    ),
    ("Scrum", "Product Backlog Item"): (
        ("New", PROPOSED),
        ("Approved", PROPOSED),
        ("Committed", IN_PROGRESS),
        ("Done", COMPLETED),
        ("Removed", REMOVED),
    ),
    ("Basic", "Epic"): _BASIC_STATES,
    ("Basic", "Issue"): _BASIC_STATES,
}
CATEGORY: Mapping[str, str] = {name: cat for states in STATES.values() for name, cat in states}

# SpecWeave's defaults (config schema), for a status the config does not map.
DEFAULT_STATES = {
    "planning": "New",
    "active": "Active",
    "paused": "On Hold",
    "completed": "Closed",
    "abandoned": "Removed",
}

JSON = dict[str, Any]


def process_of(work_item_type: str, state: str | None = None) -> str | None:
    """The built-in process a type (and, for a shared type, a state) belongs to."""
    for process, (feature, story) in PROCESS_TYPES.items():
        if work_item_type == story or (work_item_type == feature == "Epic"):
            return process
    if work_item_type == "Feature" and state is not None:
        if state == "In Progress" or state == "Done":
            return "Scrum"
        if state in ("Active", "Resolved", "Closed"):
            return "Agile"
    return None


def states_of(process: str | None, work_item_type: str) -> tuple[str, ...]:
    return tuple(name for name, _ in STATES.get((process or "", work_item_type), ()))


def category(state: str) -> str:
    """What a state means across processes (``Closed`` and ``Done`` are Completed); a
    state no table knows stands for itself."""
    return CATEGORY.get(state, state)


def send_state(configured: str, process: str | None, work_item_type: str) -> str:
    """The state to send for the configured one: itself when the type has it, else the
    type's first state of the same category, else itself (ADO decides)."""
    table = STATES.get((process or "", work_item_type))
    if not table or any(name == configured for name, _ in table):
        return configured
    wanted = category(configured)
    return next((name for name, cat in table if cat == wanted), configured)


class StatusMap:
    """``statusSync.mappings.ado``: status -> (configured state, tags)."""

    def __init__(self, table: Mapping[str, tuple[str, tuple[str, ...]]]) -> None:
        self.table = dict(table)
        self.tags = frozenset(t.lower() for _, extra in table.values() for t in extra)

    @classmethod
    def from_config(cls, mappings: Mapping[str, Any]) -> StatusMap:
        table = {
            status: (str(target.state), tuple(target.tags)) for status, target in mappings.items()
        }
        return cls(table)

    def configured(self, status: str) -> str:
        state, _ = self.table.get(status, (DEFAULT_STATES.get(status, "New"), ()))
        return state

    def target(self, status: str) -> tuple[str, tuple[str, ...]]:
        """(category of the configured state, sorted status tags)."""
        state, extra = self.table.get(status, (DEFAULT_STATES.get(status, "New"), ()))
        return category(state), tuple(sorted({e.lower() for e in extra}))

    def is_status_tag(self, name: str) -> bool:
        return name.lower() in self.tags

    def reverse(self, state: str, tags: Iterable[str]) -> str | None:
        """The status a work item in ``state`` (a category, as rendered) with status
        ``tags`` shows (``sync --pull``): among the statuses mapped to that category, the
        one whose tags are all present (most tags first), else the first mapped to the bare
        state. None when no status maps to it (``Resolved`` with the default map)."""
        have = {t.lower() for t in tags}
        pool = [s for s in STATUSES if self.target(s)[0] == state]
        tagged = sorted(
            ((len(self.target(s)[1]), -i, s) for i, s in enumerate(pool) if self.target(s)[1]),
            reverse=True,
        )
        for _, _, status in tagged:
            if set(self.target(status)[1]) <= have:
                return status
        plain = [s for s in pool if not self.target(s)[1]]
        return plain[0] if plain else None


def is_content_tag(name: str) -> bool:
    n = name.lower()
    return n in CONTENT_TAGS or n.startswith(PRIORITY_PREFIX)


def split_tags(value: Any) -> list[str]:
    """``"a; b"`` -> ``["a", "b"]`` (ADO's one-string tag field)."""
    return [t.strip() for t in str(value or "").split(";") if t.strip()]


def join_tags(tags: Iterable[str]) -> str:
    seen: dict[str, str] = {}
    for t in tags:
        seen.setdefault(t.lower(), t)  # ADO's tags are case-blind
    return "; ".join(seen.values())


def _inline(text: str) -> str:
    """Escaped HTML with the Markdown SpecWeave files use most: **bold**, `code`."""
    out = html.escape(text, quote=False)
    out = _BOLD.sub(r"<b>\1</b>", out)
    return _CODE.sub(r"<code>\1</code>", out)


def checklist(checks: Iterable[Check]) -> str:
    rows = [
        f"<li>[{'x' if c.done else ' '}] <b>{html.escape(c.id)}</b>: {_inline(c.text)}</li>"
        for c in checks
    ]
    return f"<ul>{''.join(rows)}</ul>" if rows else ""


def _source(item: Item) -> str:
    source = item.path or (
        f".specweave/increments/{item.increments[0]}/spec.md" if item.increments else None
    )
    where = f" from <code>{html.escape(source)}</code>" if source else ""
    return f"<p><sub>Synced by specweave-git{where}: edit the spec, not this work item.</sub></p>"


def story_description(item: Item) -> str:
    parts = [MARKER.format(key=item.key)]
    facts = [f"<b>Feature</b>: {html.escape(item.feature)}"]
    if item.priority:
        facts.append(f"<b>Priority</b>: {html.escape(item.priority)}")
    parts.append(f"<p>{' · '.join(facts)}</p>")
    lines = [line for line in item.narrative if line.strip()]
    if lines:
        parts.append("<p>" + "<br>".join(_inline(line) for line in lines) + "</p>")
    parts.append("<h3>Tasks</h3>")
    parts.append(checklist(item.tasks) or "<p><i>No tasks yet.</i></p>")
    parts.append(_source(item))
    return "\n".join(parts)


def progress_comment(item: Item, state: str) -> str:
    """The comment (HTML) an external item's work item gets instead of edits."""
    lead = "SpecWeave progress"
    line = summary(item, f"Azure DevOps: {state}")
    head = f"<p><b>{lead}</b>{html.escape(line.removeprefix(lead), quote=False)}</p>"
    return head + checklist(item.criteria)


def story_criteria(item: Item) -> str:
    return checklist(item.criteria) or "<p><i>No acceptance criteria.</i></p>"


def feature_description(item: Item) -> str:
    return f"{MARKER.format(key=item.key)}\n<p>SpecWeave feature {html.escape(item.id)}</p>\n" + (
        _source(item) if item.path else ""
    )


def content_tags(item: Item) -> list[str]:
    tags = {TAG, FEATURE_TAG if item.kind == "feature" else STORY_TAG}
    if item.priority and item.kind != "feature":
        tags.add(PRIORITY_PREFIX + item.priority.lower())
    return sorted(tags)


def render(item: Item, statuses: StatusMap) -> Rendering:
    """The item as Azure DevOps should show it. A story's parent is its feature's key
    here; the provider replaces it with the kept work item's ``parent_ref`` once known."""
    state, status_tags = statuses.target(item.status)
    status = {"state": state, "tags": list(status_tags)}
    if item.kind == "feature":
        content: JSON = {
            "title": feature_title(item),
            "description": feature_description(item),
            "tags": content_tags(item),
        }
        return Rendering(content, status)
    content = {
        "title": story_title(item),
        "description": story_description(item),
        "criteria": story_criteria(item),
        "tags": content_tags(item),
        "parent": item.feature if item.feature.startswith("FS-") else None,
    }
    return Rendering(content, status)


def item_key(fields: Mapping[str, Any]) -> str | None:
    key = marker_key(fields.get(DESCRIPTION))
    if key is not None:
        return key
    title = str(fields.get(TITLE) or "")
    return story_key_of_title(title) or feature_key_of_title(title)


def id_from_url(url: str) -> int | None:
    tail = url.rstrip("/").rpartition("/")[2]
    return int(tail) if tail.isdigit() else None


def parent_of(work_item: Mapping[str, Any]) -> tuple[int | None, int | None]:
    """(parent id, index of the parent relation) from ``relations``."""
    for index, rel in enumerate(work_item.get("relations") or []):
        if isinstance(rel, dict) and rel.get("rel") == PARENT:
            return id_from_url(str(rel.get("url") or "")), index
    return None, None


def parent_ref(ident: int) -> str:
    """A story's parent as both sides render it once its feature's work item is known:
    ``#12``. The work item's id, not the feature's key, so a story under the wrong one of
    two work items of a feature (one closed as a duplicate) differs and is moved."""
    return f"#{ident}"


def remote_item(work_item: Mapping[str, Any], statuses: StatusMap, web_url: str) -> Remote:
    """A work item as the plan sees it: its managed fields rendered like ours (a story's
    parent as ``parent_ref``)."""
    fields = work_item.get("fields") or {}
    wtype = str(fields.get(TYPE) or "")
    key = item_key(fields)
    is_feature = "/" not in key if key else wtype in FEATURE_TYPES
    tags = split_tags(fields.get(TAGS))
    state = str(fields.get(STATE) or "")
    content: JSON = {
        "title": plain_text(fields.get(TITLE)),
        "description": plain_text(fields.get(DESCRIPTION)),
        "tags": sorted({t.lower() for t in tags if is_content_tag(t)}),
    }
    parent, index = parent_of(work_item)
    if not is_feature:
        content["criteria"] = plain_text(fields.get(CRITERIA))
        content["parent"] = parent_ref(parent) if parent is not None else None
    status = {
        "state": category(state),
        "tags": sorted({t.lower() for t in tags if statuses.is_status_tag(t)}),
    }
    links = work_item.get("_links") or {}
    html_link = links.get("html") if isinstance(links, dict) else None
    url = str(html_link.get("href") or "") if isinstance(html_link, dict) else ""
    return Remote(
        id=str(work_item["id"]),
        url=url or web_url,
        key=key,
        updated_at=str(fields.get(CHANGED) or ""),
        rendering=Rendering(content, status),
        data={
            "id": int(work_item["id"]),
            "rev": int(work_item.get("rev") or 0),
            "type": wtype,
            "state": state,
            "tags": tags,
            "parent": parent,
            "parent_index": index,
            "kind": "feature" if is_feature else "story",
        },
    )
