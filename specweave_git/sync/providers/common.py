"""What the GitHub, JIRA and Azure DevOps providers share: titles, markers, build checks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...errors import UsageError

if TYPE_CHECKING:
    from ...config.model import Config
    from ..items import Item

# The marker in an issue's or work item's HTML description (JIRA's ADF has its own).
_MARKER = re.compile(r"<!--\s*specweave:(\S+?)\s*-->")
_STORY_TITLE = re.compile(r"^\[(FS-\d+E?)\]\[(US-\d+E?)\]")
_FEATURE_TITLE = re.compile(r"^(FS-\d+E?)\s*:")


def marker_key(text: str | None) -> str | None:
    m = _MARKER.search(text or "")
    return m.group(1) if m else None


def story_title(item: Item) -> str:
    return f"[{item.feature}][{item.id}] {item.title}".rstrip()


def feature_title(item: Item) -> str:
    return f"{item.id}: {item.title}" if item.title and item.title != item.id else item.id


def story_key_of_title(title: str) -> str | None:
    """``[FS-001][US-002] ...`` -> ``FS-001/US-002``: an item whose marker was removed."""
    m = _STORY_TITLE.match(title)
    return f"{m.group(1)}/{m.group(2)}" if m else None


def feature_key_of_title(title: str) -> str | None:
    """``FS-001: ...`` -> ``FS-001``."""
    m = _FEATURE_TITLE.match(title)
    return m.group(1) if m else None


def plain_text(value: Any) -> str:
    """A tracker's text field as the rendering has it (``\\n`` line ends, never None)."""
    return str(value or "").replace("\r\n", "\n")


def config_file(config: Config) -> str:
    return str(config.path or ".specweave/config.json")


def require_target(config: Config, pointer: str, message: str, *values: str | None) -> list[str]:
    """``values``, the keys that name the sync target; a UsageError naming the config
    file and ``pointer`` when one is not set."""
    if not all(values):
        raise UsageError(message, file=config_file(config), pointer=pointer)
    return [v for v in values if v]


def status_mappings(config: Config, platform: str) -> Mapping[str, Any]:
    """``sync.statusSync.mappings.<platform>``; empty when not configured."""
    return config.sync.status_sync.mappings.get(platform, {})
