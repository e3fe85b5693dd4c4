"""``specweave-git demo``: build a small example repository with planted drift and check it."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dir",
        nargs="?",
        metavar="DIR",
        help="where to build the example (default: a new temporary directory)",
    )
    parser.add_argument(
        "--format", choices=("text", "json", "markdown", "sarif", "github"), default="text"
    )


def run(args: argparse.Namespace) -> int:
    import sys
    import tempfile
    from pathlib import Path

    from ..demo import build
    from ..drift.engine import check_repository
    from ..errors import UsageError
    from ..report import render, should_color

    if args.dir:
        root = Path(args.dir).absolute()
        if root.exists() and any(root.iterdir()):
            raise UsageError("directory is not empty; give a new or empty one", file=str(root))
    else:
        root = Path(tempfile.mkdtemp(prefix="specweave-git-demo-"))
    base, head = build(root)
    result = check_repository(root, scope_kind="range", base=base, head=head)
    print(f"specweave-git demo: example repository at {root}")
    print(
        f"checking the pull-request range {base[:7]}...{head[:7]} "
        f"(like: specweave-git check --base {base[:7]})\n"
    )
    print(render(result, args.format, color=should_color(sys.stdout)), end="")
    print(f"\nThe check exits {result.exit_code} on this drift; the demo itself succeeded.")
    print(f"Try: cd {root} && specweave-git check --all")
    return 0
