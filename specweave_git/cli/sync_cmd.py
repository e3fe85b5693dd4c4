"""``specweave-git sync [github|all] [--push] [--dry-run] [--strict] [--budget N]``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..sync.report import PlatformReport, SyncReport

CHOICES = ("github", "jira", "ado", "all")
# Outcomes listed one line per item in text output (the rest are only counted).
_LISTED = frozenset(
    {"created", "updated", "conflict", "remote-changed", "denied", "failed", "deferred", "planned"}
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
        help="push the specs to the tracker (the default, and for now the only direction)",
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


def _platforms(choice: str, config: Any) -> tuple[str, ...]:
    from ..config.model import PLATFORMS
    from ..errors import UsageError
    from ..sync.providers import PROVIDERS

    file = str(config.path or ".specweave/config.json")
    if choice == "all":
        return tuple(p for p in PLATFORMS if getattr(config.sync, p).enabled and p in PROVIDERS)
    if choice not in PROVIDERS:
        raise UsageError(f"syncing with {choice} is not supported yet", pointer=f"/sync/{choice}")
    if not getattr(config.sync, choice).enabled:
        raise UsageError(
            f"{choice} sync is not enabled; set it to true to sync", file=file,
            pointer=f"/sync/{choice}/enabled",
        )  # fmt: skip
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
        token=_token(),
        progress=progress,
        living_docs=not args.no_living_docs,
    )
    report = run_sync(repo, config, options)
    if progress is not None:
        sys.stderr.write("\r\033[K")
    code = 1 if report.failed or report.strict_failed else 0
    if args.format == "json":
        import json

        print(json.dumps({**report.to_json(), "exit_code": code}, indent=2))
    else:
        print(render_text(report))
    return code


def render_text(report: SyncReport) -> str:
    lines: list[str] = []
    if report.dry_run:
        lines.append("dry run: nothing is written (no tracker call that writes, no file, no state)")
    docs = report.living_docs
    if docs.get("created") or docs.get("updated"):
        verb = "would change" if report.dry_run else "changed"
        n = len(docs.get("created", [])) + len(docs.get("updated", []))
        lines.append(f"living docs: {verb} {n} file(s)")
    if not report.platforms:
        lines.append("nothing to sync: no tracker is enabled (sync.github.enabled)")
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
    if dry_run:
        counts = f"{s['created']} to create, {s['updated']} to update, {s['unchanged']} unchanged"
    else:
        counts = f"{s['created']} created, {s['updated']} updated, {s['unchanged']} unchanged"
    counts += f", {s['denied']} denied, {s['failed']} failed"
    if s["deferred"]:
        counts += f", {s['deferred']} deferred (budget)"
    if s["conflict"]:
        counts += f", {s['conflict']} conflict(s)"
    out = [f"{head}: {counts}; {p.requests} request(s), {p.writes} write(s)"]
    if p.duplicates_closed:
        out.append(f"  closed {p.duplicates_closed} duplicate(s) a concurrent run created")
    denied = [r for r in p.items if r.outcome == "denied"]
    reasons = {r.reason for r in denied}
    if denied and len(denied) == len(p.items) and len(reasons) == 1:
        out.append(f"  every item denied: {reasons.pop()}")
        return out
    for r in p.items:
        if r.outcome not in _LISTED:
            continue
        where = f" #{r.id.rpartition(':')[2]}" if r.id else ""
        what = r.outcome if r.outcome != "planned" else "would " + "+".join(r.ops)
        why = f": {r.reason}" if r.reason and r.outcome != "planned" else ""
        if r.outcome == "planned" and "denied" in r.reason:
            why = f" ({r.reason.split('; ', 1)[1]})"
        out.append(f"  {what:<14} {r.key}{where}{why}")
    if p.outbox and any(p.outbox.values()):
        pending = ", ".join(f"{n} {k}" for k, n in p.outbox.items() if n)
        out.append(f"  outbox (replayed first next run): {pending}")
    return out
