"""Terminal and log text: findings grouped by severity, most severe first, then a summary line.

One layout, two outputs: plain strings (hook, CI logs, pipes: never imports rich, a slow
import) or rich-styled text for a colour terminal.
"""

from __future__ import annotations

from ..drift.model import Discrepancy
from ..drift.result import CheckResult
from ._common import by_severity, summary_line, where

# A line is a list of (text, style) segments; style is a rich style name or None.
Segment = tuple[str, str | None]
Line = list[Segment]

SEVERITY_STYLE = {
    "breaking": "bold red",
    "major": "red",
    "minor": "yellow",
    "trivial": "cyan",
}
STATUS_STYLE = {"accepted": "green", "dismissed": "dim", "fixed": "green"}


def _item(d: Discrepancy) -> list[Line]:
    sev = SEVERITY_STYLE.get(d.severity)
    lines: list[Line] = [
        [
            ("  ", None),
            (d.severity, sev),
            ("  ", None),
            (d.rule, "bold"),
            ("  ", None),
            (d.subject, None),
            (f"  [{d.fingerprint}]", "dim"),
        ],
        [("    ", None), (d.message, None)],
        [("    spec: ", "dim"), (where(d.spec), None)],
        [("    code: ", "dim"), (where(d.code), None)],
    ]
    if d.recommendation:
        lines.append([("    recommendation: ", "dim"), (d.recommendation, None)])
    if d.status != "new":
        lines.append([("    status: ", "dim"), (d.status, STATUS_STYLE.get(d.status))])
    return lines


def layout(result: CheckResult) -> list[Line]:
    lines: list[Line] = []
    for severity, items in by_severity(result.discrepancies):
        lines.append([(f"{severity.upper()} ({len(items)})", SEVERITY_STYLE.get(severity))])
        for d in items:
            lines.extend(_item(d))
        lines.append([])
    if result.stale_baseline:
        lines.append(
            [
                (
                    "stale baseline entries (their finding is gone): "
                    + ", ".join(result.stale_baseline)
                    + " — see `specweave-git discrepancies list`",
                    "yellow",
                )
            ]
        )
    for warning in result.warnings:
        lines.append([("warning: ", "yellow"), (warning, None)])
    if result.fixed_files:
        import shlex

        files = " ".join(shlex.quote(f) for f in result.fixed_files)
        lines.append(
            [
                (f"fixed {len(result.fixed_files)} spec file(s) from the code; ", "green"),
                (f"re-stage: git add {files}", "bold"),
            ]
        )
    exit_style = "bold red" if result.exit_code else "bold green"
    lines.append([(summary_line(result), exit_style)])
    return lines


def _plain(lines: list[Line]) -> str:
    return "".join("".join(text for text, _ in line) + "\n" for line in lines)


def _rich(lines: list[Line], width: int | None) -> str:
    import io
    import shutil

    # Lazy: rich costs more than the whole hook budget to import (DESIGN §11).
    from rich.console import Console
    from rich.text import Text

    buf = io.StringIO()
    console = Console(
        file=buf,
        force_terminal=True,  # the caller decided colour; rich must not second-guess it
        no_color=False,
        color_system="standard",
        width=width or shutil.get_terminal_size((100, 24)).columns,
        markup=False,  # user text (subjects, messages) is never parsed as markup
        highlight=False,
        emoji=False,
    )
    for line in lines:
        console.print(Text.assemble(*[(t, s or "") for t, s in line]))
    return buf.getvalue()


def render(result: CheckResult, *, color: bool = False, width: int | None = None) -> str:
    lines = layout(result)
    return _rich(lines, width) if color else _plain(lines)
