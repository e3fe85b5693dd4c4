"""The README table of drift rules, rendered from the rule table (one truth)."""

from __future__ import annotations

from .model import RULES

BEGIN = "<!-- rules-table:begin -->"
END = "<!-- rules-table:end -->"


def rules_table() -> str:
    lines = [
        "| rule | default severity | `checkTypes` group | meaning |",
        "|---|---|---|---|",
    ]
    for r in RULES.values():
        lines.append(f"| `{r.id}` | {r.severity} | {r.check_type} | {r.summary} |")
    return "\n".join(lines)


def render_into(readme: str) -> str:
    """README text with the table between the markers replaced by the current one."""
    head, _, rest = readme.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{rules_table()}\n{END}{tail}"
