"""The dashboard on a terminal: a ``rich`` layout of panels, the trend as sparklines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import DRIFT_SEVERITIES, NOTIFY_SEVERITIES, Dashboard
from .render import JOB_HEADER, SYNC_HEADER, job_cells, series, sparkline, sync_cells, trend_title

if TYPE_CHECKING:
    from rich.console import RenderableType

_STATUS_STYLE = {"failed": "bold red", "running": "yellow", "disabled": "dim", "unknown": "red"}
_SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}
_DRIFT_STYLE = {"breaking": "bold red", "major": "red", "minor": "yellow", "trivial": "dim"}


def renderable(d: Dashboard) -> RenderableType:
    """Jobs across the top, notifications and sync activity side by side, the trend
    below; every panel sized to its content (a full-screen ``Layout`` would crop it)."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    jobs = Table(*JOB_HEADER, expand=True, box=None, header_style="bold")
    for row, job in zip(job_cells(d, compact=True), d.jobs, strict=True):
        style = _STATUS_STYLE.get(job.status, "")
        jobs.add_row(*row[:2], Text(row[2], style=style), *row[3:])
    state = "on" if d.scheduler_enabled else "off"
    job_parts: list[RenderableType] = [jobs]
    job_parts += [Text(f"{j.job}: {j.last_error}", style="red") for j in d.jobs if j.last_error]
    top = Panel(Group(*job_parts), title=f"Jobs (scheduler {state})", title_align="left")

    notes = Table.grid(padding=(0, 1))
    counts = Text()
    for severity in NOTIFY_SEVERITIES:
        n = d.notifications.get(severity, 0)
        counts.append(f"{n} {severity}  ", style=_SEVERITY_STYLE[severity] if n else "dim")
    notes.add_row(counts if d.pending_line else Text("no pending notifications", style="dim"))
    for r in d.recent:
        line = Text()
        line.append(f"{r.severity:<8}", style=_SEVERITY_STYLE.get(r.severity, ""))
        line.append(f" {r.id[:8]} {r.type}: {r.title}")
        notes.add_row(line)
    left = Panel(notes, title="Notifications", title_align="left")

    cells = sync_cells(d)
    sync: RenderableType = Text("no sync calls recorded", style="dim")
    if cells:
        table = Table(box=None, header_style="bold")
        for i, name in enumerate(SYNC_HEADER):
            table.add_column(name, justify="left" if i == 0 else "right")
        for row in cells:
            table.add_row(*row)
        sync = table
    right = Panel(sync, title=f"Sync activity ({d.window_hours} h)", title_align="left")

    middle = Table.grid(expand=True, padding=(0, 1))
    middle.add_column(ratio=1)
    middle.add_column(ratio=1)
    middle.add_row(left, right)

    if d.trend:
        data = series(d.trend)
        trend = Table.grid(padding=(0, 2))
        for name in ("total", *reversed(DRIFT_SEVERITIES)):
            values = data[name]
            trend.add_row(
                Text(name, style=_DRIFT_STYLE.get(name, "bold")),
                Text(sparkline(values), style=_DRIFT_STYLE.get(name, "bold")),
                f"{values[-1]} latest",
                f"max {max(values)}",
            )
        first, last = d.trend[0], d.trend[-1]
        body: RenderableType = Group(
            trend, Text(f"{first.at} .. {last.at} (head {last.commit[:12]})", style="dim")
        )
    else:
        body = Text("no check recorded in the git notes yet", style="dim")
    bottom = Panel(body, title=trend_title(d), title_align="left")

    parts: list[RenderableType] = [top, middle, bottom]
    parts += [Text(f"note: {p}", style="yellow") for p in d.problems]
    header = [Text(f"specweave-git monitor — {d.repo} — {d.generated_at}", style="bold")]
    if d.pending_line:
        # The line `check` prints (notify.terminal), full width so it never wraps.
        header.append(Text(d.pending_line, style="yellow"))
    return Group(*header, *parts)
