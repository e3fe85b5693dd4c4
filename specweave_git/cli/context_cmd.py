"""``specweave-git context``: the detected run context and the reason."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    import json

    from ..context import detect

    ctx = detect()
    if args.format == "json":
        print(
            json.dumps(
                {
                    "context": ctx.name,
                    "reason": ctx.reason,
                    "skip_flags": list(ctx.skip_flags),
                    "network_allowed": ctx.network_allowed,
                    "external_sync_allowed": ctx.external_sync_allowed,
                }
            )
        )
    else:
        print(ctx.describe())
    return 0
