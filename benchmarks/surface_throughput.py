"""Throughput: ``surface``'s in-process pipeline vs a bare tree-sitter parse of the same files.

    python benchmarks/surface_throughput.py [--mb 3] [--runs 5] [--profile]

Generates a TS + Python tree of about ``--mb`` megabytes (tscorpus, pycorpus), commits it
to a temporary git repository and measures in one run (medians):
(a) a bare parse: ``parser.parse(bytes)`` of every file the tool reads, nothing else;
(b) the pipeline of ``specweave-git surface`` (list the tree, read the blobs, select,
    parse and analyze, write the cache, link) with an empty cache;
(c) the same with the cache filled by (b).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import pycorpus  # noqa: E402
import tscorpus  # noqa: E402

from specweave_git.code.languages import parser  # noqa: E402
from specweave_git.code.select import SelectOptions, select  # noqa: E402
from specweave_git.code.surface import Stats  # noqa: E402
from specweave_git.drift import engine  # noqa: E402
from specweave_git.gitio.repo import Repo, cache_dir, open_repo  # noqa: E402


def make_repo(root: Path, megabytes: float) -> None:
    # About 7.4 KB of TS and 8.4 KB of Python per entity; 60/40 by bytes.
    ts_entities = max(1, int(megabytes * 0.6 * 1024 / 7.4))
    py_entities = max(1, int(megabytes * 0.4 * 1024 / 8.4))
    tscorpus.generate(root, seed=3, entities=ts_entities, components=40)
    pycorpus.generate(root, seed=5, entities=py_entities)
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "corpus"]):
        subprocess.run(["git", *cmd], cwd=root, env=env, check=True)


def bare_parse(sources: list[tuple[str, bytes]]) -> float:
    t0 = time.perf_counter()
    for lang, data in sources:
        parser(lang).parse(data)
    return (time.perf_counter() - t0) * 1000


def pipeline(repo: Repo, options: SelectOptions, *, cold: bool) -> tuple[float, Stats]:
    if cold:
        for f in cache_dir(repo).glob("facts.sqlite*"):
            f.unlink()
    t0 = time.perf_counter()
    trees = engine.trees_for(repo, "all", None, None, False)
    load = engine.blob_loader(repo, trees.disk)
    cache = engine.open_cache(repo)
    stats = Stats()
    try:
        engine.code_surface(trees.new, load, cache, options, stats)
    finally:
        cache.close()
    return (time.perf_counter() - t0) * 1000, stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=3.0, help="size of the generated tree")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--profile", action="store_true", help="cProfile one cold pipeline run")
    args = ap.parse_args(argv)

    from specweave_git.config import load_config

    with tempfile.TemporaryDirectory(prefix="surface-throughput-") as tmp:
        root = Path(tmp) / "repo"
        make_repo(root, args.mb)
        repo = open_repo(root)
        options = engine.select_options(load_config(repo.root, cache_dir=cache_dir(repo)))
        entries = [
            (p.relative_to(root).as_posix(), "")
            for p in sorted(root.rglob("*"))
            if p.is_file() and ".git" not in p.relative_to(root).parts
        ]
        chosen, _ = select(entries, options)
        sources = [(f.language, (root / f.path).read_bytes()) for f in chosen]
        size = sum(len(b) for _, b in sources)
        n_ts = sum(1 for lang, _ in sources if lang != "python")

        bare_parse(sources)  # grammars loaded, parsers built: both sides start warm
        pipeline(repo, options, cold=True)
        bare: list[float] = []
        cold: list[float] = []
        warm: list[float] = []
        stats = Stats()
        for _ in range(args.runs):
            bare.append(bare_parse(sources))
            ms, stats = pipeline(repo, options, cold=True)
            cold.append(ms)
            ms, warm_stats = pipeline(repo, options, cold=False)
            warm.append(ms)
            if warm_stats.files_parsed:
                raise SystemExit(f"warm run parsed {warm_stats.files_parsed} files")
        if args.profile:
            prof = cProfile.Profile()
            prof.enable()
            pipeline(repo, options, cold=True)
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(40)

    a, b, c = (statistics.median(x) for x in (bare, cold, warm))
    print(
        f"tree                   {len(sources)} files read ({n_ts} TS/TSX, "
        f"{len(sources) - n_ts} Python), {size / 1e6:.2f} MB"
    )
    print(f"(a) bare parse         {a:.0f} ms  (median of {args.runs})")
    print(
        f"(b) pipeline, cold     {b:.0f} ms  (last run: parse {stats.parse_ms:.0f} ms, "
        f"link {stats.link_ms:.0f} ms)"
    )
    print(f"(c) pipeline, warm     {c:.0f} ms")
    print(f"ratio (b)/(a)          {b / a:.2f}x  (target <= 1.5)")
    print(f"ratio (c)/(a)          {c / a:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
