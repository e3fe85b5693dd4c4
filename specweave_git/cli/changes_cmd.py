"""``specweave-git changes``: the change set git reports for a scope (what a check would see)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument("--staged", action="store_true", help="index vs HEAD (the default)")
    scope.add_argument("--base", metavar="REF", help="merge-base(REF, --head)..--head, as a PR")
    scope.add_argument("--all", action="store_true", help="every file of the working tree")
    parser.add_argument("--head", metavar="REF", default="HEAD", help="with --base (HEAD)")
    parser.add_argument(
        "--ref", metavar="REF", default=None, help="with --all: list this commit, not the tree"
    )
    parser.add_argument(
        "--deepen",
        action="store_true",
        help="with --base in a shallow clone: fetch history until the merge base is found",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from .. import gitio

    repo = gitio.open_repo(Path(args.repo) if args.repo else None)
    if args.base is not None:
        cs = gitio.between(repo, args.base, args.head, deepen=args.deepen)
    elif args.all:
        cs = gitio.all_files(repo, args.ref)
    else:
        cs = gitio.staged(repo)
    if args.format == "json":
        doc = {
            "kind": cs.kind,
            "base": cs.base,
            "head": cs.head,
            "changes": [
                {
                    "status": c.status,
                    "path": c.path,
                    "old_path": c.old_path,
                    "old_blob": c.old_blob,
                    "new_blob": c.new_blob,
                    "old_mode": c.old_mode,
                    "new_mode": c.new_mode,
                    "similarity": c.similarity,
                    "worktree": c.worktree,
                }
                for c in cs.changes
            ],
            "skipped": [{"path": s.path, "reason": s.reason} for s in cs.skipped],
        }
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return 0
    for c in cs.changes:
        if c.status == "R":
            print(f"R{c.similarity:03d}\t{c.old_path} -> {c.path}")
        else:
            print(f"{c.status}\t{c.path}")
    for s in cs.skipped:
        print(f"-\t{s.path} (skipped: {s.reason})")
    return 0
