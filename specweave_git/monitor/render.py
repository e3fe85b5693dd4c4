"""Plain renderers of the Dashboard: text (not a terminal), JSON, and Markdown with a
mermaid ``xychart-beta`` of the drift trend (GitHub renders it in a job summary)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from .model import ACTIVITY, DRIFT_SEVERITIES, NOTIFY_SEVERITIES, Dashboard, TrendPoint

BARS = "▁▂▃▄▅▆▇█"
HINT_NO_SCANS = "no check recorded in the git notes yet"


def sparkline(values: Sequence[int]) -> str:
    """One block character per value, scaled to the largest (all lowest when all 0)."""
    top = max(values, default=0)
    if top <= 0:
        return BARS[0] * len(values)
    return "".join(BARS[round(v / top * (len(BARS) - 1))] for v in values)


def short_time(at: str) -> str:
    """``2026-03-01T12:00:00Z`` -> ``03-01 12:00``."""
    return f"{at[5:10]} {at[11:16]}" if len(at) >= 16 else at


def trend_labels(points: Sequence[TrendPoint]) -> list[str]:
    """x-axis labels: the scan's time, made unique (a band axis merges equal names)."""
    labels: list[str] = []
    for p in points:
        label = short_time(p.at)
        n, candidate = 1, label
        while candidate in labels:
            n += 1
            candidate = f"{label} ({n})"
        labels.append(candidate)
    return labels


def series(points: Sequence[TrendPoint]) -> dict[str, list[int]]:
    """severity -> its count in each scan, oldest first; and ``total``."""
    found = {s: [p.counts.get(s, 0) for p in points] for s in DRIFT_SEVERITIES}
    found["total"] = [p.total for p in points]
    return found


def trend_title(d: Dashboard) -> str:
    return f"Drift trend (last {len(d.trend)} {d.trend_kind})" if d.trend else "Drift trend"


def job_cells(d: Dashboard, *, compact: bool = False) -> list[tuple[str, ...]]:
    """Rows of the jobs table; ``compact`` times (``2026-03-10 11:00``) for narrow panels."""

    def when(at: str | None) -> str | None:
        return at[:16].replace("T", " ") if compact and at else at

    rows: list[tuple[str, ...]] = []
    for j in d.jobs:
        status = j.status + (" (due)" if j.due else "")
        if j.retries and j.status == "idle":
            status += f" (retry {j.retries})"
        rows.append(
            (
                j.job,
                "yes" if j.enabled else "no",
                status,
                when(j.last_run) or "never",
                "due now" if j.due else (when(j.next_run) or "—"),
                j.last_outcome or "—",
            )
        )
    return rows


JOB_HEADER = ("job", "enabled", "status", "last run", "next run", "last outcome")
SYNC_HEADER = ("platform", *ACTIVITY)


def sync_cells(d: Dashboard) -> list[tuple[str, ...]]:
    rows = [(p, *(str(c.get(a, 0)) for a in ACTIVITY)) for p, c in sorted(d.sync.items())]
    if len(rows) > 1:
        totals = d.sync_totals()
        rows.append(("total", *(str(totals[a]) for a in ACTIVITY)))
    return rows


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return [
        (indent + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))).rstrip()
        for row in [header, *rows]
    ]


def render_text(d: Dashboard) -> str:
    """The dashboard as plain text (what a pipe or a CI log gets)."""
    out = [f"specweave-git monitor — {d.repo} — {d.generated_at}", ""]
    state = "on" if d.scheduler_enabled else "off"
    out.append(f"Jobs (scheduler {state})")
    out += _table(JOB_HEADER, job_cells(d))
    out += [f"  {j.job}: last error: {j.last_error}" for j in d.jobs if j.last_error]
    out += ["", "Notifications"]
    out.append(f"  {d.pending_line or 'no pending notifications'}")
    for r in d.recent:
        out.append(f"  {r.severity:<8}  {r.id}  {r.created_at}  {r.type}: {r.title}")
    out += ["", f"Sync activity (last {d.window_hours} h)"]
    cells = sync_cells(d)
    out += _table(SYNC_HEADER, cells) if cells else ["  no sync calls recorded"]
    out += ["", trend_title(d)]
    if not d.trend:
        out.append(f"  {HINT_NO_SCANS}")
    else:
        data = series(d.trend)
        width = max(len(k) for k in data)
        for name in ("total", *reversed(DRIFT_SEVERITIES)):
            values = data[name]
            out.append(f"  {name:<{width}}  {sparkline(values)}  {values[-1]} (latest)")
        first, last = d.trend[0], d.trend[-1]
        out.append(f"  from {first.at} ({first.commit[:12]}) to {last.at} ({last.commit[:12]})")
    for problem in d.problems:
        out.append(f"note: {problem}")
    return "\n".join(out) + "\n"


def render_json(d: Dashboard) -> str:
    return json.dumps(d.to_json(), indent=2, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------------- markdown


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return out


def _mermaid_text(text: str) -> str:
    # A mermaid string ends at the next double quote; there is no escape for one.
    return '"' + text.replace('"', "'") + '"'


def mermaid_trend(d: Dashboard) -> list[str]:
    """The ```mermaid xychart-beta block: one line per drift severity over the scans."""
    data = series(d.trend)
    top = max([1, *(v for name in DRIFT_SEVERITIES for v in data[name])])
    labels = ", ".join(_mermaid_text(x) for x in trend_labels(d.trend))
    title = f"Discrepancies by severity, last {len(d.trend)} {d.trend_kind}"
    out = [
        "```mermaid",
        "xychart-beta",
        f"    title {_mermaid_text(title)}",
        f"    x-axis [{labels}]",
        f'    y-axis "discrepancies" 0 --> {top}',
    ]
    for name in DRIFT_SEVERITIES:
        out.append(f"    line {_mermaid_text(name)} [{', '.join(str(v) for v in data[name])}]")
    out.append("```")
    return out


def render_markdown(d: Dashboard) -> str:
    """For ``$GITHUB_STEP_SUMMARY``: tables, and the trend as a chart GitHub draws."""
    out = [f"## specweave-git monitor: {_md_cell(d.repo)}", "", f"_generated {d.generated_at}_", ""]
    state = "on" if d.scheduler_enabled else "off"
    out += [f"### Jobs (scheduler {state})", ""]
    out += _md_table(JOB_HEADER, job_cells(d))
    errors = [f"- `{j.job}`: {_md_cell(j.last_error)}" for j in d.jobs if j.last_error]
    out += ["", *errors, *([""] if errors else [])]
    out += ["### Notifications", ""]
    total = sum(d.notifications.values())
    parts = ", ".join(f"{d.notifications.get(s, 0)} {s}" for s in NOTIFY_SEVERITIES)
    out.append(f"**{total} pending** ({parts})" if total else "No pending notifications.")
    if d.recent:
        out.append("")
        out += _md_table(
            ("severity", "id", "type", "title", "created"),
            [(r.severity, f"`{r.id}`", r.type, r.title, r.created_at) for r in d.recent],
        )
    out += ["", f"### Sync activity (last {d.window_hours} h)", ""]
    cells = sync_cells(d)
    out += _md_table(SYNC_HEADER, cells) if cells else ["No sync calls recorded."]
    out += ["", f"### {trend_title(d)}", ""]
    if not d.trend:
        out.append(HINT_NO_SCANS[0].upper() + HINT_NO_SCANS[1:] + ".")
    else:
        # mermaid's xychart draws no legend: name the lines, the table has the numbers.
        out.append(f"_One line per severity: {', '.join(DRIFT_SEVERITIES)}._")
        out.append("")
        out += mermaid_trend(d)
        out.append("")
        out += _md_table(
            ("scan", "commit", *DRIFT_SEVERITIES, "total"),
            [
                (
                    p.at,
                    f"`{p.commit[:12]}`",
                    *(str(p.counts.get(s, 0)) for s in DRIFT_SEVERITIES),
                    str(p.total),
                )
                for p in d.trend
            ],
        )
    if d.problems:
        out += ["", *(f"> note: {_md_cell(p)}" for p in d.problems)]
    return "\n".join(out) + "\n"
