"""``specweave-git notifications list|show ID|dismiss ID|archive ID|cleanup``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

    from ..gitio.repo import Repo
    from ..notify.model import Notification, StateChange

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from .actions import action_adder

    action = action_adder(parser)

    p = action("list", "pending notifications, newest first")
    p.add_argument("--type", metavar="T", help="only this type (e.g. drift, sync-failure)")
    p.add_argument("--severity", metavar="S", help="only this severity: info, warning, critical")
    p.add_argument(
        "--since",
        metavar="WHEN",
        help="only those created since a date (2026-01-31, ISO 8601) or a duration ago (7d, 12h)",
    )
    p.add_argument("--all", action="store_true", help="dismissed and archived ones too")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p = action("show", "one notification in full, with its status history")
    p.add_argument("id", metavar="ID", help="notification id, or a unique prefix of one")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p = action("dismiss", "dismiss a notification (hidden from list, kept in the notes)")
    p.add_argument("id", metavar="ID", help="notification id, or a unique prefix of one")
    p = action("archive", "archive a notification")
    p.add_argument("id", metavar="ID", help="notification id, or a unique prefix of one")
    p = action("cleanup", "archive notifications older than notifications.retentionDays")
    p.add_argument("--dry-run", action="store_true", help="list what would be archived")


def parse_since(text: str, now: datetime) -> datetime:
    """``7d``/``12h``/``30m``/``2w`` before ``now``, or an ISO date or time (UTC when no
    offset is given); UsageError naming --since otherwise."""
    from datetime import timedelta

    from ..errors import UsageError
    from ..notify.model import parse_time

    value = text.strip().lower()
    number, unit = value[:-1], value[-1:]
    if unit in _UNITS and number.isdigit():
        return now - timedelta(seconds=int(number) * _UNITS[unit])
    try:
        return parse_time(value.upper())
    except ValueError:
        pass
    raise UsageError(
        f"invalid value {text!r}: give a date (2026-01-31), an ISO 8601 time, or a "
        "duration like 7d, 12h, 30m or 2w",
        pointer="--since",
    )


def _choice(value: str | None, allowed: tuple[str, ...], flag: str) -> str | None:
    if value is None or value in allowed:
        return value
    from ..errors import UsageError

    raise UsageError(f"unknown value {value!r}; one of {', '.join(allowed)}", pointer=flag)


def _count(n: int) -> str:
    return f"{n} notification" if n == 1 else f"{n} notifications"


def _who(repo: Repo) -> str:
    from ..gitio.repo import user_identity

    ident = user_identity(repo)
    if ident.name and ident.email:
        return f"{ident.name} <{ident.email}>"
    return ident.name or ident.email or "unknown"


def _list_text(items: list[Notification], include_all: bool) -> str:
    if not items:
        return "no notifications\n" if include_all else "no pending notifications\n"
    rows = [(n.id, n.severity, n.type, n.created_at) for n in items]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for row, n in zip(rows, items, strict=True):
        cells = [c.ljust(w) for c, w in zip(row, widths, strict=True)]
        title = n.title if n.status == "pending" else f"{n.title} [{n.status}]"
        lines.append("  ".join([*cells, title]))
    return "\n".join(lines) + "\n"


def _show_text(n: Notification, history: list[StateChange]) -> str:
    import json

    lines = [
        f"{n.id}  {n.severity}  {n.type}  {n.status}",
        f"title: {n.title}",
        f"created: {n.created_at}",
        f"commit: {n.commit}",
    ]
    if n.message:
        lines.append(f"message: {n.message}")
    if n.data:
        lines.append(f"data: {json.dumps(n.data, sort_keys=True, ensure_ascii=False)}")
    lines += [f"{c.status} by {c.by or 'unknown'} at {c.at}" for c in history]
    return "\n".join(lines) + "\n"


def _list(repo: Repo, args: argparse.Namespace) -> int:
    import json

    from ..notify.model import SEVERITIES, TYPES, now_utc
    from ..notify.store import list_notifications

    type_ = _choice(args.type, TYPES, "--type")
    severity = _choice(args.severity, SEVERITIES, "--severity")
    since = parse_since(args.since, now_utc()) if args.since is not None else None
    items = [
        n
        for n in list_notifications(repo, include_all=args.all)
        if (type_ is None or n.type == type_)
        and (severity is None or n.severity == severity)
        and (since is None or n.created >= since)
    ]
    if args.format == "json":
        doc: dict[str, Any] = {"notifications": [n.to_json() for n in items]}
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        print(_list_text(items, args.all), end="")
    return 0


def _cleanup(repo: Repo, dry_run: bool) -> int:
    from ..config import load_config
    from ..gitio.repo import cache_dir
    from ..notify.model import now_utc
    from ..notify.store import cleanup, expired

    days = load_config(repo.root, cache_dir=cache_dir(repo)).notifications.retention_days
    now = now_utc()
    if dry_run:
        old = expired(repo, days, now)
        for n in old:
            print(f"would archive {n.id}  {n.severity}  {n.type}  {n.created_at}  {n.title}")
        print(f"{_count(len(old))} older than {days} days would be archived")
        return 0
    count = cleanup(repo, days, now)
    print(f"archived {_count(count)} older than {days} days")
    return 0


def run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from ..gitio.repo import open_repo
    from ..notify.store import find, load, set_status

    repo = open_repo(Path(args.repo) if args.repo else None)
    if args.action == "list":
        return _list(repo, args)
    if args.action == "cleanup":
        return _cleanup(repo, args.dry_run)
    if args.action == "show":
        ledger = load(repo)
        n = find(repo, args.id, ledger)
        history = ledger.history.get(n.id, [])
        if args.format == "json":
            doc = {"notification": n.to_json(), "history": [c.to_json() for c in history]}
            print(json.dumps(doc, indent=2, ensure_ascii=False))
        else:
            print(_show_text(n, history), end="")
        return 0
    status = "dismissed" if args.action == "dismiss" else "archived"
    ledger = load(repo)
    before = find(repo, args.id, ledger)
    after = set_status(repo, before.id, status, _who(repo), ledger=ledger)
    if before.status == after.status:
        print(f"{after.id} is already {status}: {after.title}")
    else:
        print(f"{status} {after.id} {after.type}: {after.title}")
    return 0
