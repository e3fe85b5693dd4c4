"""SpecWeave structure: user stories, acceptance criteria, tasks, increments' metadata.json.

Written against what SpecWeave actually emits: ``### US-001: Title (P0)`` with
``- [x] **AC-US1-01**: text`` items (living docs story files use ``# US-001: ...`` and carry
``id``/``status``/``external`` in their frontmatter), ``### T-001: Title`` followed by a
paragraph of ``**User Story**: US-001`` / ``**Satisfies ACs**: ...`` / ``**Status**: [x]
completed`` lines, and living docs task checklists ``- [x] **T-001**: Title``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..model import Warning_
from . import markdown as md
from .frontmatter import external_ids
from .model import Criterion, IncrementMetadata, Story, Task, TaskStatus

if TYPE_CHECKING:
    from markdown_it.token import Token

_STORY_HEADING = re.compile(r"^(US-\d+E?)\s*[:.—–-]\s*(.*)$")
_STORY_PARA = re.compile(r"^\*\*(US-\d+E?)\*\*\s*:\s*(.*)$")
_TASK_HEADING = re.compile(r"^(T-\d+E?)\s*[:.—–-]\s*(.*)$")
_CHECK = r"(?:\[(?P<box>[ xX~\-])\]\s+)?"
_AC_ITEM = re.compile(rf"^{_CHECK}\*\*(?P<id>AC-US\d+E?-\d+E?)\*\*\s*:?\s*(?P<text>.*)$", re.S)
_TASK_ITEM = re.compile(rf"^{_CHECK}\*\*(?P<id>T-\d+E?)\*\*\s*:?\s*(?P<text>.*)$", re.S)
_FIELD = re.compile(r"^\*\*(?P<key>[^*]+?):?\*\*\s*:?\s*(?P<value>.*)$")
_US_REF = re.compile(r"\bUS-?(\d+E?)\b")
_AC_REF = re.compile(r"\bAC-US\d+E?-\d+E?\b")

_DONE_WORDS = ("completed", "complete", "done", "closed", "finished", "✅")
_PARTIAL_WORDS = ("in-progress", "in progress", "in_progress", "partial", "active", "🔄")
_OPEN_WORDS = ("pending", "todo", "to do", "not started", "planned", "open", "blocked", "⏳")


def task_status(value: str) -> TaskStatus:
    """``[x] completed`` -> done, ``[ ]`` -> open, ``[~]`` -> partial; words when no box."""
    v = value.strip().lower()
    box = re.match(r"^\[([ x~\-])\]", v)
    if box:
        return {"x": "done", " ": "open"}.get(box.group(1), "partial")  # type: ignore[return-value]
    if v.startswith(_DONE_WORDS):
        return "done"
    if v.startswith(_PARTIAL_WORDS):
        return "partial"
    if v.startswith(_OPEN_WORDS):
        return "open"
    return "unknown"


def story_ref(number: str) -> str:
    """``1`` -> ``US-001``; ``4E`` -> ``US-004E`` (the E suffix: created outside SpecWeave)."""
    suffix = "E" if number.endswith("E") else ""
    return f"US-{int(number.removesuffix('E')):03d}{suffix}"


@dataclass
class _Section:
    kind: str  # story | task
    id: str
    level: int


@dataclass
class _Acc:
    stories: dict[str, Story] = field(default_factory=dict)
    criteria: dict[str, list[Criterion]] = field(default_factory=dict)
    tasks: list[Task] = field(default_factory=list)
    story: _Section | None = None
    task: _Section | None = None


def extract(tokens: Sequence[Token], frontmatter: dict[str, Any]) -> tuple[list[Story], list[Task]]:
    acc = _Acc()
    heading_inlines: set[int] = set()
    in_item = 0
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            heading_inlines.add(i + 1)
            _heading(acc, int(tok.tag[1]), tokens[i + 1])
        elif tok.type == "list_item_open":
            in_item += 1
        elif tok.type == "list_item_close":
            in_item -= 1
        elif tok.type == "inline" and i not in heading_inlines:
            if in_item:
                _list_item(acc, tok)
            else:
                _paragraph(acc, tok)
    stories = [
        s.replace(acceptance=tuple(acc.criteria.get(s.id, ()))) for s in acc.stories.values()
    ]
    for sid, crits in acc.criteria.items():
        if sid not in acc.stories and crits:
            # Criteria of a story this file does not title (a living docs story file whose
            # id is in the frontmatter only): the story is known by its id.
            stories.append(Story(id=sid, title="", line=crits[0].line, acceptance=tuple(crits)))
    fm_id = frontmatter.get("id")
    stories = [_with_frontmatter(s, frontmatter) if s.id == fm_id else s for s in stories]
    stories.sort(key=lambda s: s.line)
    return stories, acc.tasks


def _with_frontmatter(story: Story, fm: dict[str, Any]) -> Story:
    status = fm.get("status")
    return story.replace(
        title=story.title or str(fm.get("title") or ""),
        status=story.status or (str(status) if status is not None else None),
        external={**external_ids(fm), **story.external},
    )


def _heading(acc: _Acc, level: int, inline: Token) -> None:
    for attr in ("story", "task"):
        section: _Section | None = getattr(acc, attr)
        if section is not None and level <= section.level:
            setattr(acc, attr, None)
    text = inline.content.strip()
    line = md.first_line(inline)
    s = _STORY_HEADING.match(text)
    if s:
        acc.story = _Section("story", s.group(1), level)
        acc.task = None
        acc.stories.setdefault(s.group(1), Story(id=s.group(1), title=s.group(2), line=line))
        return
    t = _TASK_HEADING.match(text)
    if t:
        acc.task = _Section("task", t.group(1), level)
        acc.tasks.append(Task(id=t.group(1), title=t.group(2).strip(), line=line))


def _paragraph(acc: _Acc, inline: Token) -> None:
    first = md.first_line(inline)
    for j, text in enumerate(inline.content.split("\n")):
        text = text.strip()
        s = _STORY_PARA.match(text)
        if s and acc.task is None:
            # The older one-paragraph form: **US-001**: As a developer, I need ...
            acc.story = _Section("story", s.group(1), 7)
            acc.stories.setdefault(s.group(1), Story(s.group(1), s.group(2), first + j))
            continue
        f = _FIELD.match(text)
        if f is None:
            continue
        key, value = f.group("key").strip().lower(), f.group("value").strip()
        if acc.task is not None:
            _task_field(acc, key, value)
        elif acc.story is not None and key == "status":
            story = acc.stories[acc.story.id]
            if story.status is None:
                acc.stories[acc.story.id] = story.replace(status=value)


def _task_field(acc: _Acc, key: str, value: str) -> None:
    task = acc.tasks[-1]
    if key == "status":
        task = task.replace(status=task_status(value))
    elif key in ("user story", "user stories", "us", "story"):
        stories = [story_ref(n) for n in _US_REF.findall(value)]
        task = task.replace(user_stories=tuple(dict.fromkeys((*task.user_stories, *stories))))
    elif key in ("satisfies acs", "satisfies", "acs", "ac", "acceptance criteria"):
        acs = _AC_REF.findall(value)
        task = task.replace(acceptance=tuple(dict.fromkeys((*task.acceptance, *acs))))
    else:
        return
    acc.tasks[-1] = task


def _list_item(acc: _Acc, inline: Token) -> None:
    text = inline.content.strip()
    line = md.first_line(inline)
    a = _AC_ITEM.match(text)
    if a and acc.task is None:
        ac_id = a.group("id")
        owner = _owner(acc, ac_id)
        crit = Criterion(
            id=ac_id,
            text=" ".join(a.group("text").split()),
            done=(a.group("box") or " ").lower() == "x",
            line=line,
        )
        acc.criteria.setdefault(owner, []).append(crit)
        return
    t = _TASK_ITEM.match(text)
    if t and acc.task is None:
        box = t.group("box")
        status: TaskStatus = task_status(f"[{box}]") if box is not None else "unknown"
        title = " ".join(t.group("text").split())
        story = (acc.story.id,) if acc.story is not None else ()
        acc.tasks.append(Task(t.group("id"), title, line, status, story))
        return
    if acc.task is not None:
        # Some tasks.md files list their fields: `- **Status**: [x] completed`.
        for row in inline.content.split("\n"):
            f = _FIELD.match(row.strip())
            if f:
                _task_field(acc, f.group("key").strip().lower(), f.group("value").strip())


def _owner(acc: _Acc, ac_id: str) -> str:
    """The story an AC belongs to: its number names it (AC-US2-01 -> US-002)."""
    m = re.match(r"AC-US(\d+E?)-", ac_id)
    by_number = story_ref(m.group(1)) if m else ""
    if acc.story is not None and (not by_number or acc.story.id == by_number):
        return acc.story.id
    return by_number or (acc.story.id if acc.story else "")


# ---- metadata.json -------------------------------------------------------------------


def parse_metadata(path: str, text: str, increment: str) -> IncrementMetadata:
    """Status and tracker ids of an increment's metadata.json; never raises."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        msg = f"metadata.json is not valid JSON: {e.msg}"
        return IncrementMetadata(path, increment, warnings=(Warning_(path, e.lineno, msg),))
    if not isinstance(data, dict):
        msg = "metadata.json is not a JSON object; ignored"
        return IncrementMetadata(path, increment, warnings=(Warning_(path, 1, msg),))
    status = data.get("status")
    return IncrementMetadata(
        path=path,
        increment=increment,
        status=status if isinstance(status, str) else None,
        external=external_ids(data),
    )
