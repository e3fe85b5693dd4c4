"""``specweave-git monitor``: jobs, notifications, sync activity and the drift trend."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="text (a rich layout on a terminal), json for scripts, markdown for "
        "$GITHUB_STEP_SUMMARY (the trend as a mermaid chart)",
    )
    parser.add_argument(
        "--scans",
        type=int,
        default=10,
        metavar="N",
        help="how many recent scans the drift trend shows (default 10)",
    )
    parser.add_argument(
        "--output", metavar="FILE", default=None, help="write here instead of stdout"
    )


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from ..config import load_config
    from ..errors import UsageError
    from ..gitio.repo import cache_dir, open_repo
    from ..monitor.collect import collect
    from ..monitor.render import render_json, render_markdown, render_text

    if args.scans < 1:
        raise UsageError("must be 1 or more", pointer="--scans")
    repo = open_repo(Path(args.repo) if args.repo else None)
    config = load_config(repo.root, cache_dir=cache_dir(repo))
    dashboard = collect(repo, config, scans=args.scans)
    if args.format == "json":
        text = render_json(dashboard)
    elif args.format == "markdown":
        text = render_markdown(dashboard)
    elif args.output is None and sys.stdout.isatty():
        from rich.console import Console

        from ..monitor.rich_view import renderable

        Console().print(renderable(dashboard))
        return 0
    else:
        text = render_text(dashboard)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    out = Path(args.output)
    try:
        # Append, as $GITHUB_STEP_SUMMARY wants (other steps write there too).
        with out.open("a", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as e:
        raise UsageError(f"cannot write: {e.strerror}", file=str(out), pointer="--output") from None
    return 0
