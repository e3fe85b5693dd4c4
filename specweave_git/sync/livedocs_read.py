"""Read SpecWeave increments (spec.md, tasks.md, metadata.json) for the living docs sync.

Bad input raises ``UsageError`` naming the file and the key (or line): the sync validates
every increment before it writes anything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..gitio import run as gitrun
from ..model import Warning_
from ..record import FrozenRecord, set_field
from ..specs.model import Story, Task
from ..specs.specweave import story_ref
from .livedocs_pulled import Pulled, read_pulled
from .livedocs_text import slugify

INCREMENTS_DIR = ".specweave/increments"
ARCHIVE = "_archive"
DEFAULT_PROJECT = "default"
SPECS_DIR = ".specweave/docs/internal/specs"
_INCREMENT_DIR = re.compile(r"^(\d+)-.+$")
_FEATURE = re.compile(r"^FS-(\d+)$", re.IGNORECASE)
_PROJECT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_H1_PREFIX = re.compile(r"^(?:feature|increment|spec(?:ification)?)\s*:\s*", re.IGNORECASE)


class Increment(FrozenRecord):
    """One increment as the living docs see it.

    ``status`` is metadata.json's when it has one, else the frontmatter's, else
    ``"unknown"``. Dates are ``YYYY-MM-DD``: frontmatter/metadata first, then the git
    history of the increment directory, else None. ``pulled``: the statuses a tracker
    pull recorded in metadata.json (``livedocs_pulled``).
    """

    __slots__ = (
        "completed",
        "created",
        "feature",
        "name",
        "number",
        "path",
        "priority",
        "project",
        "pulled",
        "status",
        "stories",
        "tasks",
        "title",
        "updated",
    )

    name: str
    number: int
    path: str
    title: str
    status: str
    feature: str
    project: str
    priority: str | None
    created: str | None
    updated: str | None
    completed: str | None
    stories: tuple[Story, ...]
    tasks: tuple[Task, ...]
    pulled: tuple[Pulled, ...]

    def __init__(
        self,
        name: str,
        number: int,
        path: str,
        title: str,
        status: str,
        feature: str,
        project: str,
        priority: str | None = None,
        created: str | None = None,
        updated: str | None = None,
        completed: str | None = None,
        stories: tuple[Story, ...] = (),
        tasks: tuple[Task, ...] = (),
        pulled: tuple[Pulled, ...] = (),
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "number", number)
        set_field(self, "path", path)
        set_field(self, "title", title)
        set_field(self, "status", status)
        set_field(self, "feature", feature)
        set_field(self, "project", project)
        set_field(self, "priority", priority)
        set_field(self, "created", created)
        set_field(self, "updated", updated)
        set_field(self, "completed", completed)
        set_field(self, "stories", stories)
        set_field(self, "tasks", tasks)
        set_field(self, "pulled", pulled)

    @property
    def spec_path(self) -> str:
        return f"{self.path}/spec.md"


def feature_id(number: int) -> str:
    """``FS-NNN`` from an increment or feature number (``0047`` -> ``FS-047``)."""
    return f"FS-{number:03d}"


def config_project(raw: Mapping[str, Any]) -> str | None:
    """The living docs project a config names: ``multiProject.activeProject``, else the
    slug of ``project.name``; None when it names none."""
    multi = raw.get("multiProject")
    if isinstance(multi, Mapping):
        active = multi.get("activeProject")
        if isinstance(active, str) and _PROJECT.match(active):
            return active
    project = raw.get("project")
    name = project.get("name") if isinstance(project, Mapping) else None
    if isinstance(name, str) and slugify(name) != "story":
        return slugify(name)
    return None


def existing_project(repo_root: Path, feature: str) -> str:
    """With no project named anywhere: the one project folder already holding ``feature``
    (so a repository laid out by SpecWeave is updated in place), else ``default``."""
    base = repo_root / SPECS_DIR
    homes = [
        d.name
        for d in (sorted(base.iterdir()) if base.is_dir() else [])
        if not d.name.startswith(("_", ".")) and (d / feature).is_dir()
    ]
    return homes[0] if len(homes) == 1 else DEFAULT_PROJECT


def increment_dirs(repo_root: Path) -> list[Path]:
    """Increment directories (``NNNN-name``), archived ones included, by number."""
    base = repo_root / INCREMENTS_DIR
    found: list[Path] = []
    for parent in (base, base / ARCHIVE):
        if parent.is_dir():
            found += [d for d in parent.iterdir() if d.is_dir() and _INCREMENT_DIR.match(d.name)]
    found.sort(key=lambda d: (int(_INCREMENT_DIR.match(d.name).group(1)), d.name))  # type: ignore[union-attr]
    return found


def decode(data: bytes, rel: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UsageError(f"not UTF-8 text (byte {e.start})", file=rel) from None


def read_text(path: Path, rel: str) -> str:
    try:
        return decode(path.read_bytes(), rel)
    except OSError as e:
        raise UsageError(f"cannot read: {e.strerror or e}", file=rel) from None


def parse_markdown(rel: str, text: str) -> tuple[dict[str, Any], list[Story], list[Task], str]:
    """Frontmatter, stories, tasks and first H1 of a markdown file; bad YAML raises."""
    from ..specs import frontmatter as fmod
    from ..specs import markdown as md
    from ..specs import specweave

    norm = md.normalise_newlines(text.removeprefix("\ufeff"))
    fm = fmod.split(rel, norm)
    if fm.warnings:
        w = fm.warnings[0]
        raise UsageError(w.message, file=rel, pointer=f"line {w.line}")
    tokens = md.parse(fm.body)
    stories, tasks = specweave.extract(tokens, fm.data)
    h1 = next(
        (tokens[i + 1].content.strip() for i, t in enumerate(tokens) if t.tag == "h1"),
        "",
    )
    return fm.data, stories, tasks, h1


def _text_key(data: Mapping[str, Any], key: str, rel: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise UsageError(
            f"must be a string, not {type(value).__name__}", file=rel, pointer=f"/{key}"
        )
    return str(value).strip() or None


def _date_key(data: Mapping[str, Any], key: str, rel: str) -> str | None:
    value = _text_key(data, key, rel)
    if value is None:
        return None
    if not _DATE.match(value):
        raise UsageError(f"must be a date (YYYY-MM-DD), not {value!r}", file=rel, pointer=f"/{key}")
    return value[:10]


def _feature_key(data: Mapping[str, Any], rel: str, keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = _text_key(data, key, rel)
        if value is None:
            continue
        m = _FEATURE.match(value)
        if m is None:
            raise UsageError(
                f"must be a feature id like FS-001, not {value!r}", file=rel, pointer=f"/{key}"
            )
        return feature_id(int(m.group(1)))
    return None


def _project_key(data: Mapping[str, Any], rel: str) -> str | None:
    value = _text_key(data, "project", rel)
    if value is not None and not _PROJECT.match(value):
        raise UsageError(
            f"must be a folder name (letters, digits, . _ -), not {value!r}",
            file=rel,
            pointer="/project",
        )
    return value


def _metadata(path: Path, rel: str) -> dict[str, Any]:
    if not path.is_file():
        return {}
    text = read_text(path, rel)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise UsageError(f"not valid JSON: {e.msg}", file=rel, pointer=f"line {e.lineno}") from None
    if not isinstance(data, dict):
        raise UsageError("must be a JSON object", file=rel, pointer="/")
    status = data.get("status")
    if status is not None and not isinstance(status, str):
        raise UsageError("must be a string", file=rel, pointer="/status")
    return data


def _meta_date(data: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and _DATE.match(value):
            return value[:10]
    return None


def _git_dates(repo_root: Path, rel_dir: str) -> tuple[str | None, str | None]:
    """(first, last) commit dates touching ``rel_dir``; (None, None) outside git."""
    proc = gitrun.run("log", "--format=%cs", "--", rel_dir, cwd=repo_root)
    dates = proc.stdout.decode(errors="replace").split() if proc.returncode == 0 else []
    return (dates[-1], dates[0]) if dates else (None, None)


def read_increment(
    repo_root: Path,
    directory: Path,
    project: str | None,
    warnings: list[Warning_],
    *,
    dates: bool = True,
) -> Increment | None:
    """One increment; None (and a warning) when it has no spec.md. ``project`` is the
    config's (None: not configured); ``dates=False`` skips the git history (a caller
    that needs no dates)."""
    rel_dir = directory.relative_to(repo_root).as_posix()
    spec_rel = f"{rel_dir}/spec.md"
    if not (directory / "spec.md").is_file():
        warnings.append(Warning_(rel_dir, 1, "increment has no spec.md; skipped"))
        return None
    data, stories, spec_tasks, h1 = parse_markdown(
        spec_rel, read_text(directory / "spec.md", spec_rel)
    )
    tasks: dict[str, Task] = {t.id: t for t in spec_tasks}
    if (directory / "tasks.md").is_file():
        tasks_rel = f"{rel_dir}/tasks.md"
        _, _, file_tasks, _ = parse_markdown(
            tasks_rel, read_text(directory / "tasks.md", tasks_rel)
        )
        tasks.update({t.id: t for t in file_tasks})  # tasks.md is the task list of record
    meta = _metadata(directory / "metadata.json", f"{rel_dir}/metadata.json")
    m = _INCREMENT_DIR.match(directory.name)
    assert m is not None  # increment_dirs only yields matching names
    number = int(m.group(1))
    declared = _text_key(data, "increment", spec_rel)
    if declared is not None and declared != directory.name:
        msg = f"frontmatter increment: {declared} is not the directory name; using the directory"
        warnings.append(Warning_(spec_rel, 1, msg))
    title = _text_key(data, "title", spec_rel) or _H1_PREFIX.sub("", h1) or directory.name
    status = meta.get("status") or _text_key(data, "status", spec_rel) or "unknown"
    created = _date_key(data, "created", spec_rel) or _meta_date(meta, "created", "createdAt")
    completed = _meta_date(meta, "completed", "completedAt", "completedDate")
    updated = _meta_date(meta, "lastActivity", "lastUpdated", "updated", "completed", "completedAt")
    feature = (
        _feature_key(data, spec_rel, ("feature", "epic"))
        or _feature_key(meta, f"{rel_dir}/metadata.json", ("feature_id", "featureId"))
        or feature_id(number)
    )
    if dates and (created is None or updated is None):
        first, last = _git_dates(repo_root, rel_dir)
        created = created or first
        updated = updated or last
    return Increment(
        name=directory.name,
        number=number,
        path=rel_dir,
        title=title,
        status=str(status),
        feature=feature,
        project=_project_key(data, spec_rel) or project or existing_project(repo_root, feature),
        priority=_text_key(data, "priority", spec_rel),
        created=created,
        updated=max(filter(None, (updated, created)), default=None),
        completed=completed,
        # `### US-1:` and a task's `**User Story**: US-001` name the same story.
        stories=tuple(s.replace(id=story_ref(s.id.split("-")[1])) for s in stories),
        tasks=tuple(tasks.values()),
        pulled=read_pulled(meta),
    )


def load_increments(
    repo_root: Path, raw_config: Mapping[str, Any], *, dates: bool = True
) -> tuple[list[Increment], list[Warning_]]:
    """Every increment of ``repo_root`` in number order, with the warnings of reading them."""
    project = config_project(raw_config)
    warnings: list[Warning_] = []
    increments = [
        inc
        for d in increment_dirs(repo_root)
        if (inc := read_increment(repo_root, d, project, warnings, dates=dates)) is not None
    ]
    return increments, warnings
