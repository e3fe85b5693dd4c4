"""SpecWeave -> JIRA mapping, as pure functions: summaries, ADF descriptions, labels, statuses.

Feature -> Epic ``FS-001: Title``; user story -> Story ``[FS-001][US-001] Title`` whose
``parent`` is its feature's Epic, with acceptance criteria and tasks as ADF task lists
(checkboxes) in the description; labels ``specweave`` and ``priority-p1``; status -> the
JIRA status named by ``sync.statusSync.mappings.jira`` (reached by a transition).

The marker: ADF has no hidden comments, so the description ends with a visible paragraph
``specweave:FS-001/US-001`` (in code style). Runs find their issues by listing the
``specweave`` label with JQL (exact, unlike ``text ~``, which JIRA tokenises and matches
fuzzily) and read the key from the marker, else from the summary's ``[FS-001][US-001]``.

Compared parts are plain text, not raw ADF: JIRA may add attributes (``localId``) or
normalise nodes, which must not read as an edit.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..external import EXTERNAL_CONTENT, external_rendering
from ..external import summary as progress_summary
from ..items import Check, Item
from ..plan import Remote, Rendering

LABEL = "specweave"
PRIORITY_PREFIX = "priority-"
DUPLICATE_LABEL = "specweave-duplicate"
EPIC = "Epic"
STORY = "Story"
MARKER = "specweave:{key}"
_MARKER = re.compile(r"specweave:([A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)?)")
_STORY_TITLE = re.compile(r"^\[([^\]]+)\]\[(US-\d+E?)\]")
_FEATURE_TITLE = re.compile(r"^(FS-\d+E?)\s*:")
SUMMARY_MAX = 255

# SpecWeave's defaults (config schema) when the config maps a status to nothing.
DEFAULT_STATUSES = {
    "planning": "To Do",
    "active": "In Progress",
    "paused": "On Hold",
    "completed": "Done",
    "abandoned": "Cancelled",
}
# A status the mapping does not name, read back by its category.
CATEGORY_STATUS = {"new": "planning", "indeterminate": "active", "done": "completed"}
# An issue SpecWeave did not create (no ``specweave`` label) gets comments only: its
# content part is this constant at the tracker, so only a change of the spec comments.
EXTERNAL = dict(EXTERNAL_CONTENT)
FIELDS = ("summary", "description", "labels", "status", "parent", "issuetype", "updated")

JSON = dict[str, Any]


class StatusMap:
    """``statusSync.mappings.jira``: SpecWeave status -> JIRA status name."""

    def __init__(self, table: Mapping[str, str]) -> None:
        self.table = {**DEFAULT_STATUSES, **table}

    @classmethod
    def from_config(cls, mappings: Mapping[str, Any]) -> StatusMap:
        return cls({status: str(target.state) for status, target in mappings.items()})

    def target(self, status: str) -> str:
        return self.table.get(status, DEFAULT_STATUSES["planning"])

    def reverse(self, name: str, category: str = "") -> str | None:
        """The SpecWeave status a JIRA status stands for: the first mapped to that name
        (in SpecWeave's order of statuses), else by the status category."""
        wanted = state(name)
        for status in DEFAULT_STATUSES:
            if state(self.table[status]) == wanted:
                return status
        return CATEGORY_STATUS.get(category)


def state(name: str) -> str:
    """The compared form of a JIRA status name (JIRA's names are case-blind)."""
    return " ".join(name.split()).casefold()


# -- ADF --------------------------------------------------------------------------------


def text(value: str, *marks: str) -> JSON:
    node: JSON = {"type": "text", "text": value}
    if marks:
        node["marks"] = [{"type": m} for m in marks]
    return node


def paragraph(*nodes: JSON) -> JSON:
    return {"type": "paragraph", "content": [n for n in nodes if n.get("text") != ""]}


def heading(value: str, level: int = 2) -> JSON:
    return {"type": "heading", "attrs": {"level": level}, "content": [text(value)]}


def task_list(local_id: str, checks: Iterable[Check]) -> JSON | None:
    items = [
        {
            "type": "taskItem",
            "attrs": {"localId": f"{local_id}-{c.id}", "state": "DONE" if c.done else "TODO"},
            "content": [text(f"{c.id}: {c.text}".rstrip())],
        }
        for c in checks
    ]
    return {"type": "taskList", "attrs": {"localId": local_id}, "content": items} if items else None


def doc(*blocks: JSON | None) -> JSON:
    return {"type": "doc", "version": 1, "content": [b for b in blocks if b is not None]}


def adf_text(node: Any) -> str:
    """The plain text of an ADF document: a line per block, ``[x]``/``[ ]`` per task.
    A plain string (JIRA v2, a human's wiki text) is returned as it is."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("\r\n", "\n").strip()
    lines: list[str] = []
    _blocks(node, lines)
    return "\n".join(lines).strip()


def _inline(node: Any) -> str:
    if not isinstance(node, dict):
        return ""
    if node.get("type") == "text":
        return str(node.get("text") or "")
    if node.get("type") == "hardBreak":
        return "\n"
    if node.get("type") in ("mention", "emoji", "inlineCard"):
        attrs = node.get("attrs") or {}
        return str(attrs.get("text") or attrs.get("shortName") or attrs.get("url") or "")
    return "".join(_inline(c) for c in node.get("content") or [])


def _blocks(node: Any, lines: list[str]) -> None:
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    children = node.get("content") or []
    if kind in ("paragraph", "heading"):
        prefix = "#" * int((node.get("attrs") or {}).get("level", 0)) if kind == "heading" else ""
        lines.append((prefix + " " if prefix else "") + "".join(_inline(c) for c in children))
    elif kind == "taskItem":
        done = (node.get("attrs") or {}).get("state") == "DONE"
        lines.append(f"[{'x' if done else ' '}] " + "".join(_inline(c) for c in children))
    elif kind == "rule":
        lines.append("---")
    elif kind == "text":
        lines.append(_inline(node))
    else:  # doc, lists, panels, quotes: their blocks in order
        for child in children:
            _blocks(child, lines)


def marker_key(description: Any) -> str | None:
    m = _MARKER.search(adf_text(description))
    return m.group(1) if m else None


# -- our rendering ----------------------------------------------------------------------


def story_summary(item: Item) -> str:
    return f"[{item.feature}][{item.id}] {item.title}".rstrip()[:SUMMARY_MAX]


def epic_summary(item: Item) -> str:
    title = f"{item.id}: {item.title}" if item.title and item.title != item.id else item.id
    return title[:SUMMARY_MAX]


def _source(item: Item) -> str | None:
    if item.path:
        return item.path
    return f".specweave/increments/{item.increments[0]}/spec.md" if item.increments else None


def _footer(item: Item) -> list[JSON | None]:
    source = _source(item)
    where = (
        [text("Synced by specweave-git from "), text(source, "code")]
        if source
        else [text("Synced by specweave-git")]
    )
    return [
        {"type": "rule"},
        paragraph(*where, text(": edit the spec, not this issue.")),
        paragraph(text(MARKER.format(key=item.key), "code")),
    ]


def _checks(item: Item) -> list[JSON | None]:
    local = item.key.replace("/", "-")
    criteria = task_list(f"{local}-ac", item.criteria)
    tasks = task_list(f"{local}-tasks", item.tasks)
    return [
        heading("Acceptance Criteria"),
        criteria or paragraph(text("No acceptance criteria.", "em")),
        heading("Tasks"),
        tasks or paragraph(text("No tasks yet.", "em")),
    ]


def story_doc(item: Item) -> JSON:
    facts = [text("Feature", "strong"), text(f": {item.feature}")]
    if item.priority:
        facts += [text(" · "), text("Priority", "strong"), text(f": {item.priority}")]
    narrative = [paragraph(text(line.replace("**", ""))) for line in item.narrative]
    return doc(paragraph(*facts), *narrative, *_checks(item), *_footer(item))


def epic_doc(item: Item) -> JSON:
    return doc(paragraph(text(f"SpecWeave feature {item.id}")), *_footer(item))


def progress_doc(item: Item, status: str) -> JSON:
    """The comment an externally created item gets instead of edits: its status and which
    acceptance criteria are done (``sync.external``)."""
    lead = "SpecWeave progress"
    line = progress_summary(item, f"JIRA: {status}")
    head = paragraph(text(lead, "strong"), text(line.removeprefix(lead)))
    criteria = task_list(f"{item.key.replace('/', '-')}-ac", item.criteria)
    return doc(head, criteria, paragraph(text(MARKER.format(key=item.key), "code")))


def labels_for(item: Item) -> list[str]:
    labels = {LABEL}
    if item.priority:
        labels.add(PRIORITY_PREFIX + item.priority.lower())
    return sorted(labels)


def is_content_label(name: str) -> bool:
    n = name.lower()
    return n == LABEL or n.startswith(PRIORITY_PREFIX)


def render(item: Item, statuses: StatusMap, *, external: bool = False) -> Rendering:
    """The item as JIRA should show it: ``content`` (summary, description text, labels,
    parent) and ``status`` (the status name, compared case-blind). A story's parent is
    its feature's key here; the provider replaces it with the kept Epic's
    ``parent_ref`` once that Epic is known."""
    status = {"state": state(statuses.target(item.status))}
    if external:
        # Keyed on progress only: a reworded criterion or title comments nothing.
        return external_rendering(item, status)
    if item.kind == "feature":
        content: JSON = {
            "summary": epic_summary(item),
            "description": adf_text(epic_doc(item)),
            "labels": labels_for(item),
        }
        return Rendering(content, status)
    content = {
        "summary": story_summary(item),
        "description": adf_text(story_doc(item)),
        "labels": labels_for(item),
        "parent": item.feature if item.feature.startswith("FS-") else None,
    }
    return Rendering(content, status)


# -- the tracker's side -----------------------------------------------------------------


def parse_time(value: Any) -> dt.datetime | None:
    """A JIRA timestamp (``2026-01-17T12:34:00.000+0000``, or RFC 3339) as aware UTC."""
    s = str(value or "").strip()
    if not s:
        return None
    s = re.sub(r"Z$", "+00:00", s)
    s = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", s)
    try:
        stamp = dt.datetime.fromisoformat(s)
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.timezone.utc)
    return stamp.astimezone(dt.timezone.utc)


def utc(value: Any) -> str:
    """A JIRA timestamp as ``YYYY-MM-DDTHH:MM:SSZ`` (sortable; "" when unreadable)."""
    stamp = parse_time(value)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ") if stamp else ""


def jql_time(since_utc: str, zone: str | None, margin_minutes: int = 1) -> str:
    """``since_utc`` as a JQL date, ``yyyy-MM-dd HH:mm`` in the user's time zone (JQL
    reads dates there), rounded down and ``margin_minutes`` earlier: JQL has minute
    precision, so what changed in the cursor's own minute is listed again, not missed."""
    stamp = parse_time(since_utc) or dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    stamp -= dt.timedelta(minutes=margin_minutes)
    if zone:
        try:
            from zoneinfo import ZoneInfo

            stamp = stamp.astimezone(ZoneInfo(zone))
        except (ValueError, KeyError, OSError):
            pass  # an unknown zone name: UTC, with the margin
    return stamp.strftime("%Y-%m-%d %H:%M")


def _field(issue: Mapping[str, Any], name: str) -> Any:
    fields = issue.get("fields")
    return fields.get(name) if isinstance(fields, dict) else None


def _name(value: Any) -> str:
    return str(value.get("name") or "") if isinstance(value, dict) else ""


def issue_kind(issue: Mapping[str, Any]) -> str:
    return "feature" if _name(_field(issue, "issuetype")).casefold() == EPIC.casefold() else "story"


def issue_key(issue: Mapping[str, Any]) -> str | None:
    """The SpecWeave key of an issue: its marker, else its summary's pattern."""
    key = marker_key(_field(issue, "description"))
    if key is not None:
        return key
    summary = str(_field(issue, "summary") or "")
    m = _STORY_TITLE.match(summary)
    if m:
        return f"{m.group(1)}/{m.group(2)}"
    m = _FEATURE_TITLE.match(summary)
    return m.group(1) if m and issue_kind(issue) == "feature" else None


def labels_of(issue: Mapping[str, Any]) -> list[str]:
    return [str(n) for n in _field(issue, "labels") or []]


def browse_url(base_url: str, key: str) -> str:
    return f"{base_url.rstrip('/')}/browse/{key}"


def remote_issue(issue: Mapping[str, Any], base_url: str) -> Remote:
    """An issue as the plan sees it: its managed fields rendered like ours (a story's
    parent as ``#`` + the parent's issue key, see ``parent_ref``)."""
    labels = labels_of(issue)
    ours = any(n.lower() == LABEL for n in labels)
    kind = issue_kind(issue)
    status = {"state": state(_name(_field(issue, "status")))}
    content: JSON
    if not ours:
        content = dict(EXTERNAL)
    else:
        content = {
            "summary": str(_field(issue, "summary") or ""),
            "description": adf_text(_field(issue, "description")),
            "labels": sorted({n.lower() for n in labels if is_content_label(n)}),
        }
        if kind == "story":
            content["parent"] = _parent_ref(_field(issue, "parent"))
    key = str(issue.get("key") or "")
    category = (_field(issue, "status") or {}).get("statusCategory") or {}
    data: JSON = {
        "key": key,
        "labels": labels,
        "kind": kind,
        "ours": ours,
        "category": str(category.get("key") or "") if isinstance(category, dict) else "",
        "status": _name(_field(issue, "status")),
    }
    if isinstance(issue.get("transitions"), list):
        data["transitions"] = issue["transitions"]
    return Remote(
        id=str(issue["id"]),
        url=browse_url(base_url, key),
        key=issue_key(issue),
        updated_at=utc(_field(issue, "updated")),
        rendering=Rendering(content, status),
        data=data,
    )


def parent_ref(key: str) -> str:
    """A story's parent as both sides render it once its Epic is known: ``#PROJ-7``. The
    Epic's key, not the feature's, so a story under the wrong one of two Epics of a
    feature (one closed as a duplicate) differs from our rendering and is moved."""
    return f"#{key}"


def _parent_ref(parent: Any) -> str | None:
    if not isinstance(parent, dict) or not parent.get("key"):
        return None
    return parent_ref(str(parent["key"]))
