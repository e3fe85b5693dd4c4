"""Run a drift check on a repository: git trees -> surfaces -> discrepancies (DESIGN §3)."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..code.select import SelectOptions, glob_match
from ..errors import UsageError
from ..model import Surface
from .detect import Policy, Scope, detect
from .result import CheckResult

if TYPE_CHECKING:
    from ..code.cache import FactsCache
    from ..config import Config
    from ..gitio.repo import Repo
    from ..specs.model import SpecFile, SpecSurface

log = logging.getLogger(__name__)

SCOPES = ("staged", "range", "since-last", "all")


@dataclass
class Trees:
    """The two sides of a check as (path, blob id) pairs, plus how to read their blobs."""

    scope: Scope
    new: list[tuple[str, str]]
    old: list[tuple[str, str]] | None
    disk: dict[str, str] = field(default_factory=dict)  # blob id -> work-tree path


def trees_for(repo: Repo, kind: str, base: str | None, head: str | None, deepen: bool) -> Trees:
    from ..gitio import changes, trees
    from ..gitio import repo as grepo

    if kind == "staged":
        cs = changes.staged(repo)
        new = trees.index_entries(repo)
        old = trees.tree_entries(repo, cs.base)
    elif kind == "range":
        if not base:
            raise UsageError("--base is required for a range check", pointer="--base")
        cs = changes.between(repo, base, head or "HEAD", deepen=deepen)
        new = trees.tree_entries(repo, cs.head)
        old = trees.tree_entries(repo, cs.base)
    elif kind == "all":
        cs = changes.all_files(repo, head) if head else changes.all_files(repo)
        disk = {c.new_blob: c.path for c in cs.changes if c.worktree and c.new_blob}
        new = [(c.path, c.new_blob) for c in cs.changes if c.new_blob]
        scope = Scope("all", base=None, head=cs.head or grepo.head(repo))
        return Trees(scope, new, None, disk)
    else:
        raise UsageError(f"unknown scope {kind!r}", pointer="--scope")
    changed = frozenset(p for c in cs.changes for p in (c.path, c.old_path) if p is not None)
    scope = Scope(kind, changed_code=changed, changed_specs=changed, base=cs.base, head=cs.head)
    return Trees(scope, new, old)


def blob_loader(repo: Repo, disk: Mapping[str, str]) -> Callable[[list[str]], dict[str, bytes]]:
    def load(oids: list[str]) -> dict[str, bytes]:
        from ..gitio.blobs import BlobReader

        out: dict[str, bytes] = {}
        from_db = [o for o in oids if o not in disk]
        for oid in oids:
            if oid in disk:
                try:
                    out[oid] = (repo.root / disk[oid]).read_bytes()
                except OSError as e:
                    log.warning("%s: unreadable (%s)", disk[oid], e)
        if from_db:
            with BlobReader(repo) as reader:
                out.update(reader.read_many(from_db))
        return out

    return load


def _env_defaults(
    entries: Iterable[tuple[str, str]], load: Callable[[list[str]], dict[str, bytes]]
) -> dict[str, tuple[str, str]]:
    from ..code.values import ENV_FILES, env_defaults_from_files

    wanted = [(p, b) for p, b in entries if p.rsplit("/", 1)[-1] in ENV_FILES]
    if not wanted:
        return {}
    blobs = load([b for _, b in wanted])
    texts = {p: blobs[b].decode("utf-8", "replace") for p, b in wanted if b in blobs}
    return env_defaults_from_files(texts)


def code_surface(
    entries: list[tuple[str, str]],
    load: Callable[[list[str]], dict[str, bytes]],
    cache: FactsCache,
    options: SelectOptions,
    stats: Any = None,
) -> Surface:
    from ..code import surface

    return surface.build(entries, load, cache, options, _env_defaults(entries, load), stats)


def spec_surface(
    entries: list[tuple[str, str]],
    load: Callable[[list[str]], dict[str, bytes]],
    cache: FactsCache,
    cfg: Config,
) -> SpecSurface:
    from ..code.cache import cache_key
    from ..specs import parse
    from ..specs.model import SpecFile
    from ..specs.select import SpecOptions, select

    d = cfg.sync.orchestration.discrepancy
    sel = select(entries, SpecOptions(spec_globs=d.spec_globs, ignore=d.ignore_paths))
    version = parse.cache_version()  # code blocks go through the code analyzers too
    keys = {p: cache_key("md", version, b, p) for p, b in sel.specs}
    cached = cache.get_many(keys.values())
    specs: list[SpecFile] = []
    missing = [(p, b) for p, b in sel.specs if keys[p] not in cached]
    contents = load(sorted({b for _, b in missing} | {b for _, b in sel.metadata}))
    fresh: dict[str, dict[str, Any]] = {}
    for p, b in sel.specs:
        hit = cached.get(keys[p])
        if hit is not None:
            specs.append(SpecFile.from_json(hit))
            continue
        raw = contents.get(b)
        if raw is None:
            continue
        sf = parse.parse_spec(p, raw.decode("utf-8", "replace"))
        if p.rsplit("/", 1)[-1] == "tasks.md":
            # tasks.md holds implementation sketches, not API documentation: read its
            # tasks only, or every half-written class in a task becomes "missing".
            sf = dataclasses.replace(sf, symbols=(), routes=())
        specs.append(sf)
        fresh[keys[p]] = sf.to_json()
    cache.put_many(fresh)
    metas = [
        parse.parse_metadata(p, contents[b].decode("utf-8", "replace"))
        for p, b in sel.metadata
        if b in contents
    ]
    surface = parse.build(specs, metas)
    # discrepancy.codeGlobs: spec glob -> code globs, joined to each spec's own `code:`.
    mapping = d.code_globs
    if mapping:
        files = []
        for sf in surface.files:
            extra = [
                g
                for spec_glob, globs in mapping.items()
                if _spec_glob_matches(sf.path, spec_glob)
                for g in globs
            ]
            if extra:
                sf = dataclasses.replace(sf, code_globs=(*sf.code_globs, *extra))
            files.append(sf)
        surface = dataclasses.replace(surface, files=tuple(files))
    return surface


def _spec_glob_matches(path: str, spec_glob: str) -> bool:
    return spec_glob == "**" or glob_match(path, spec_glob)


def select_options(cfg: Config) -> SelectOptions:
    d = cfg.sync.orchestration.discrepancy
    return SelectOptions(
        max_bytes=d.max_file_bytes, include_tests=d.include_tests, ignore=d.ignore_paths
    )


def policy(cfg: Config) -> Policy:
    d = cfg.sync.orchestration.discrepancy
    api_globs = tuple(dict.fromkeys(g for globs in d.code_globs.values() for g in globs))
    return Policy(
        severity_overrides=dict(d.severity_overrides),
        check_types=d.check_types,
        code_globs=api_globs,
    )


def open_cache(repo: Repo) -> FactsCache:
    from ..code.cache import FactsCache
    from ..gitio.repo import cache_dir

    return FactsCache(cache_dir(repo) / "facts.sqlite")


def check_repository(
    repo_dir: Path | None,
    *,
    scope_kind: str = "all",
    base: str | None = None,
    head: str | None = None,
    fail_on: str | None = None,
    deepen: bool = False,
    config_path: Path | None = None,
) -> CheckResult:
    """The whole check of DESIGN §3 (without fixing): what ``check`` reports."""
    from ..code.surface import Stats
    from ..config import load_config
    from ..gitio.repo import cache_dir, open_repo
    from . import baseline as bl

    t0 = time.perf_counter()
    repo = open_repo(repo_dir)
    cfg = load_config(repo.root, path=config_path, cache_dir=cache_dir(repo))
    trees = trees_for(repo, scope_kind, base, head, deepen)
    load = blob_loader(repo, trees.disk)
    cache = open_cache(repo)
    stats = Stats()
    try:
        options = select_options(cfg)
        new = code_surface(trees.new, load, cache, options, stats)
        old = (
            code_surface(trees.old, load, cache, options, stats) if trees.old is not None else None
        )
        specs = spec_surface(trees.new, load, cache, cfg)
    finally:
        cache.close()
    found = detect(new, old, specs.files, trees.scope, policy(cfg))
    decisions = bl.load(bl.baseline_path(repo.root))
    found, stale = bl.apply(found, decisions)
    warnings = [w.render() for w in new.warnings]
    warnings += [w.render() for sf in specs.files for w in sf.warnings]
    return CheckResult(
        scope=trees.scope,
        discrepancies=found,
        fail_on=fail_on or cfg.sync.orchestration.discrepancy.fail_on,
        files_parsed=stats.files_parsed,
        elapsed_ms=int((time.perf_counter() - t0) * 1000),
        warnings=warnings,
        # A change-scoped check sees only part of the findings: staleness needs --all.
        stale_baseline=[e.fingerprint for e in stale] if trees.scope.whole_tree else [],
        justifications=bl.justifications(decisions),
    )
