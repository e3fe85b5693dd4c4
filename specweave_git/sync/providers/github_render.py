"""SpecWeave -> GitHub mapping, as pure functions: titles, bodies, labels, states, markers.

Feature -> milestone ``FS-001: Title``; user story -> issue ``[FS-001][US-001] Title`` with
its acceptance criteria and tasks as checkboxes, labels ``specweave``, ``user-story``,
``priority:p1``, ``status:<status>`` plus the labels of ``statusSync.mappings.github``;
status -> open/closed. Every body starts with a hidden marker, ``<!-- specweave:KEY -->``,
by which a run finds an item an earlier run created but could not record.
"""

from __future__ import annotations

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
# In a progress comment: names the item without looking like an issue's own marker.
PROGRESS_MARKER = "<!-- specweave-progress:{key} -->"

LABEL = "specweave"
STORY_LABEL = "user-story"
PRIORITY_PREFIX = "priority:"
STATUS_PREFIX = "status:"
CONTENT_LABELS = frozenset({LABEL, STORY_LABEL})

# What a status becomes when the config maps it to a bare state (SpecWeave's defaults).
CLOSED_STATES = frozenset({"closed"})
STATE_REASON = {"completed": "completed", "abandoned": "not_planned"}

JSON = dict[str, Any]


class StatusMap:
    """``statusSync.mappings.github``: status -> (state, extra labels), and every label the
    map can put on an issue (so a status change removes the old status's labels)."""

    def __init__(self, table: Mapping[str, tuple[str, tuple[str, ...]]]) -> None:
        self.table = dict(table)
        self.labels = frozenset(lbl.lower() for _, extra in table.values() for lbl in extra)

    @classmethod
    def from_config(cls, mappings: Mapping[str, Any]) -> StatusMap:
        table = {
            status: (str(target.state), tuple(target.labels)) for status, target in mappings.items()
        }
        return cls(table)

    def target(self, status: str) -> tuple[str, tuple[str, ...]]:
        state, extra = self.table.get(status, ("closed" if status == "completed" else "open", ()))
        state = "closed" if state.lower() in CLOSED_STATES else "open"
        return state, tuple(sorted({STATUS_PREFIX + status, *(e.lower() for e in extra)}))

    def is_status_label(self, name: str) -> bool:
        n = name.lower()
        return n.startswith(STATUS_PREFIX) or n in self.labels

    def reverse(self, state: str, labels: Iterable[str], reason: str | None = None) -> str | None:
        """The status an issue in ``state`` with status ``labels`` shows (``sync --pull``).

        The state decides first (a human closes or reopens; labels lag behind): only
        statuses mapped to that state are candidates. Among them a ``status:<s>`` label
        names one; else the status whose mapped labels are all present (most labels
        first); else the state reason (``not_planned`` -> abandoned, ``reopened`` ->
        active); else the candidate mapped to the bare state (open -> planning, closed
        -> completed). None when no status maps to ``state``.
        """
        have = {lbl.lower() for lbl in labels}
        pool = [s for s in STATUSES if self.target(s)[0] == state]
        named = [s for s in pool if STATUS_PREFIX + s in have]
        if len(named) == 1:
            return named[0]
        pool = named or pool

        def extra(status: str) -> set[str]:
            return set(self.target(status)[1]) - {STATUS_PREFIX + status}

        scored = sorted(
            ((len(extra(s)), -i, s) for i, s in enumerate(pool) if extra(s) and extra(s) <= have),
            reverse=True,
        )
        if scored:
            return scored[0][2]
        by_reason = {"not_planned": "abandoned", "reopened": "active"}.get(reason or "")
        if by_reason in pool:
            return by_reason
        plain = [s for s in pool if not extra(s)]
        if plain:
            return plain[0]
        return pool[0] if pool else None


def is_content_label(name: str) -> bool:
    n = name.lower()
    return n in CONTENT_LABELS or n.startswith(PRIORITY_PREFIX)


def _checklist(checks: Iterable[Check]) -> list[str]:
    return [f"- [{'x' if c.done else ' '}] **{c.id}**: {c.text}".rstrip() for c in checks]


def story_body(item: Item) -> str:
    lines = [MARKER.format(key=item.key)]
    facts = [f"**Feature**: {item.feature}"]
    if item.priority:
        facts.append(f"**Priority**: {item.priority}")
    lines += [" · ".join(facts), ""]
    if item.narrative:
        lines += [*item.narrative, ""]
    lines += ["## Acceptance Criteria", ""]
    lines += _checklist(item.criteria) or ["_No acceptance criteria._"]
    lines += ["", "## Tasks", ""]
    lines += _checklist(item.tasks) or ["_No tasks yet._"]
    source = item.path or (
        f".specweave/increments/{item.increments[0]}/spec.md" if item.increments else None
    )
    lines += ["", "---"]
    if source:
        lines.append(
            f"<sub>Synced by specweave-git from `{source}`: edit the spec, not this issue.</sub>"
        )
    else:
        lines.append("<sub>Synced by specweave-git: edit the spec, not this issue.</sub>")
    return "\n".join(lines) + "\n"


def progress_comment(item: Item, state: str) -> str:
    """The comment an external item's issue gets instead of edits (``sync.external``)."""
    lines = [
        PROGRESS_MARKER.format(key=item.key),
        summary(item, f"GitHub: {state}"),
    ]
    if item.criteria:
        lines += ["", *_checklist(item.criteria)]
    return "\n".join(lines) + "\n"


def feature_description(item: Item) -> str:
    text = f"SpecWeave feature {item.id}"
    if item.path:
        text += f" (`{item.path}`)"
    return f"{MARKER.format(key=item.key)}\n{text}"


def render(item: Item, statuses: StatusMap) -> Rendering:
    state, status_labels = statuses.target(item.status)
    if item.kind == "feature":
        return Rendering(
            content={"title": feature_title(item), "description": feature_description(item)},
            status={"state": "closed" if item.status in ("completed", "abandoned") else "open"},
        )
    labels = {LABEL, STORY_LABEL}
    if item.priority:
        labels.add(PRIORITY_PREFIX + item.priority.lower())
    return Rendering(
        content={
            "title": story_title(item),
            "body": story_body(item),
            "labels": sorted(labels),
            "milestone": item.feature if item.feature.startswith("FS-") else None,
        },
        status={"state": state, "labels": list(status_labels)},
    )


def issue_key(issue: Mapping[str, Any]) -> str | None:
    key = marker_key(issue.get("body"))
    if key is not None:
        return key
    return story_key_of_title(str(issue.get("title") or ""))


def milestone_key(ms: Mapping[str, Any]) -> str | None:
    key = marker_key(ms.get("description"))
    if key is not None:
        return key
    return feature_key_of_title(str(ms.get("title") or ""))


def milestone_id(number: int | str) -> str:
    return f"milestone:{number}"


def remote_issue(
    issue: Mapping[str, Any], milestones: Mapping[int, str], statuses: StatusMap
) -> Remote:
    """An issue as the plan sees it: its managed fields rendered like ours."""
    names = [
        str(lbl.get("name") if isinstance(lbl, dict) else lbl) for lbl in issue.get("labels") or []
    ]
    ms = issue.get("milestone")
    ms_key = None
    if isinstance(ms, dict) and ms.get("number") is not None:
        ms_key = milestones.get(int(ms["number"]), f"#{ms['number']}")
    rendering = Rendering(
        content={
            "title": plain_text(issue.get("title")),
            "body": plain_text(issue.get("body")),
            "labels": sorted({n.lower() for n in names if is_content_label(n)}),
            "milestone": ms_key,
        },
        status={
            "state": str(issue.get("state") or "open"),
            "labels": sorted({n.lower() for n in names if statuses.is_status_label(n)}),
        },
    )
    return Remote(
        id=str(issue["number"]),
        url=str(issue.get("html_url") or ""),
        key=issue_key(issue),
        updated_at=str(issue.get("updated_at") or ""),
        rendering=rendering,
        data={
            "number": int(issue["number"]),
            "labels": names,
            "kind": "issue",
            "state_reason": issue.get("state_reason"),
        },
    )


def remote_milestone(ms: Mapping[str, Any]) -> Remote:
    rendering = Rendering(
        content={
            "title": plain_text(ms.get("title")),
            "description": plain_text(ms.get("description")),
        },
        status={"state": str(ms.get("state") or "open")},
    )
    return Remote(
        id=milestone_id(ms["number"]),
        url=str(ms.get("html_url") or ""),
        key=milestone_key(ms),
        updated_at=str(ms.get("updated_at") or ""),
        rendering=rendering,
        data={"number": int(ms["number"]), "kind": "milestone"},
    )


def keep_labels(remote_labels: Iterable[str], statuses: StatusMap, *, content: bool) -> list[str]:
    """The issue's labels this part does not manage: ``content`` True keeps every label
    but the content ones (specweave, user-story, priority:*), False all but status ones."""
    if content:
        return [n for n in remote_labels if not is_content_label(n)]
    return [n for n in remote_labels if not statuses.is_status_label(n)]


def merge_labels(*groups: Iterable[str]) -> list[str]:
    """Labels in order, without case-blind duplicates (GitHub's names are case-blind)."""
    seen: dict[str, str] = {}
    for group in groups:
        for name in group:
            seen.setdefault(name.lower(), name)
    return list(seen.values())
