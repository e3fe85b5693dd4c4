"""Which repository files are specs (``discrepancy.specGlobs``) and increments' metadata."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..code.select import glob_any, glob_match
from ..model import Skipped
from ..record import FrozenRecord, set_field

# The defaults of discrepancy.specGlobs (config/schema.json); the config passes its own.
DEFAULT_SPEC_GLOBS: tuple[str, ...] = (
    ".specweave/increments/*/spec.md",
    ".specweave/increments/*/tasks.md",
    ".specweave/docs/internal/specs/**/*.md",
    "docs/**/*.md",
)
ARCHIVE_DIR = "_archive"
_INCREMENT = re.compile(r"^\.specweave/increments/([^/]+)/")
_METADATA = re.compile(r"^\.specweave/increments/([^/]+)/metadata\.json$")


class SpecOptions(FrozenRecord):
    __slots__ = ("ignore", "max_bytes", "spec_globs")

    spec_globs: tuple[str, ...]
    ignore: tuple[str, ...]  # discrepancy.ignorePaths
    max_bytes: int | None  # discrepancy.maxFileBytes, checked when sizes are known

    def __init__(
        self,
        spec_globs: tuple[str, ...] = DEFAULT_SPEC_GLOBS,
        ignore: tuple[str, ...] = (),
        max_bytes: int | None = None,
    ) -> None:
        set_field(self, "spec_globs", spec_globs)
        set_field(self, "ignore", ignore)
        set_field(self, "max_bytes", max_bytes)


class Selection(FrozenRecord):
    """(path, blob id) pairs: spec markdown, and the metadata.json of increments."""

    __slots__ = ("metadata", "skipped", "specs")

    specs: tuple[tuple[str, str], ...]
    metadata: tuple[tuple[str, str], ...]
    skipped: tuple[Skipped, ...]

    def __init__(
        self,
        specs: tuple[tuple[str, str], ...],
        metadata: tuple[tuple[str, str], ...],
        skipped: tuple[Skipped, ...],
    ) -> None:
        set_field(self, "specs", specs)
        set_field(self, "metadata", metadata)
        set_field(self, "skipped", skipped)


def is_archived(path: str) -> bool:
    """SpecWeave moves finished work under ``_archive/``: history, not the living spec."""
    return ARCHIVE_DIR in path.split("/")[:-1]


def increment_of(path: str) -> str | None:
    """``.specweave/increments/0001-user-api/spec.md`` -> ``0001-user-api``."""
    if is_archived(path):
        return None
    m = _INCREMENT.match(path)
    return m.group(1) if m else None


def skip_reason(path: str, options: SpecOptions) -> str | None:
    """Why a spec-glob match is not read, or None when it is read."""
    if is_archived(path):
        return "archived (_archive/)"
    for pattern in options.ignore:
        if glob_match(path, pattern):
            return f"ignored by {pattern}"
    return None


def is_spec(path: str, options: SpecOptions | None = None) -> bool:
    opts = options or SpecOptions()
    return any(glob_match(path, g) for g in opts.spec_globs) and skip_reason(path, opts) is None


def select(entries: Iterable[tuple[str, str]], options: SpecOptions | None = None) -> Selection:
    """Split (path, blob id) pairs of a tree into specs and metadata.json files to read."""
    opts = options or SpecOptions()
    specs: list[tuple[str, str]] = []
    metadata: list[tuple[str, str]] = []
    skipped: list[Skipped] = []
    for path, blob in entries:
        if _METADATA.match(path):
            if not is_archived(path) and skip_reason(path, opts) is None:
                metadata.append((path, blob))
            continue
        # An archived spec is reported as skipped when it would match without `_archive/`.
        seen_as = (
            "/".join(p for p in path.split("/") if p != ARCHIVE_DIR)
            if ARCHIVE_DIR in path
            else path
        )
        if not glob_any(seen_as, opts.spec_globs):
            continue
        reason = skip_reason(path, opts)
        if reason:
            skipped.append(Skipped(path, reason))
        else:
            specs.append((path, blob))
    specs.sort()
    metadata.sort()
    return Selection(tuple(specs), tuple(metadata), tuple(skipped))
