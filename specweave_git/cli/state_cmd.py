"""``specweave-git state pull|push``: sync the git notes and the state ref with a remote."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        choices=("pull", "push"),
        help="pull: fetch and merge the remote's; push: send ours (merging first if needed)",
    )
    parser.add_argument(
        "--remote", metavar="NAME", default="origin", help="the remote to sync with (origin)"
    )


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..gitio import remote
    from ..gitio.repo import open_repo

    repo = open_repo(Path(args.repo) if args.repo else None)
    if args.action == "pull":
        result = remote.pull(repo, args.remote)
    else:
        result = remote.push(repo, args.remote)
    for line in result.lines():
        print(line)
    return 0
