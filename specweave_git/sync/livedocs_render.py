"""Render living docs: FEATURE.md and us-NNN-slug.md generated regions and owned frontmatter.

Text is LF here; the writer converts to the file's own line endings. Each render is a pure
function of the plan, so a second sync renders the same bytes.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence

from .livedocs_plan import FeatureDoc, StoryDoc
from .livedocs_read import Increment
from .livedocs_text import region, slugify, yaml_value

STORY_SECTIONS = ("header", "acceptance-criteria", "tasks", "history")
FEATURE_SECTIONS = ("header", "user-stories", "history")
# Frontmatter keys the sync owns (rewritten every run); any other key, ``external:`` above
# all (where the tracker sync records issue numbers), is left exactly as it is.
STORY_KEYS = ("id", "feature", "title", "status", "priority", "project", "increment", "created")
FEATURE_KEYS = (
    "id",
    "title",
    "type",
    "status",
    "project",
    "increments",
    "created",
    "lastUpdated",
)
_DATE_KEYS = frozenset({"created", "lastUpdated"})
_TASK_STATUS = {
    "done": "✅ done",
    "partial": "🔄 in progress",
    "open": "⏳ open",
    "unknown": "unknown",
}


def story_filename(story: StoryDoc) -> str:
    """``us-001-manage-users.md`` (the slug of the title without its priority)."""
    return f"{story.id.lower()}-{slugify(story.title or story.id)}.md"


def cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    flat = " ".join(text.split()).replace("|", "\\|")
    return flat or "—"


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def _spec_link(inc: Increment, feature_dir: str) -> str:
    return f"[{inc.name}]({posixpath.relpath(inc.spec_path, feature_dir)})"


def _fraction(done: int, total: int) -> str:
    return f"{done}/{total}" if total else "—"


def frontmatter_values(
    keys: tuple[str, ...], values: Mapping[str, str | list[str] | None]
) -> dict[str, str]:
    """The owned keys rendered as YAML; a None value is left out (the file keeps its own)."""
    out: dict[str, str] = {}
    for key in keys:
        value = values.get(key)
        if value is not None:
            out[key] = yaml_value(value, date=key in _DATE_KEYS)
    return out


# ---- us-NNN-slug.md ------------------------------------------------------------------


def story_frontmatter(story: StoryDoc) -> dict[str, str]:
    return frontmatter_values(
        STORY_KEYS,
        {
            "id": story.id,
            "feature": story.feature,
            "title": story.title or story.id,
            "status": story.status,
            "priority": story.priority,
            "project": story.project,
            "increment": story.increment,
            "created": story.created,
        },
    )


def story_sections(story: StoryDoc, feature: FeatureDoc) -> dict[str, str]:
    heading = f"# {story.id}: {story.title}" if story.title else f"# {story.id}"
    facts = [f"**Feature**: [{feature.id}: {feature.title}](FEATURE.md)"]
    facts.append(f"**Status**: {story.status}")
    if story.priority:
        facts.append(f"**Priority**: {story.priority}")
    header = f"{heading}\n\n" + " · ".join(facts) + "\n"

    if story.acceptance:
        items = [f"- [{'x' if c.done else ' '}] **{c.id}**: {c.text}" for c in story.acceptance]
        criteria = "\n".join(items) + "\n"
    else:
        criteria = "_No acceptance criteria._\n"

    if story.tasks:
        task_rows = [
            (
                t.task.id,
                cell(t.task.title),
                _TASK_STATUS[t.task.status],
                cell(", ".join(t.task.acceptance)),
                t.increment,
            )
            for t in story.tasks
        ]
        tasks = _table(("Task", "Title", "Status", "Satisfies ACs", "Increment"), task_rows)
    else:
        tasks = "_No tasks for this story yet._\n"

    rows: list[tuple[str, ...]] = []
    for inc in story.increments:
        mine = story.tasks_of(inc.name)
        done = sum(t.task.status == "done" for t in mine)
        rows.append(
            (
                _spec_link(inc, feature.dir),
                cell(inc.title),
                cell(inc.status),
                _fraction(done, len(mine)),
                inc.completed or "—",
            )
        )
    history = _table(("Increment", "Title", "Status", "Tasks done", "Completed"), rows)
    return {
        "header": header,
        "acceptance-criteria": f"## Acceptance Criteria\n\n{criteria}",
        "tasks": f"## Tasks\n\n{tasks}",
        "history": f"## Implementation History\n\n{history}",
    }


# ---- FEATURE.md ----------------------------------------------------------------------


def feature_frontmatter(
    feature: FeatureDoc, created: str | None, updated: str | None
) -> dict[str, str]:
    return frontmatter_values(
        FEATURE_KEYS,
        {
            "id": feature.id,
            "title": feature.title,
            "type": "feature",
            "status": feature.status,
            "project": feature.project,
            "increments": [i.name for i in feature.increments],
            "created": created,
            "lastUpdated": updated,
        },
    )


def feature_sections(feature: FeatureDoc, story_files: Mapping[str, str]) -> dict[str, str]:
    """``story_files`` maps a story id to its file name in the feature folder."""
    header = (
        f"# {feature.id}: {feature.title}\n\n"
        f"**Project**: {feature.project} · **Status**: {feature.status}\n"
    )
    if feature.stories:
        rows: list[tuple[str, ...]] = []
        for s in feature.stories:
            done = sum(c.done for c in s.acceptance)
            rows.append(
                (
                    f"[{s.id}]({story_files[s.id]})",
                    cell(s.title),
                    s.status,
                    s.priority or "—",
                    _fraction(done, len(s.acceptance)),
                )
            )
        stories = _table(("Story", "Title", "Status", "Priority", "ACs done"), rows)
    else:
        stories = "_No user stories yet._\n"
    rows = []
    for inc in feature.increments:
        touched = [s.id for s in feature.stories if inc in s.increments]
        done = sum(t.status == "done" for t in inc.tasks)
        rows.append(
            (
                _spec_link(inc, feature.dir),
                cell(inc.title),
                cell(inc.status),
                cell(", ".join(touched)),
                _fraction(done, len(inc.tasks)),
                inc.completed or "—",
            )
        )
    history = _table(("Increment", "Title", "Status", "Stories", "Tasks done", "Completed"), rows)
    return {
        "header": header,
        "user-stories": f"## User Stories\n\n{stories}",
        "history": f"## Implementation History\n\n{history}",
    }


def new_file(frontmatter: Mapping[str, str], sections: Mapping[str, str]) -> str:
    """A whole new living docs file: owned frontmatter, then each region, a blank line apart."""
    fm = "".join(f"{k}: {v}\n" for k, v in frontmatter.items())
    body = "\n".join(region(name, content) for name, content in sections.items())
    return f"---\n{fm}---\n\n{body}"
