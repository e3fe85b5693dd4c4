"""Upgrade a legacy SpecWeave config: sync direction to the three flags, default blocks added."""

from __future__ import annotations

import copy
import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError, Problem, UsageError
from . import jsonedit, schema, validate
from .atomic import atomic_write
from .load import read_bytes

FLAGS: tuple[str, str, str] = (
    "canUpsertInternalItems",
    "canUpdateExternalItems",
    "canUpdateStatus",
)

# How SpecWeave itself maps the single legacy direction to the three flags:
# anton-abyzov/specweave, src/core/types/sync-settings.ts, migrateSyncDirection()
# (v0.24.0, "three-permission architecture"; `to-external`/`from-external` are aliases).
DIRECTION_FLAGS: dict[str, tuple[bool, bool, bool]] = {
    "bidirectional": (True, True, True),
    "export": (True, False, False),
    "to-external": (True, False, False),
    "import": (False, False, True),
    "from-external": (False, False, True),
}

# Legacy keys under `sync`, newest first: `preset` (SpecWeave's init skill writes it),
# `direction` (config.json of SpecWeave <= 0.23 and still in its own repo),
# `syncDirection` (the original pre-0.24 name).
LEGACY_KEYS: tuple[str, ...] = ("preset", "direction", "syncDirection")


@dataclass(frozen=True, slots=True)
class Migration:
    file: Path
    old_text: str
    new_text: str
    changes: tuple[str, ...]
    bom: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def diff(self) -> str:
        name = self.file.as_posix()
        old, new = (name, name) if self.file.is_absolute() else (f"a/{name}", f"b/{name}")
        lines = difflib.unified_diff(
            self.old_text.splitlines(keepends=True),
            self.new_text.splitlines(keepends=True),
            old,
            new,
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)

    def write(self) -> None:
        data = self.new_text.encode("utf-8")
        if self.bom:
            data = b"\xef\xbb\xbf" + data
        try:
            atomic_write(self.file, data)
        except OSError as e:
            raise UsageError(f"cannot write: {e.strerror or e}", file=str(self.file)) from None


def _indent(text: str) -> str:
    """The file's indent unit: its first indented line's leading whitespace."""
    m = re.search(r"^([ \t]+)\S", text, re.MULTILINE)
    if m is None:
        return "  "
    return "\t" if m.group(1).startswith("\t") else m.group(1)


def _insert_after(mapping: dict[str, Any], after: str | None, key: str, value: Any) -> None:
    """Insert ``key`` right after ``after`` (or at the end), keeping every other key's place."""
    if after is None or after not in mapping:
        mapping[key] = value
        return
    items = list(mapping.items())
    mapping.clear()
    for k, v in items:
        mapping[k] = v
        if k == after:
            mapping[key] = value


def _legacy_flags(
    name: str, sync: dict[str, Any]
) -> tuple[str | None, tuple[bool, bool, bool] | None]:
    """(the legacy key in use, its flags); ConfigError for values SpecWeave never mapped."""
    present = [k for k in LEGACY_KEYS if k in sync]
    if not present:
        return None, None
    problems = []
    mapped: dict[str, tuple[bool, bool, bool]] = {}
    for key in present:
        value = sync[key]
        if isinstance(value, str) and value in DIRECTION_FLAGS:
            mapped[key] = DIRECTION_FLAGS[value]
        else:
            problems.append(
                Problem(
                    name,
                    f"/sync/{key}",
                    f"{value!r} is not a legacy sync direction "
                    f"({', '.join(DIRECTION_FLAGS)}); set sync.settings by hand",
                )
            )
    if problems:
        raise ConfigError(problems)
    if len(set(mapped.values())) > 1:
        first, *rest = present
        raise ConfigError(
            [
                Problem(
                    name,
                    f"/sync/{other}",
                    f"{sync[other]!r} disagrees with /sync/{first} {sync[first]!r}; "
                    "keep one of them",
                )
                for other in rest
            ]
        )
    return present[0], mapped[present[0]]


def _fill_blocks(node: dict[str, Any], value: dict[str, Any], where: str, out: list[str]) -> None:
    """Add every missing object section (not single settings) with its defaults."""
    node = schema.resolve(node)
    for key, sub in node.get("properties", {}).items():
        sub_node = schema.resolve(sub)
        if "properties" not in sub_node:
            continue
        if key not in value:
            value[key] = schema.default_for(sub_node)
            out.append(f"added {where}.{key} with defaults")
        elif isinstance(value[key], dict):
            _fill_blocks(sub_node, value[key], f"{where}.{key}", out)


def plan(file: Path) -> Migration:
    """What ``config migrate`` would change in ``file`` (nothing is written)."""
    name = str(file)
    data = read_bytes(file)
    text = validate.decode(name, data)
    doc = validate.parse(name, data)
    new = copy.deepcopy(doc)
    changes: list[str] = []

    sync = new.setdefault("sync", {})
    if "sync" not in doc:
        changes.append("added sync")
    if not isinstance(sync, dict):
        raise ConfigError(
            [Problem(name, "/sync", f"expected object, got {validate.json_type(sync)}")]
        )

    legacy_key, flags = None, None
    settings = sync.get("settings")
    if settings is None or (isinstance(settings, dict) and any(f not in settings for f in FLAGS)):
        legacy_key, flags = _legacy_flags(name, sync)
    if settings is None:
        block = schema.default_for(schema.schema()["$defs"]["settings"])
        if flags is not None:
            block.update(zip(FLAGS, flags, strict=True))
        _insert_after(sync, legacy_key, "settings", block)
        how = f" from sync.{legacy_key} {sync[legacy_key]!r}" if legacy_key else " with defaults"
        changes.append(f"added sync.settings{how}")
    elif isinstance(settings, dict) and flags is not None:
        for flag, on in zip(FLAGS, flags, strict=True):
            if flag not in settings:
                settings[flag] = on
                changes.append(
                    f"set sync.settings.{flag} = {str(on).lower()} from sync.{legacy_key}"
                )

    _fill_blocks(schema.schema()["$defs"]["sync"], sync, "sync", changes)
    if not changes:
        return Migration(file, text, text, ())

    validate.check(name, new)
    newline = "\r\n" if "\r\n" in text else "\n"
    rendered = jsonedit.render(text, doc, new, indent=_indent(text), newline=newline)
    return Migration(file, text, rendered, tuple(changes), bom=data.startswith(b"\xef\xbb\xbf"))
