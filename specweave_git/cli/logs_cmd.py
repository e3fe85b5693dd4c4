"""``specweave-git logs query|stats|export|verify|prune``: the sync audit log."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from ..gitio.repo import Repo
    from ..logs.query import Filter, Source


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from .actions import action_adder

    action = action_adder(parser, dest="logs_command")

    p = action("query", "audit records, newest first, filtered (streams: any log size)")
    _filters(p)
    p.add_argument("--limit", type=int, default=50, metavar="N", help="at most N (0: all; 50)")
    p.add_argument("--offset", type=int, default=0, metavar="N", help="skip the first N matches")
    p.add_argument("--format", choices=("text", "json", "jsonl"), default="text")
    p = action("stats", "counts by platform, operation, result, kind and day")
    _filters(p)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p = action("export", "matching records, oldest first (chain order), as json, jsonl or csv")
    _filters(p)
    p.add_argument("--format", choices=("json", "jsonl", "csv"), default="jsonl")
    p.add_argument("--output", metavar="FILE", default=None, help="write here (default: stdout)")

    help_text = "check the audit log's hash chain; name the first bad record (exit 1)"
    verify = action("verify", help_text)
    source = verify.add_mutually_exclusive_group()
    source.add_argument(
        "--path",
        metavar="FILE",
        nargs="+",
        default=None,
        help="audit files to check (default: .specweave/logs/sync/audit-*.jsonl)",
    )
    source.add_argument(
        "--state",
        action="store_true",
        help="check the copy CI runs append to the state ref (audit/*.jsonl)",
    )

    p = action("prune", "delete daily audit files older than logging.retentionDays")
    p.add_argument(
        "--retention-days",
        type=int,
        default=None,
        metavar="N",
        help="keep N days (default: sync.orchestration.logging.retentionDays)",
    )
    p.add_argument(
        "--state",
        action="store_true",
        help="also drop them from the state ref's tree (history keeps them)",
    )
    p.add_argument("--dry-run", action="store_true", help="list what would be deleted")


def _filters(p: argparse.ArgumentParser) -> None:
    when = "a date (2026-03-01), an ISO time, or a duration ago (30m, 24h, 7d, 2w)"
    p.add_argument("--since", metavar="WHEN", help=f"records at or after: {when}")
    p.add_argument(
        "--until", metavar="WHEN", help=f"records before (a date: through that day): {when}"
    )
    p.add_argument("--platform", metavar="NAME", help="github, jira, ado, living-docs...")
    p.add_argument(
        "--operation",
        metavar="OP",
        help="read, upsert-internal, upsert-external, update-status, delete",
    )
    p.add_argument(
        "--result",
        metavar="R",
        help="success, error, denied, dry-run, or none (an allowed decision)",
    )
    p.add_argument(
        "--source",
        choices=("local", "state", "all"),
        default="all",
        help="local files, the state ref's copy, or both, each record once (default all)",
    )


def build_filter(args: argparse.Namespace, now: datetime | None = None) -> Filter:
    """The Filter the flags describe; UsageError (exit 2) naming the flag otherwise."""
    from datetime import datetime, timezone

    from ..errors import UsageError
    from ..logs.query import Filter
    from ..logs.when import parse_when, stamp
    from ..sync.gate import OPERATIONS, RESULTS

    moment = now or datetime.now(timezone.utc)
    since = parse_when(args.since, moment, flag="--since") if args.since else None
    until = parse_when(args.until, moment, flag="--until", end_of_day=True) if args.until else None
    if since is not None and until is not None and since >= until:
        raise UsageError(
            f"--since {args.since} is not before --until {args.until}", pointer="--since"
        )
    for flag, value, allowed in (
        ("--operation", args.operation, OPERATIONS),
        ("--result", args.result, (*RESULTS, "none")),
    ):
        if value is not None and value not in allowed:
            raise UsageError(f"unknown value {value!r}; one of {', '.join(allowed)}", pointer=flag)
    return Filter(
        since=stamp(since) if since else None,
        until=stamp(until) if until else None,
        platform=args.platform,
        operation=args.operation,
        result=args.result,
    )


def _open(args: argparse.Namespace) -> Repo:
    from pathlib import Path

    from ..gitio.repo import open_repo

    return open_repo(Path(args.repo) if args.repo else None)


def _origins(repo: Repo, args: argparse.Namespace) -> list[list[Source]]:
    from ..logs.query import origins_of
    from ..sync.audit import log_dir

    return origins_of(repo, log_dir(repo.root), args.source)


def run(args: argparse.Namespace) -> int:
    command = args.logs_command
    if command == "verify":
        return _verify(args)
    if command == "prune":
        return _prune(args)
    import sys

    from ..errors import UsageError
    from ..logs import export
    from ..logs.query import records

    flt = build_filter(args)
    repo = _open(args)
    origins = _origins(repo, args)
    if command == "stats":
        from ..logs.stats import collect

        stats = collect(records(origins, flt, newest_first=False))
        if args.format == "json":
            import json

            print(json.dumps(stats.to_json(), indent=2))
        else:
            print(stats.render())
        return 0
    if command == "query":
        if args.limit < 0 or args.offset < 0:
            flag = "--limit" if args.limit < 0 else "--offset"
            raise UsageError("must be 0 or more", pointer=flag)
        found = records(origins, flt, offset=args.offset, limit=args.limit or None)
        writer = {"text": export.write_text, "json": export.write_json, "jsonl": export.write_jsonl}
        writer[args.format](found, sys.stdout)
        return 0
    found = records(origins, flt, newest_first=False)
    if args.output in (None, "-"):
        export.write(found, sys.stdout, args.format)
        return 0
    from pathlib import Path

    out = Path(args.output)
    try:
        # newline="": the csv module writes its own line ends.
        with out.open("w", encoding="utf-8", newline="") as fh:
            n = export.write(found, fh, args.format)
    except OSError as e:
        raise UsageError(f"cannot write: {e.strerror}", file=str(out), pointer="--output") from None
    print(f"wrote {n} record(s) to {out}", file=sys.stderr)
    return 0


def _verify(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..errors import UsageError
    from ..sync import audit

    if args.path:
        paths = [Path(p) for p in args.path]
        for path in paths:
            if not path.is_file():
                raise UsageError("no such audit file", file=str(path))
        report = audit.verify(paths)
    else:
        repo = _open(args)
        if args.state:
            report = audit.verify_state(repo)
        else:
            report = audit.verify(audit.log_files(audit.log_dir(repo.root)))
    print(report.render())
    return 0 if report.ok else 1


def _prune(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from ..errors import UsageError
    from ..logs.files import prune
    from ..sync.audit import log_dir

    repo = _open(args)
    days = args.retention_days
    if days is None:
        from ..config import load_config
        from ..gitio.repo import cache_dir

        days = load_config(repo.root, cache_dir=cache_dir(repo)).logging.retention_days
    if days < 0:
        raise UsageError("must be 0 or more", pointer="--retention-days")
    now = datetime.now(timezone.utc)
    verb = "would delete" if args.dry_run else "deleted"
    removed = prune(log_dir(repo.root), days, now, dry_run=args.dry_run)
    names = [p.name for p in removed]
    if args.state:
        names += _prune_state(repo, days, now, dry_run=args.dry_run)
    if not names:
        print(f"nothing older than {days} day(s)")
        return 0
    print(f"{verb} {len(names)} audit file(s) older than {days} day(s):")
    for name in names:
        print(f"  {name}")
    return 0


def _prune_state(repo: Repo, days: int, now: datetime, *, dry_run: bool) -> list[str]:
    """The state ref's old ``audit/YYYY-MM-DD.jsonl`` files, dropped from its tree in one
    commit (its history keeps them)."""
    from datetime import date

    from ..gitio.state import STATE_REF, list_state_files, update_state
    from ..logs.files import old_days
    from ..logs.query import STATE_NAME

    dated = {}
    for name in list_state_files(repo, "audit/"):
        m = STATE_NAME.match(name)
        if m is not None:
            dated[name] = date.fromisoformat(m[1])
    old_set = old_days(dated.values(), days, now.date())
    old = sorted(n for n, d in dated.items() if d in old_set)
    if old and not dry_run:
        message = f"logs: prune {len(old)} audit file(s) older than {days} days"
        update_state(repo, dict.fromkeys(old), message)
    return [f"{STATE_REF}:{n}" for n in old]
