"""``specweave-git hook pre-push``: check what a push sends, from pre-commit's environment.

pre-commit runs a hook's ``entry`` without a shell, so ``--base "$PRE_COMMIT_FROM_REF"``
cannot be written in ``.pre-commit-hooks.yaml``; this command reads the variables itself.
"""

from __future__ import annotations

import argparse

HOOKS = ("pre-push",)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from .check_cmd import add_report_arguments

    parser.add_argument(
        "hook",
        choices=HOOKS,
        help="pre-push: check PRE_COMMIT_FROM_REF..PRE_COMMIT_TO_REF (set by pre-commit)",
    )
    add_report_arguments(parser)


def run(args: argparse.Namespace) -> int:
    import os
    import sys
    from pathlib import Path

    from ..drift.engine import check_repository
    from ..gitio.push import push_scope
    from ..gitio.repo import open_repo

    repo_dir = Path(args.repo) if args.repo else None
    scope = push_scope(
        open_repo(repo_dir),
        os.environ.get("PRE_COMMIT_FROM_REF"),
        os.environ.get("PRE_COMMIT_TO_REF") or os.environ.get("PRE_COMMIT_LOCAL_BRANCH"),
        os.environ.get("PRE_COMMIT_REMOTE_NAME"),
    )
    print(f"specweave-git: checking {scope.reason}", file=sys.stderr)
    if scope.kind == "none":
        return 0
    result = check_repository(
        repo_dir,
        scope_kind=scope.kind,
        base=scope.base,
        head=scope.head,
        fail_on=args.fail_on,
        config_path=Path(args.config) if args.config else None,
    )
    from .check_cmd import emit

    emit(result, args)
    return result.exit_code
