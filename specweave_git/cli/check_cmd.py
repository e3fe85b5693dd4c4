"""``specweave-git check``: the drift check (DESIGN §3, §9, §10)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..drift.result import CheckResult

FORMATS = ("text", "json", "markdown", "sarif", "github")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument("--staged", action="store_true", help="the staged change (index vs HEAD)")
    scope.add_argument(
        "--base", metavar="REF", help="a range: merge-base(REF, HEAD)..HEAD, like a PR"
    )
    scope.add_argument(
        "--since-last",
        action="store_true",
        help="what changed since the last scheduled full scan (run `state pull` first in a "
        "fresh clone); a full check when no scan is recorded",
    )
    scope.add_argument("--all", action="store_true", help="the whole working tree")
    parser.add_argument("--head", metavar="REF", help="head of the range (default HEAD)")
    parser.add_argument(
        "--deepen",
        action="store_true",
        help="in a shallow clone, fetch more history until the merge base is found",
    )
    fix = parser.add_mutually_exclusive_group()
    fix.add_argument(
        "--fix",
        nargs="?",
        const="trivial",
        choices=("trivial", "minor"),
        help="rewrite the specs from the code for fixable drift up to this severity "
        "(default trivial); exits 1 when a file changed, to be re-staged",
    )
    fix.add_argument(
        "--no-fix",
        action="store_true",
        help="never fix, even in a hook with autoUpdateTrivial",
    )
    add_report_arguments(parser)


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags every command that runs a check shares: policy, output and config."""
    parser.add_argument(
        "--fail-on",
        choices=("trivial", "minor", "major", "breaking", "never"),
        help="lowest severity that fails the check (default: config failOn, else major)",
    )
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--output", metavar="FILE", help="write the report to FILE")
    parser.add_argument(
        "--config", metavar="FILE", help="config file (default .specweave/config.json)"
    )


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..context import detect as detect_context
    from ..drift.engine import check_repository
    from ..errors import UsageError

    if args.head and not (args.base or args.since_last):
        raise UsageError("--head needs --base or --since-last", pointer="--head")
    base = args.base
    hook = detect_context().name == "hook"
    fix = args.fix
    if fix is None and hook and not args.no_fix:
        fix = "auto"  # config autoUpdateTrivial decides
    if args.staged:
        kind = "staged"
    elif args.base:
        kind = "range"
    elif args.since_last:
        kind, base = since_last(args)
    elif args.all:
        kind = "all"
    else:
        kind = "staged" if hook else "all"
    result = check_repository(
        Path(args.repo) if args.repo else None,
        scope_kind=kind,
        base=base,
        head=args.head,
        fail_on=args.fail_on,
        deepen=args.deepen,
        config_path=Path(args.config) if args.config else None,
        fix=fix,
    )
    emit(result, args)
    if args.format == "text" and not hook:
        notice_pending(args)
    return result.exit_code


def since_last(args: argparse.Namespace) -> tuple[str, str | None]:
    """The scope of ``--since-last``: the commit the last `discrepancy-check` job scanned
    (kept in the state ref), or the whole tree when none is recorded or it is gone."""
    import sys
    from pathlib import Path

    from ..gitio.repo import open_repo
    from ..schedule.state import since_last_point

    repo = open_repo(Path(args.repo) if args.repo else None)
    point = since_last_point(repo)
    if point is None:
        print(
            "specweave-git: no full scan recorded in refs/specweave/state (run "
            "`specweave-git state pull`, or the discrepancy-check job); checking everything",
            file=sys.stderr,
        )
        return "all", None
    if repo.run("cat-file", "-e", f"{point}^{{commit}}").returncode != 0:
        print(
            f"specweave-git: the last scanned commit {point[:12]} is not in this clone; "
            "checking everything",
            file=sys.stderr,
        )
        return "all", None
    return "since-last", point


def notice_pending(args: argparse.Namespace) -> None:
    """The pending-notifications line on stderr, for a person at a terminal only."""
    import sys

    if not sys.stderr.isatty():
        return
    from pathlib import Path

    from ..gitio.repo import open_repo
    from ..notify.terminal import pending_line

    line = pending_line(open_repo(Path(args.repo) if args.repo else None))
    if line:
        print(line, file=sys.stderr)


def emit(result: CheckResult, args: argparse.Namespace) -> None:
    """Print (and with --output, write) a check result as the command's flags ask."""
    import sys
    from pathlib import Path

    from ..report import render, should_color

    if getattr(args, "verbose", False):
        for w in result.warnings:
            print(f"warning: {w}", file=sys.stderr)
    elif args.format != "text":
        # A text report lists them; other formats have no place for what --fix skipped.
        for w in result.fix_warnings:
            print(f"warning: {w}", file=sys.stderr)
    if args.output:
        from ..config.atomic import atomic_write

        atomic_write(Path(args.output), render(result, args.format, color=False).encode())
        if args.format == "text":
            print(render(result, "text", color=should_color(sys.stdout)), end="")
    else:
        print(render(result, args.format, color=should_color(sys.stdout)), end="")
