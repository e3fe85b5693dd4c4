"""Change-scoped code surfaces: link only what a change can affect (the hook's fast path).

A whole-repository link decodes and joins every file's facts: seconds on a large tree,
while a pre-commit hook has about a hundred milliseconds. A change-scoped check only
needs (1) the changed files' own symbols, (2) every route, because a prefix changed in
one file moves routes declared in others, and (3) for every other file, only *which names
it exports*, to tell a moved symbol from a removed one and to find ambiguous names.

So each file also gets a small *summary* (exported names, whether it takes part in
routing, the modules it imports), cached by blob id next to its facts. A partial surface
is linked from the changed files, the routing files, and the modules they import (a
bounded closure), with the names of everything else answered from summaries.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from ..model import Surface
from ..record import Record
from .cache import FactsCache, cache_key
from .languages import JS_LANGUAGES
from .select import CodeFile
from .surface import BlobLoader, Facts, Stats, analyze_files, analyzer_version, link

SUMMARY_VERSION = "sum-1"
# How far imports are followed from a routing file (router modules, prefix constants).
_ROUTE_DEPTH = 3
_JS_ROUTE_KEYS = (
    "receivers",
    "routes",
    "mounts",
    "calls",
    "controllers",
    "global_prefixes",
    "versioning",
)
_PY_ROUTE_KEYS = ("routes", "mounts", "calls", "views")


def summarize(facts: Facts) -> dict[str, Any]:
    """Exported names, routing relevance and imports of one file (from its facts alone)."""
    names = sorted({s.name for s in link({facts["path"]: facts}, {}).symbols})
    lang = facts.get("language")
    deps: list[Any] = []
    if lang in JS_LANGUAGES:
        r = facts.get("routes") or {}
        routing = any(r.get(k) for k in _JS_ROUTE_KEYS)
        mod = facts.get("module") or {}
        deps = sorted(
            {
                str(i["from"])
                for i in (mod.get("imports") or {}).values()
                if str(i.get("from", "")).startswith(".")
            }
            | {
                str(r2["from"])
                for r2 in (mod.get("reexports") or ())
                if str(r2.get("from", "")).startswith(".")
            }
        )
    else:
        r = facts.get("routes") or {}
        routing = bool(facts.get("frameworks")) or any(r.get(k) for k in _PY_ROUTE_KEYS)
        mod = facts.get("module") or {}
        deps = sorted(
            {
                (str(i.get("module") or ""), int(i.get("level") or 0), i.get("name") or "")
                for i in (mod.get("imports") or {}).values()
            }
        )
        deps = [list(d) for d in deps]
    return {"names": names, "routing": routing, "deps": deps}


def _summary_key(f: CodeFile, versions: dict[str, str]) -> str:
    version = versions.get(f.language)
    if version is None:
        version = versions[f.language] = analyzer_version(f.language)
    return "sum:" + SUMMARY_VERSION + ":" + cache_key(f.language, version, f.blob, f.path)


def summaries(
    files: list[CodeFile], load: BlobLoader, cache: FactsCache, stats: Stats
) -> dict[str, dict[str, Any]]:
    """path -> summary for every file, analysing (and caching) only what is missing."""
    versions: dict[str, str] = {}
    keys = {f.path: _summary_key(f, versions) for f in files}
    found = cache.get_many(keys.values())
    out: dict[str, dict[str, Any]] = {}
    missing: list[CodeFile] = []
    for f in files:
        hit = found.get(keys[f.path])
        if hit is None:
            missing.append(f)
        else:
            out[f.path] = hit
    if missing:
        facts = analyze_files(missing, load, cache, stats)
        fresh = {}
        for f in missing:
            if f.path in facts:
                s = summarize(facts[f.path])
                out[f.path] = s
                fresh[keys[f.path]] = s
        cache.put_many(fresh)
    return out


def _resolve_deps(
    path: str, deps: Iterable[Any], known: Collection[str], py_index: Any
) -> set[str]:
    out: set[str] = set()
    if path.endswith((".py", ".pyi")):
        if py_index is None:
            return out
        for module, level, name in deps:
            target = py_index.module_file(path, module, level)
            if target is None:
                continue
            if not target.path.startswith("pkg:"):
                out.add(target.path)
            if name:
                sub = py_index.submodule(target, name)
                if sub is not None and not sub.path.startswith("pkg:"):
                    out.add(sub.path)
        return out
    from .js_resolve import resolve_module

    for spec in deps:
        hit = resolve_module(path, str(spec), known)
        if hit is not None:
            out.add(hit)
    return out


class Partial(Record):
    """A partial surface and the paths whose symbols it holds."""

    __slots__ = ("linked", "surface")

    surface: Surface
    linked: frozenset[str]

    def __init__(self, surface: Surface, linked: frozenset[str]) -> None:
        self.surface = surface
        self.linked = linked


def index_names(sums: Mapping[str, Mapping[str, Any]]) -> dict[str, list[str]]:
    """name -> paths exporting it, from per-file summaries."""
    names: dict[str, list[str]] = {}
    for p, s in sums.items():
        for n in s["names"]:
            hit = names.get(n)
            if hit is None:
                names[n] = [p]
            else:
                hit.append(p)
    return names


def partial_surface(
    files: Mapping[str, CodeFile],
    focus: Collection[str],
    routing: Collection[str],
    names: Mapping[str, Collection[str]],
    load: BlobLoader,
    cache: FactsCache,
    env_defaults: Mapping[str, tuple[str, str]],
    stats: Stats,
    focus_names: Collection[str] = (),
) -> Partial:
    """Link the focus files (and the files exporting ``focus_names``), every routing file
    and what they import; the rest of the tree is known by its exported ``names`` only."""
    known = files.keys()
    py_index: Any = None

    def python_index() -> Any:
        # Built on first need: only a changed or routing Python file has deps to resolve.
        nonlocal py_index
        if py_index is None:
            from .py_resolve import Index

            py_index = Index({p: {} for p in known if p.endswith((".py", ".pyi"))})
        return py_index

    sums: dict[str, dict[str, Any]] = {}

    def deps_of(paths: Collection[str]) -> set[str]:
        need = [files[p] for p in paths if p not in sums and p in files]
        if need:
            sums.update(summaries(need, load, cache, stats))
        out: set[str] = set()
        for p in paths:
            deps = sums.get(p, {}).get("deps", ())
            if deps:
                index = python_index() if p.endswith((".py", ".pyi")) else None
                out |= _resolve_deps(p, deps, known, index)
        return out

    chosen = {p for p in focus if p in files}
    for n in focus_names:
        chosen.update(names.get(n, ()))
    # Focus files: their direct imports and re-export chains (a barrel `export *`).
    frontier = set(chosen)
    for _ in range(2):
        nxt = deps_of(frontier) - chosen
        chosen |= nxt
        frontier = nxt
    # Routing files and the modules that give them routers and prefix constants.
    frontier = {p for p in routing if p in files} - chosen
    chosen |= frontier
    for _ in range(_ROUTE_DEPTH):
        if not frontier:
            break
        nxt = deps_of(frontier) - chosen
        chosen |= nxt
        frontier = nxt
    facts = analyze_files([files[p] for p in sorted(chosen)], load, cache, stats)
    return Partial(link(facts, env_defaults, stats), frozenset(chosen))
