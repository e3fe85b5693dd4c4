"""Build the code Surface of a set of files: select, analyze through the cache, link."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..log import get_logger
from ..model import Route, Skipped, Surface, Symbol, Warning_
from ..record import Record
from .cache import FactsCache, cache_key
from .languages import JS_LANGUAGES
from .select import DEFAULT_MAX_BYTES, CodeFile, SelectOptions, select
from .versions import JS_ANALYZER_VERSION, PY_ANALYZER_VERSION

log = get_logger(__name__)

Facts = dict[str, Any]
# Reads blob contents: blob ids -> bytes (one `git cat-file --batch` process, or the disk).
BlobLoader = Callable[[list[str]], Mapping[str, bytes]]


def _analyzer(language: str) -> Any:
    if language in JS_LANGUAGES:
        from . import js_analyzer

        return js_analyzer
    from . import py_analyzer

    return py_analyzer


def analyzer_version(language: str) -> str:
    # From versions.py, not the analyzer: a cache key must not import extraction code.
    return JS_ANALYZER_VERSION if language in JS_LANGUAGES else PY_ANALYZER_VERSION


class Stats(Record):
    __slots__ = ("cache_hits", "files_parsed", "files_seen", "link_ms", "parse_ms", "skipped")

    files_seen: int
    files_parsed: int
    cache_hits: int
    skipped: list[Skipped]
    parse_ms: float
    link_ms: float

    def __init__(
        self,
        files_seen: int = 0,
        files_parsed: int = 0,
        cache_hits: int = 0,
        skipped: list[Skipped] | None = None,
        parse_ms: float = 0.0,
        link_ms: float = 0.0,
    ) -> None:
        self.files_seen = files_seen
        self.files_parsed = files_parsed
        self.cache_hits = cache_hits
        self.skipped = [] if skipped is None else skipped
        self.parse_ms = parse_ms
        self.link_ms = link_ms


def analyze_files(
    files: Iterable[CodeFile],
    load: BlobLoader,
    cache: FactsCache,
    stats: Stats | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> dict[str, Facts]:
    """Facts for each file (path -> facts), parsing only what the cache lacks.

    A file larger than ``max_bytes`` is not read (its size is only known once its blob is
    loaded, so the limit is applied here rather than in ``select``); it is listed in
    ``stats.skipped``. Facts record the size, so lowering the limit applies to hits too.
    """
    stats = stats if stats is not None else Stats()
    todo = list(files)
    stats.files_seen += len(todo)
    keys = {
        f.path: cache_key(f.language, analyzer_version(f.language), f.blob, f.path) for f in todo
    }
    cached = cache.get_many(keys.values())
    out: dict[str, Facts] = {}
    missing: list[CodeFile] = []
    too_big = f"larger than {max_bytes} bytes"
    for f in todo:
        hit = cached.get(keys[f.path])
        if hit is None:
            missing.append(f)
        elif int(hit.get("bytes", 0)) > max_bytes:
            stats.skipped.append(Skipped(f.path, too_big))
        else:
            out[f.path] = hit
            stats.cache_hits += 1
    if missing:
        t0 = time.perf_counter()
        contents = load(sorted({f.blob for f in missing}))
        fresh: dict[str, Facts] = {}
        for f in missing:
            source = contents.get(f.blob)
            if source is None:
                log.warning("%s: content of blob %s not available; skipped", f.path, f.blob)
                continue
            if len(source) > max_bytes:
                stats.skipped.append(Skipped(f.path, too_big))
                continue
            facts = _analyzer(f.language).analyze(f.path, source, f.language)
            facts["bytes"] = len(source)
            out[f.path] = facts
            fresh[keys[f.path]] = facts
        cache.put_many(fresh)
        stats.files_parsed += len(fresh)
        stats.parse_ms += (time.perf_counter() - t0) * 1000
    return out


def link(
    facts: Mapping[str, Facts],
    env_defaults: Mapping[str, tuple[str, str]],
    stats: Stats | None = None,
) -> Surface:
    """Join per-file facts into one Surface (JS/TS and Python linked separately)."""
    t0 = time.perf_counter()
    js = {p: f for p, f in facts.items() if f.get("language") in JS_LANGUAGES}
    py = {p: f for p, f in facts.items() if f.get("language") == "python"}
    symbols: list[Symbol] = []
    routes: list[Route] = []
    warnings: list[Warning_] = []
    if js:
        from . import js_analyzer

        s, r, w = js_analyzer.link(js, env_defaults)
        symbols += s
        routes += r
        warnings += w
    if py:
        from . import py_analyzer

        s, r, w = py_analyzer.link(py, env_defaults)
        symbols += s
        routes += r
        warnings += w
    symbols.sort(key=lambda s: (s.location.path, s.location.line, s.name))
    routes.sort(key=lambda r: (r.path, r.method, r.location.path, r.location.line))
    if stats is not None:
        stats.link_ms += (time.perf_counter() - t0) * 1000
    return Surface(tuple(symbols), tuple(routes), tuple(warnings))


def build(
    entries: Iterable[tuple[str, str]],
    load: BlobLoader,
    cache: FactsCache,
    options: SelectOptions,
    env_defaults: Mapping[str, tuple[str, str]],
    stats: Stats | None = None,
) -> Surface:
    """Surface of a tree given as (path, blob id) pairs."""
    stats = stats if stats is not None else Stats()
    files, skipped = select(entries, options)
    stats.skipped.extend(skipped)
    facts = analyze_files(files, load, cache, stats, options.max_bytes)
    return link(facts, env_defaults, stats)
