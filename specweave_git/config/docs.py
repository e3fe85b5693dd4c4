"""The README's table of owned config keys, rendered from the schema (one truth)."""

from __future__ import annotations

import json
from typing import Any

from .schema import MISSING, iter_keys

BEGIN = "<!-- config-table:begin -->"
END = "<!-- config-table:end -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _default_text(value: Any) -> str:
    if value is MISSING:
        return "—"
    text = json.dumps(value, ensure_ascii=False)
    if len(text) > 60:
        # Long structured defaults (status mappings) are SpecWeave's; the schema has them.
        return "SpecWeave's (see schema.json)"
    return f"`{text}`"


def render_table() -> str:
    """A markdown table: key, type, default, meaning; between markers for the README."""
    rows = [
        BEGIN,
        "| key | type | default | meaning |",
        "|---|---|---|---|",
    ]
    for key in iter_keys():
        rows.append(
            f"| `{_cell(key.dotted)}` | {_cell(key.type)} | {_cell(_default_text(key.default))}"
            f" | {_cell(key.description)} |"
        )
    rows.append(END)
    return "\n".join(rows)
