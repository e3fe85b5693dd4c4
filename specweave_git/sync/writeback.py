"""Write tracker ids back into the specs: a file's ``external:`` block and metadata.json.

Only the ``external:`` block of the frontmatter is rewritten (every other line is kept
byte for byte, line endings included), and metadata.json keeps the spelling of every
value it does not change (``config.jsonedit``). Stories' ids go to metadata.json under
``externalLinks.<platform>.userStories.<US-001>`` so they never clash with the increment's
own ``github.issue``; a feature's under ``externalLinks.<platform>.feature``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:")
_FENCE = re.compile(r"^---[ \t]*\r?\n?$")

Ids = Mapping[str, str | int]


def _yaml() -> Any:
    import yaml

    return yaml


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _frontmatter_end(lines: list[str]) -> int | None:
    if not lines or not _FENCE.match(lines[0]):
        return None
    for i in range(1, len(lines)):
        if re.match(r"^(---|\.\.\.)[ \t]*\r?\n?$", lines[i]):
            return i
    return None


def _block(lines: list[str], start: int, end: int, key: str) -> tuple[int, int] | None:
    """(first, past-last) line of the top-level ``key`` between ``start`` and ``end``."""
    for i in range(start, end):
        m = _TOP_KEY.match(lines[i])
        if m is None or m.group(1) != key:
            continue
        j = i + 1
        last = i + 1
        while j < end:
            stripped = lines[j].strip()
            if stripped and not lines[j].startswith((" ", "\t", "-")):
                break
            if stripped:
                last = j + 1
            j += 1
        return i, last
    return None


def set_external(text: str, platform: str, ids: Ids) -> str | None:
    """``text`` with ``external.<platform>`` holding ``ids`` (other keys of it kept).

    None when the frontmatter cannot be read safely (invalid YAML, not a mapping): the
    caller leaves the file alone and says so. A file without frontmatter gets one.
    """
    yaml = _yaml()
    nl = _newline(text)
    lines = _lines(text)
    end = _frontmatter_end(lines)
    if end is None:
        block = _render({platform: dict(ids)}, nl)
        return f"---{nl}{block}---{nl}{text}"
    try:
        data = yaml.safe_load("".join(lines[1:end])) or {}
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict):
        return None
    external = data.get("external")
    if external is not None and not isinstance(external, dict):
        return None
    merged: dict[str, Any] = dict(external or {})
    current = merged.get(platform)
    entry = dict(current) if isinstance(current, dict) else {}
    entry.update(ids)
    merged[platform] = entry
    rendered = _render(merged, nl)
    where = _block(lines, 1, end, "external")
    if where is None:
        if lines[end - 1 : end] and not lines[end - 1].endswith("\n"):
            lines[end - 1] += nl
        lines[end:end] = [rendered]
    else:
        lines[where[0] : where[1]] = [rendered]
    return "".join(lines)


def _render(external: Mapping[str, Any], nl: str) -> str:
    dumped: str = _yaml().safe_dump(
        {"external": dict(external)},
        default_flow_style=False,
        sort_keys=False,
        allow_unicode=True,
        width=1000,
    )
    return dumped.replace("\n", nl)


def set_metadata(text: str, platform: str, where: tuple[str, ...], ids: Ids) -> str | None:
    """metadata.json with ``ids`` at ``externalLinks.<platform>.<where...>`` (a story:
    ``("userStories", "US-001")``, a feature: ``("feature",)``), other values kept as
    they are spelled. None for a file that is not a JSON object of objects."""
    from ..config.jsonedit import render

    try:
        old = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(old, dict):
        return None
    new = json.loads(text)
    node: Any = new
    for part in ("externalLinks", platform, *where):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            return None
        node = child
    node.update(ids)
    if new == old:
        return text
    return render(text, old, new, newline=_newline(text))


def read_exact(path: Path) -> str | None:
    """The file as written (bytes decoded, so a CRLF file stays CRLF when rewritten), or
    None when it cannot be read as UTF-8."""
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def write_if_changed(path: Path, old: str, new: str | None) -> bool:
    """Write ``new`` atomically when it differs from ``old``; True when written."""
    from ..config.atomic import atomic_write

    if new is None or new == old:
        return False
    atomic_write(path, new.encode("utf-8"))
    return True
