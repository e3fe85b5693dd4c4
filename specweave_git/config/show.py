"""``config show --format text``: every owned key, its effective value and where it came from."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .model import Config
from .schema import iter_keys

_ABSENT = object()


def _lookup(doc: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = doc
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return _ABSENT
        node = node[part]
    return node


def render_text(config: Config) -> str:
    source = str(config.path) if config.path is not None else "no config file"
    lines = [f"# effective config ({source}); '# default' marks values not set in the file"]
    for key in iter_keys():
        value = _lookup(config.effective, key.path)
        if value is _ABSENT:
            continue  # no value and no default (owner/repo of a disabled tracker)
        text = json.dumps(value, ensure_ascii=False)
        mark = "  # default" if _lookup(config.raw, key.path) is _ABSENT else ""
        lines.append(f"{key.dotted} = {text}{mark}")
    return "\n".join(lines) + "\n"
