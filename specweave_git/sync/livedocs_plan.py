"""Join increments into living docs features and user stories (what FEATURE.md and us-*.md say).

A feature is (project, ``FS-NNN``); every increment naming it contributes. A story is a
``US-NNN`` of a feature: its title and criteria come from the latest increment defining it,
its tasks from every increment whose tasks name it (``**User Story**`` or an AC of it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ..record import FrozenRecord, set_field
from ..specs.model import Criterion, Story, Task
from .livedocs_read import Increment

_PRIORITY = re.compile(r"\s*\((?:priority\s*:?\s*)?(P\d)\b[^)]*\)\s*$", re.IGNORECASE)
_AC_OWNER = re.compile(r"^AC-US(\d+)-")
_DONE_STATUSES = frozenset({"completed", "complete", "done", "closed"})
_ACTIVE_STATUSES = frozenset({"active", "in-progress", "in_progress", "in progress"})


def natural_key(text: str) -> tuple[tuple[int, str], ...]:
    """``T-2`` before ``T-10``: digit runs compare as numbers."""
    return tuple(
        (int(part), "") if part.isdigit() else (-1, part) for part in re.findall(r"\d+|\D+", text)
    )


def split_priority(title: str) -> tuple[str, str | None]:
    """``"Manage users (P1)"`` -> ``("Manage users", "P1")``."""
    m = _PRIORITY.search(title)
    if m is None:
        return title.strip(), None
    return title[: m.start()].strip(), m.group(1).upper()


def task_stories(task: Task) -> tuple[str, ...]:
    """The stories a task works for: its ``**User Story**`` and the owners of its ACs."""
    owners = [f"US-{int(m.group(1)):03d}" for a in task.acceptance if (m := _AC_OWNER.match(a))]
    return tuple(dict.fromkeys((*task.user_stories, *owners)))


class StoryTask(FrozenRecord):
    """A task of one increment, as a story's tasks table lists it."""

    __slots__ = ("increment", "task")

    task: Task
    increment: str

    def __init__(self, task: Task, increment: str) -> None:
        set_field(self, "task", task)
        set_field(self, "increment", increment)


class StoryDoc(FrozenRecord):
    __slots__ = (
        "acceptance",
        "created",
        "feature",
        "id",
        "increments",
        "priority",
        "project",
        "status",
        "tasks",
        "title",
    )

    id: str
    feature: str
    project: str
    title: str
    priority: str | None
    status: str
    acceptance: tuple[Criterion, ...]  # done is also true when all its tasks are done
    tasks: tuple[StoryTask, ...]
    increments: tuple[Increment, ...]  # every increment that touched the story, in order
    created: str | None

    def __init__(
        self,
        id: str,
        feature: str,
        project: str,
        title: str,
        priority: str | None,
        status: str,
        acceptance: tuple[Criterion, ...],
        tasks: tuple[StoryTask, ...],
        increments: tuple[Increment, ...],
        created: str | None,
    ) -> None:
        set_field(self, "id", id)
        set_field(self, "feature", feature)
        set_field(self, "project", project)
        set_field(self, "title", title)
        set_field(self, "priority", priority)
        set_field(self, "status", status)
        set_field(self, "acceptance", acceptance)
        set_field(self, "tasks", tasks)
        set_field(self, "increments", increments)
        set_field(self, "created", created)

    @property
    def increment(self) -> str:
        """The latest increment that touched the story."""
        return self.increments[-1].name

    def tasks_of(self, increment: str) -> list[StoryTask]:
        return [t for t in self.tasks if t.increment == increment]


class FeatureDoc(FrozenRecord):
    __slots__ = ("created", "id", "increments", "project", "status", "stories", "title", "updated")

    id: str
    project: str
    title: str
    status: str
    increments: tuple[Increment, ...]
    stories: tuple[StoryDoc, ...]
    created: str | None
    updated: str | None

    def __init__(
        self,
        id: str,
        project: str,
        title: str,
        status: str,
        increments: tuple[Increment, ...],
        stories: tuple[StoryDoc, ...],
        created: str | None,
        updated: str | None,
    ) -> None:
        set_field(self, "id", id)
        set_field(self, "project", project)
        set_field(self, "title", title)
        set_field(self, "status", status)
        set_field(self, "increments", increments)
        set_field(self, "stories", stories)
        set_field(self, "created", created)
        set_field(self, "updated", updated)

    @property
    def dir(self) -> str:
        return f".specweave/docs/internal/specs/{self.project}/{self.id}"


def feature_status(increments: Sequence[Increment]) -> str:
    statuses = [i.status.lower() for i in increments]
    if all(s in _DONE_STATUSES for s in statuses):
        return "completed"
    if any(s in _ACTIVE_STATUSES for s in statuses):
        return "active"
    return increments[-1].status


def story_status(
    explicit: str | None,
    criteria: Sequence[Criterion],
    tasks: Sequence[StoryTask],
    increments: Sequence[Increment],
) -> str:
    """The frontmatter/``**Status**`` status when given, else what the work shows."""
    if explicit:
        return explicit
    work = bool(criteria or tasks)
    if work and all(c.done for c in criteria) and all(t.task.status == "done" for t in tasks):
        return "completed"
    if all(i.status.lower() in _DONE_STATUSES for i in increments):
        return "completed"
    started = any(c.done for c in criteria) or any(
        t.task.status in ("done", "partial") for t in tasks
    )
    return "in-progress" if started else "not-started"


def _criteria(defs: Sequence[Story], tasks: Sequence[StoryTask]) -> tuple[Criterion, ...]:
    by_id: dict[str, Criterion] = {}
    for story in defs:  # later increments win
        by_id.update({c.id: c for c in story.acceptance})
    out = []
    for crit in sorted(by_id.values(), key=lambda c: natural_key(c.id)):
        covering = [t for t in tasks if crit.id in t.task.acceptance]
        if not crit.done and covering and all(t.task.status == "done" for t in covering):
            crit = crit.replace(done=True)
        out.append(crit)
    return tuple(out)


def _story(sid: str, feature: str, project: str, incs: Sequence[Increment]) -> StoryDoc:
    defs = [s for inc in incs for s in inc.stories if s.id == sid]
    tasks = [StoryTask(t, inc.name) for inc in incs for t in inc.tasks if sid in task_stories(t)]
    touched = tuple(
        inc
        for inc in incs
        if any(s.id == sid for s in inc.stories) or any(t.increment == inc.name for t in tasks)
    )
    title, priority = split_priority(next((s.title for s in reversed(defs) if s.title), ""))
    priority = priority or next((i.priority for i in reversed(touched) if i.priority), None)
    criteria = _criteria(defs, tasks)
    explicit = next((s.status for s in reversed(defs) if s.status), None)
    return StoryDoc(
        id=sid,
        feature=feature,
        project=project,
        title=title,
        priority=priority,
        status=story_status(explicit, criteria, tasks, touched),
        acceptance=criteria,
        tasks=tuple(
            sorted(tasks, key=lambda t: (natural_key(t.increment), natural_key(t.task.id)))
        ),
        increments=touched,
        created=min((i.created for i in touched if i.created), default=None),
    )


def build_features(increments: Iterable[Increment]) -> list[FeatureDoc]:
    """Every feature the increments name, with its stories, ordered by project and id."""
    groups: dict[tuple[str, str], list[Increment]] = {}
    for inc in sorted(increments, key=lambda i: (i.number, i.name)):
        groups.setdefault((inc.project, inc.feature), []).append(inc)
    features = []
    for (project, fid), incs in sorted(groups.items(), key=lambda kv: natural_key("/".join(kv[0]))):
        ids = {s.id for inc in incs for s in inc.stories}
        ids |= {sid for inc in incs for t in inc.tasks for sid in task_stories(t)}
        stories = tuple(_story(sid, fid, project, incs) for sid in sorted(ids, key=natural_key))
        # The feature is named by the increment it was born in (its lowest-numbered one).
        features.append(
            FeatureDoc(
                id=fid,
                project=project,
                title=incs[0].title,
                status=feature_status(incs),
                increments=tuple(incs),
                stories=stories,
                created=min((i.created for i in incs if i.created), default=None),
                updated=max((i.updated for i in incs if i.updated), default=None),
            )
        )
    return features
