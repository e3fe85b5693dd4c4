"""``specweave-git config validate|show|migrate``: check, print or upgrade the config."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


def _location_flags(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        default=default,
        help="config file (default: DIR/.specweave/config.json)",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _location_flags(parser, None)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    validate = actions.add_parser("validate", help="check the config; exit 2 listing every problem")
    show = actions.add_parser("show", help="print the effective config, defaults included")
    show.add_argument("--format", choices=("json", "text"), default="text")
    migrate = actions.add_parser("migrate", help="upgrade a legacy SpecWeave config in place")
    migrate.add_argument(
        "--dry-run", action="store_true", help="print a unified diff and write nothing"
    )
    for sub in (validate, show, migrate):
        # Repeated on each action so `config validate --repo DIR` parses; SUPPRESS keeps
        # a value given before the action (`config --repo DIR validate`) when absent here.
        sub.add_argument(
            "--repo", metavar="DIR", default=argparse.SUPPRESS, help="repository (default: .)"
        )
        _location_flags(sub, argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..errors import UsageError

    repo = Path(args.repo) if args.repo else Path()
    if not repo.is_dir():
        raise UsageError("repository directory does not exist", file=str(repo))
    path = Path(args.config) if args.config else None
    if args.action == "migrate":
        return _migrate(repo, path, dry_run=args.dry_run)
    return _load(repo, path, action=args.action, fmt=getattr(args, "format", "text"))


def _cache_dir(repo: Path) -> Path | None:
    """The validation cache of the repository whose root is ``repo`` (worktrees included);
    None for a directory that is not a repository root (e.g. an example folder)."""
    if not (repo / ".git").exists():
        return None
    from ..errors import GitError
    from ..gitio.repo import cache_dir, open_repo

    try:
        found = open_repo(repo)
    except GitError:
        return None
    return cache_dir(found) if found.root.resolve() == repo.resolve() else None


def _load(repo: Path, path: Path | None, *, action: str, fmt: str) -> int:
    import json

    from ..config import default_path, load_config
    from ..config.show import render_text

    config = load_config(repo, path=path, cache_dir=_cache_dir(repo))
    shown = path if path is not None else default_path(repo)
    if action == "validate":
        suffix = "" if config.path is not None else " (no file; all defaults apply)"
        print(f"{shown}: ok{suffix}")
    elif fmt == "json":
        print(json.dumps(config.effective, indent=2, ensure_ascii=False, default=dict))
    else:
        print(render_text(config), end="")
    return 0


def _migrate(repo: Path, path: Path | None, *, dry_run: bool) -> int:
    import sys

    from ..config import default_path
    from ..config.migrate import plan

    file = path if path is not None else default_path(repo)
    migration = plan(file)
    if not migration.changed:
        print(f"{file}: already current, nothing to migrate")
        return 0
    if dry_run:
        # The diff alone on stdout, so it can be piped to `git apply`; the summary on stderr.
        sys.stdout.write(migration.diff())
        for change in migration.changes:
            print(f"  {change}", file=sys.stderr)
        print(f"{file}: dry run, nothing written", file=sys.stderr)
        return 0
    migration.write()
    print(f"{file}: migrated")
    for change in migration.changes:
        print(f"  {change}")
    return 0
