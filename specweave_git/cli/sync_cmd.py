"""``specweave-git sync [github|jira|ado|all] [--push] [--pull] [--dry-run] [--strict]``.

Direction: neither flag or ``--push`` pushes (SpecWeave's default: specs -> tracker);
``--pull`` only pulls (tracker status -> specs, no tracker write at all); both flags pull
first, then push. ``all`` (the default) syncs every tracker ``sync.<platform>.enabled``
names; naming one that is not enabled is a usage error (exit 2) naming that key.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..sync.report import PlatformReport, SyncReport

CHOICES = ("github", "jira", "ado", "all")
# Outcomes listed one line per item in text output (the rest are only counted).
_LISTED = frozenset(
    {
        "created",
        "updated",
        "pulled",
        "conflict",
        "remote-changed",
        "denied",
        "failed",
        "deferred",
        "planned",
        "skipped",
    }
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "platform",
        nargs="?",
        choices=CHOICES,
        default="all",
        help="tracker to sync with (default: all enabled in the config)",
    )
    parser.add_argument(
        "--push",
        action="store_true",
        help="push the specs to the tracker (the default when --pull is not given)",
    )
    parser.add_argument(
        "--pull",
        action="store_true",
        help="pull the tracker's status back into the specs (with --push: pull, then push)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the plan (creates, updates, status changes, gate denials); write nothing",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when the permission gate denied a call or a conflict was found",
    )
    parser.add_argument(
        "--budget",
        type=_positive,
        metavar="N",
        default=None,
        help="write operations this run may make (default: sync.budget); the rest is "
        "deferred to the next run",
    )
    parser.add_argument(
        "--no-living-docs",
        action="store_true",
        help="do not bring the living docs up to date from the increments first",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def direction(args: argparse.Namespace) -> str:
    if args.pull:
        return "both" if args.push else "pull"
    return "push"


def platform_states(config: Any) -> dict[str, str]:
    """Every platform: ``enabled``, ``not enabled``, or ``no provider`` (enabled in the
    config, but this version cannot sync with it)."""
    from ..config.model import PLATFORMS
    from ..sync.providers import PROVIDERS

    out = {}
    for p in PLATFORMS:
        if not getattr(config.sync, p).enabled:
            out[p] = "not enabled"
        else:
            out[p] = "enabled" if p in PROVIDERS else "no provider"
    return out


def _platforms(choice: str, config: Any) -> tuple[str, ...]:
    from ..errors import UsageError

    states = platform_states(config)
    if choice == "all":
        return tuple(p for p, state in states.items() if state == "enabled")
    if states[choice] == "not enabled":
        file = str(config.path or ".specweave/config.json")
        raise UsageError(
            f"{choice} sync is not enabled: set sync.{choice}.enabled to true to sync with it",
            file=file,
            pointer=f"/sync/{choice}/enabled",
        )
    if states[choice] == "no provider":
        raise UsageError(f"syncing with {choice} is not supported yet", pointer=f"/sync/{choice}")
    return (choice,)


def _token() -> Any:
    import os

    from ..net.secret import as_secret

    return as_secret(os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN"))


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from ..config.load import load_config
    from ..gitio.repo import cache_dir, open_repo
    from ..sync.engine import SyncOptions, run_sync

    repo = open_repo(Path(args.repo) if args.repo else None)
    config = load_config(repo.root, cache_dir=cache_dir(repo))
    platforms = _platforms(args.platform, config)
    progress = None
    if args.format == "text" and sys.stderr.isatty():

        def progress(line: str) -> None:
            sys.stderr.write(f"\r\033[K{line}")
            sys.stderr.flush()

    options = SyncOptions(
        platforms=platforms,
        dry_run=args.dry_run,
        strict=args.strict,
        budget=args.budget,
        # GITHUB_TOKEN is for GitHub only: JIRA and Azure DevOps read their own variables.
        token=_token() if "github" in platforms else None,
        progress=progress,
        living_docs=not args.no_living_docs,
        direction=direction(args),
    )
    report = run_sync(repo, config, options)
    if progress is not None:
        sys.stderr.write("\r\033[K")
    code = 1 if report.failed or report.strict_failed else 0
    states = platform_states(config)
    if args.format == "json":
        import json

        data = {**report.to_json(), "direction": options.direction, "exit_code": code}
        if report.dry_run:
            data["side_by_side"] = side_by_side(report, states)
        print(json.dumps(data, indent=2))
        return code
    if report.dry_run and sys.stdout.isatty():
        _print_rich_table(report, states)
        print(render_text(report, states, table=False))
    else:
        print(render_text(report, states))
    return code


def side_by_side(report: SyncReport, states: dict[str, str]) -> dict[str, dict[str, Any]]:
    """platform -> ``{"state": ..., create: n, ...}``: every platform, synced or not.
    ``state``: planned (a dry run's counts), synced, error, not enabled, no provider,
    not selected (enabled, but the command named another platform)."""
    done = {p.platform: p for p in report.platforms}
    out: dict[str, dict[str, Any]] = {}
    for platform, state in states.items():
        p = done.get(platform)
        if p is None:
            out[platform] = {"state": "not selected" if state == "enabled" else state}
        elif p.error:
            out[platform] = {"state": "error", "error": p.error}
        else:
            row: dict[str, Any] = {"state": "planned" if report.dry_run else "synced"}
            out[platform] = {**row, "target": p.target, **p.table()}
    return out


def _table_rows(report: SyncReport, states: dict[str, str]) -> tuple[list[str], list[list[str]]]:
    from ..sync.report import TABLE_ROWS

    table = side_by_side(report, states)
    header = [""] + [f"{p} ({t['target']})" if t.get("target") else p for p, t in table.items()]
    rows = [["state"] + [str(t["state"]) for t in table.values()]]
    for name in TABLE_ROWS:
        rows.append([name] + [str(t[name]) if name in t else "-" for t in table.values()])
    return header, rows


def _print_rich_table(report: SyncReport, states: dict[str, str]) -> None:
    from rich.console import Console
    from rich.table import Table

    header, rows = _table_rows(report, states)
    table = Table(title="dry run: what each tracker would get")
    for i, name in enumerate(header):
        table.add_column(name, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row)
    Console().print(table)


def plain_table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [c.ljust(w) for c, w in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    return lines


def render_text(
    report: SyncReport, states: dict[str, str] | None = None, *, table: bool = True
) -> str:
    lines: list[str] = []
    if report.dry_run:
        lines.append("dry run: nothing is written (no tracker call that writes, no file, no state)")
        if table and states is not None:
            lines += plain_table(*_table_rows(report, states))
    docs = report.living_docs
    if docs.get("created") or docs.get("updated"):
        verb = "would change" if report.dry_run else "changed"
        n = len(docs.get("created", [])) + len(docs.get("updated", []))
        lines.append(f"living docs: {verb} {n} file(s)")
    if not report.platforms:
        lines.append("nothing to sync: no tracker is enabled (sync.github|jira|ado.enabled)")
    for p in report.platforms:
        lines += _platform_text(p, report.dry_run)
    for w in report.warnings:
        lines.append(f"warning: {w}")
    if report.strict_failed:
        lines.append("--strict: the gate denied calls or conflicts were found")
    return "\n".join(lines)


def _platform_text(p: PlatformReport, dry_run: bool) -> list[str]:
    head = f"{p.platform} ({p.target})"
    if p.error:
        return [f"{head}: error: {p.error}"]
    s = p.summary()
    pulls = p.direction in ("pull", "both")
    if dry_run:
        counts = f"{s['created']} to create, {s['updated']} to update"
        counts += f", {s['pulled']} to pull" if pulls else ""
    else:
        counts = f"{s['created']} created, {s['updated']} updated"
        counts += f", {s['pulled']} pulled" if pulls else ""
    counts += f", {s['unchanged']} unchanged, {s['denied']} denied, {s['failed']} failed"
    if s["deferred"]:
        counts += f", {s['deferred']} deferred (budget)"
    if s["conflict"]:
        counts += f", {s['conflict']} conflict(s)"
    if s["skipped"]:
        counts += f", {s['skipped']} skipped (external)"
    out = [f"{head}: {counts}; {p.requests} request(s), {p.writes} write(s)"]
    if p.duplicates_closed:
        out.append(f"  closed {p.duplicates_closed} duplicate(s) a concurrent run created")
    out += [f"  note: {n}" for n in p.notes]
    denied = [r for r in p.items if r.outcome == "denied"]
    reasons = {r.reason for r in denied}
    if denied and len(denied) == len(p.items) and len(reasons) == 1:
        out.append(f"  every item denied: {reasons.pop()}")
        return out
    for r in p.items:
        if r.outcome not in _LISTED:
            continue
        where = f" #{r.id.rpartition(':')[2]}" if r.id else ""
        ops = ["close" if op == "set_status" and r.closes else op for op in r.ops]
        what = r.outcome if r.outcome != "planned" else "would " + "+".join(ops)
        why = f": {r.reason}" if r.reason and r.outcome != "planned" else ""
        if r.outcome == "planned" and "denied" in r.reason:
            why = f" ({r.reason.split('; ', 1)[1]})"
        if r.outcome == "planned" and r.ops == ("pull",):
            why = f": {r.reason.removeprefix('would ')}"
        out.append(f"  {what:<14} {r.key}{where}{why}")
    if p.outbox and any(p.outbox.values()):
        pending = ", ".join(f"{n} {k}" for k, n in p.outbox.items() if n)
        out.append(f"  outbox (replayed first next run): {pending}")
    return out
