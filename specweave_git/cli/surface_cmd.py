"""``specweave-git surface``: what the tool sees in code (or, with --specs, in the specs)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="only show items from these files or directories"
    )
    parser.add_argument("--specs", action="store_true", help="the documented surface instead")
    parser.add_argument("--ref", metavar="REF", help="read a commit instead of the working tree")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def _wanted(path: str, prefixes: list[str]) -> bool:
    return not prefixes or any(path == p or path.startswith(p.rstrip("/") + "/") for p in prefixes)


def run(args: argparse.Namespace) -> int:
    import json
    import os
    import sys
    from pathlib import Path

    from ..config import load_config
    from ..drift import engine
    from ..gitio.repo import cache_dir, open_repo

    repo = open_repo(Path(args.repo) if args.repo else None)
    cfg = load_config(repo.root, cache_dir=cache_dir(repo))
    trees = engine.trees_for(repo, "all", None, args.ref, False)
    load = engine.blob_loader(repo, trees.disk)
    # PATH arguments are relative to where the user stands, output paths to the root.
    here = Path.cwd()
    prefixes = []
    for p in args.paths:
        absolute = (here / p).resolve()
        try:
            prefixes.append(absolute.relative_to(repo.root.resolve()).as_posix())
        except ValueError:
            prefixes.append(p.replace(os.sep, "/"))
    prefixes = [p for p in prefixes if p not in ("", ".")]
    cache = engine.open_cache(repo)
    try:
        if args.specs:
            specs = engine.spec_surface(trees.new, load, cache, cfg)
            files = [f for f in specs.files if _wanted(f.path, prefixes)]
            symbols = [d.symbol for f in files for d in f.symbols]
            routes = [d.route for f in files for d in f.routes]
            warnings = [w for f in files for w in f.warnings]
        else:
            from ..code.surface import Stats

            stats = Stats()
            surface = engine.code_surface(trees.new, load, cache, engine.select_options(cfg), stats)
            symbols = [s for s in surface.symbols if _wanted(s.location.path, prefixes)]
            routes = [r for r in surface.routes if _wanted(r.location.path, prefixes)]
            warnings = [w for w in surface.warnings if _wanted(w.path, prefixes)]
            if getattr(args, "verbose", False):
                for sk in stats.skipped:
                    print(f"skipped {sk.path}: {sk.reason}", file=sys.stderr)
    finally:
        cache.close()
    for w in warnings:
        print(f"warning: {w.render()}", file=sys.stderr)
    if args.format == "json":
        print(
            json.dumps(
                {
                    "symbols": [s.to_json() for s in symbols],
                    "routes": [r.to_json() for r in routes],
                },
                indent=2,
            )
        )
        return 0
    lines: list[str] = []
    if routes:
        rows: list[tuple[str, ...]] = [
            (
                r.method,
                r.path_display + (" (unresolved)" if r.unresolved else ""),
                f"{r.location.path}:{r.location.line}",
                r.handler or "",
            )
            for r in routes
        ]
        lines += _table(("METHOD", "PATH", "WHERE", "HANDLER"), rows)
        lines.append("")
    if symbols:
        rows = [(s.kind, _signature(s), f"{s.location.path}:{s.location.line}") for s in symbols]
        lines += _table(("KIND", "SYMBOL", "WHERE"), rows)
        lines.append("")
    lines.append(f"{len(routes)} routes, {len(symbols)} symbols")
    print("\n".join(lines))
    return 0


def _signature(s: object) -> str:
    from ..drift.compare import signature_text
    from ..model import Symbol

    assert isinstance(s, Symbol)
    if s.signatures and s.kind in ("function", "method", "const"):
        return signature_text(s.name, s.signatures[0]) + (
            f"  (+{len(s.signatures) - 1} overloads)" if len(s.signatures) > 1 else ""
        )
    if s.fields:
        return f"{s.name} {{{', '.join(f.name + ('?' if f.optional else '') for f in s.fields)}}}"
    return s.name


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*header).rstrip(), *(fmt.format(*r).rstrip() for r in rows)]
