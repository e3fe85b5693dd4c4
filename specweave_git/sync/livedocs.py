"""Living docs sync: increments -> ``.specweave/docs/internal/specs/<project>/FS-NNN/``.

Writes FEATURE.md and one ``us-NNN-<slug>.md`` per user story in SpecWeave's layout. The
sync owns the regions between ``<!-- specweave:generated:begin NAME -->`` and
``<!-- specweave:generated:end NAME -->`` and a few frontmatter keys (see
``livedocs_render.STORY_KEYS``/``FEATURE_KEYS``); everything else in a file is a hand edit
and kept byte for byte, line endings included. Rules:

- the project folder is the spec's ``project:``, else the config's
  (``multiProject.activeProject``, the slug of ``project.name``), else the one project
  folder already holding ``FS-NNN``, else ``default``; the feature is the spec's
  ``feature:``/``epic:``, else metadata.json's ``feature_id``, else ``FS-`` + the number;
- idempotent: a file whose new bytes equal its old bytes is not written;
- dates come from the increments (frontmatter, metadata.json, then git history); a date
  nowhere to be found keeps the file's own value, and only a file whose content changes
  gets today's date;
- a story's (or feature's) ``status:`` is derived from the increments, unless a tracker
  pull recorded a status for it in metadata.json since which the derived status has not
  changed: then the pulled one (``livedocs_pulled``);
- a story file is found by its number (``us-001-*.md``), so a retitled story keeps its
  file name; stories no increment mentions any more are left alone (never deleted);
- a file whose markers were deleted or broken, whose frontmatter ``id`` names another
  item, or whose frontmatter could not be edited safely is left untouched, with a warning;
- bad input (YAML, metadata.json, a malformed key) raises ``UsageError`` naming the file
  and key before anything is written.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..model import Warning_
from ..record import FrozenRecord, set_field
from . import livedocs_render as render
from .livedocs_plan import FeatureDoc, StoryDoc, build_features
from .livedocs_pulled import apply_pulled
from .livedocs_read import decode, load_increments
from .livedocs_text import FrontmatterLines, cut_frontmatter, newline_of, set_keys, splice

if TYPE_CHECKING:
    from ..config.model import Config

__all__ = ["LivingDocsResult", "sync_living_docs"]

_STORY_FILE = re.compile(r"^us-0*(\d+)(?:-.*)?\.md$", re.IGNORECASE)


class LivingDocsResult(FrozenRecord):
    """What a sync did (or, with ``dry_run``, would do): repository-relative paths.

    ``skipped`` files were left untouched; ``warnings`` say why. ``features`` is the plan
    the files were rendered from (the tracker sync builds issues from it).
    """

    __slots__ = ("created", "dry_run", "features", "skipped", "unchanged", "updated", "warnings")

    created: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]
    skipped: tuple[str, ...]
    warnings: tuple[Warning_, ...]
    dry_run: bool
    features: tuple[FeatureDoc, ...]

    def __init__(
        self,
        created: tuple[str, ...] = (),
        updated: tuple[str, ...] = (),
        unchanged: tuple[str, ...] = (),
        skipped: tuple[str, ...] = (),
        warnings: tuple[Warning_, ...] = (),
        dry_run: bool = False,
        features: tuple[FeatureDoc, ...] = (),
    ) -> None:
        set_field(self, "created", created)
        set_field(self, "updated", updated)
        set_field(self, "unchanged", unchanged)
        set_field(self, "skipped", skipped)
        set_field(self, "warnings", warnings)
        set_field(self, "dry_run", dry_run)
        set_field(self, "features", features)

    @property
    def changed(self) -> tuple[str, ...]:
        return tuple(sorted((*self.created, *self.updated)))

    def to_json(self) -> dict[str, Any]:
        return {
            "created": list(self.created),
            "updated": list(self.updated),
            "unchanged": list(self.unchanged),
            "skipped": list(self.skipped),
            "warnings": [w.to_json() for w in self.warnings],
            "dry_run": self.dry_run,
        }


class _Existing:
    """A living docs file as found: text without BOM, its line ending, its frontmatter."""

    __slots__ = ("bom", "data", "fm", "newline", "raw", "text")

    def __init__(self, root: Path, rel: str) -> None:
        from ..specs import frontmatter as fmod

        try:
            self.raw = (root / rel).read_bytes()
        except OSError as e:
            raise UsageError(f"cannot read: {e.strerror or e}", file=rel) from None
        text = decode(self.raw, rel)
        self.bom = text.startswith("\ufeff")
        self.text = text.removeprefix("\ufeff")
        self.newline = newline_of(self.text)
        self.fm: FrontmatterLines | None = cut_frontmatter(self.text)
        parsed = fmod.split(rel, self.text.replace("\r\n", "\n").replace("\r", "\n"))
        if parsed.warnings:
            w = parsed.warnings[0]
            raise UsageError(w.message, file=rel, pointer=f"line {w.line}")
        self.data: dict[str, Any] = parsed.data
        external = self.data.get("external")
        if external is not None and not isinstance(external, dict):
            raise UsageError("must be a mapping (platform: ids)", file=rel, pointer="/external")

    def encode(self, text: str) -> bytes:
        return (("\ufeff" if self.bom else "") + text).encode("utf-8")


class _Run:
    """One sync: plans every file first, so bad input stops it before any write."""

    def __init__(self, root: Path, today: str) -> None:
        self.root = root
        self.today = today
        self.writes: dict[str, bytes] = {}
        self.created: list[str] = []
        self.updated: list[str] = []
        self.unchanged: list[str] = []
        self.skipped: list[str] = []
        self.warnings: list[Warning_] = []

    def skip(self, rel: str, why: str) -> None:
        self.skipped.append(rel)
        self.warnings.append(Warning_(rel, 1, f"{why}; file left unchanged"))

    def existing(self, rel: str) -> _Existing | None:
        return _Existing(self.root, rel) if (self.root / rel).is_file() else None

    def merge(
        self,
        rel: str,
        old: _Existing,
        owned: Mapping[str, str],
        order: tuple[str, ...],
        sections: Mapping[str, str],
    ) -> str | None:
        """The file with its regions and owned keys replaced; None (and a warning) if unsafe."""
        body = old.fm.body if old.fm is not None else old.text
        new_body, problem = splice(body, sections, old.newline)
        if new_body is None:
            self.skip(rel, problem)
            return None
        if old.fm is None:  # frontmatter deleted by hand: give the file a fresh one
            fm = "".join(f"{k}: {v}\n" for k, v in owned.items())
            return f"---{old.newline}{fm.replace(chr(10), old.newline)}---{old.newline}{new_body}"
        yaml_lines = set_keys(old.fm.yaml, owned, order, old.newline)
        if not _same_keys(old.data, "".join(yaml_lines), owned):
            self.skip(rel, "its frontmatter could not be edited without touching other keys")
            return None
        return old.fm.open + "".join(yaml_lines) + old.fm.close + new_body

    def plan(self, rel: str, old: _Existing | None, new_text: str | None) -> None:
        if new_text is None:
            return
        data = old.encode(new_text) if old is not None else new_text.encode("utf-8")
        if old is None:
            self.created.append(rel)
        elif data == old.raw:
            self.unchanged.append(rel)
            return
        else:
            self.updated.append(rel)
        self.writes[rel] = data


def _same_keys(before: Mapping[str, Any], yaml_text: str, owned: Mapping[str, str]) -> bool:
    """True when ``yaml_text`` holds every key of ``before`` unchanged, except the owned
    ones, which read back as rendered (the guard against a frontmatter edit gone wrong)."""
    from ..specs import frontmatter as fmod

    parsed = fmod.split("", "---\n" + yaml_text.replace("\r\n", "\n") + "\n---\n")
    expected = fmod.split("", "---\n" + "".join(f"{k}: {v}\n" for k, v in owned.items()) + "---\n")
    if parsed.warnings:
        return False
    after = parsed.data
    kept = all(after.get(k) == v for k, v in before.items() if k not in owned)
    return kept and all(after.get(k) == expected.data.get(k) for k in owned)


def _story_rel(run: _Run, feature: FeatureDoc, story: StoryDoc) -> str | None:
    """The story's file: the one already there for its number, else ``us-NNN-slug.md``."""
    folder = run.root / feature.dir
    number = int(story.id.split("-")[1])
    found = []
    if folder.is_dir():
        for p in sorted(folder.iterdir()):
            m = _STORY_FILE.match(p.name)
            if m and p.is_file() and int(m.group(1)) == number:
                found.append(p.name)
    if len(found) > 1:
        names = ", ".join(found)
        run.skipped += [f"{feature.dir}/{n}" for n in found]
        msg = f"{story.id} has several files ({names}); none updated"
        run.warnings.append(Warning_(feature.dir, 1, msg))
        return None
    return f"{feature.dir}/{found[0] if found else render.story_filename(story)}"


def _id_clash(run: _Run, rel: str, old: _Existing | None, want: str) -> bool:
    have = old.data.get("id") if old is not None else None
    if have is not None and str(have) != want:
        run.skip(rel, f"its frontmatter id is {have}, not {want}")
        return True
    return False


def _plan_story(run: _Run, feature: FeatureDoc, story: StoryDoc, rel: str) -> None:
    old = run.existing(rel)
    if _id_clash(run, rel, old, story.id):
        return
    created = story.created or (old.data.get("created") if old else None) or run.today
    owned = render.story_frontmatter(story.replace(created=str(created)))
    sections = render.story_sections(story, feature)
    if old is None:
        run.plan(rel, None, render.new_file(owned, sections))
    else:
        run.plan(rel, old, run.merge(rel, old, owned, render.STORY_KEYS, sections))


def _plan_feature(run: _Run, feature: FeatureDoc, story_files: Mapping[str, str]) -> None:
    rel = f"{feature.dir}/FEATURE.md"
    old = run.existing(rel)
    if _id_clash(run, rel, old, feature.id):
        return
    kept = old.data if old is not None else {}
    created = feature.created or kept.get("created") or run.today
    updated = feature.updated or kept.get("lastUpdated")
    sections = render.feature_sections(feature, story_files)

    def text(updated: str | None) -> str | None:
        owned = render.feature_frontmatter(feature, str(created), updated or run.today)
        if old is None:
            return render.new_file(owned, sections)
        return run.merge(rel, old, owned, render.FEATURE_KEYS, sections)

    new = text(str(updated) if updated else None)
    # No increment dates the change: keep the file's date unless the content moved.
    if (
        new is not None
        and old is not None
        and feature.updated is None
        and old.encode(new) != old.raw
    ):
        new = text(run.today)
    run.plan(rel, old, new)


def sync_living_docs(
    repo_root: Path,
    config: Config | None,
    *,
    dry_run: bool = False,
    today: _dt.date | None = None,
) -> LivingDocsResult:
    """Bring the living docs of ``repo_root`` in line with its increments.

    Everything is read, validated and rendered before the first write, so a bad input
    (``UsageError``) leaves every file as it was. ``dry_run`` reports without writing.
    ``today`` (default: the local date) dates files no increment dates.
    """
    from ..config.atomic import atomic_write

    root = Path(repo_root)
    raw = config.raw if config is not None else {}
    increments, read_warnings = load_increments(root, raw)
    run = _Run(root, (today or _dt.date.today()).isoformat())
    run.warnings += read_warnings
    features = apply_pulled(build_features(increments))
    for feature in features:
        story_files: dict[str, str] = {}
        for story in feature.stories:
            rel = _story_rel(run, feature, story)
            story_files[story.id] = rel.rsplit("/", 1)[1] if rel else render.story_filename(story)
            if rel is not None:
                _plan_story(run, feature, story, rel)
        _plan_feature(run, feature, story_files)
    if not dry_run:
        for rel, data in run.writes.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, data)
    return LivingDocsResult(
        created=tuple(sorted(run.created)),
        updated=tuple(sorted(run.updated)),
        unchanged=tuple(sorted(run.unchanged)),
        skipped=tuple(sorted(run.skipped)),
        warnings=tuple(run.warnings),
        dry_run=dry_run,
        features=tuple(features),
    )
