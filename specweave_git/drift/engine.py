"""Run a drift check on a repository: git trees -> surfaces -> discrepancies (DESIGN §3)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..code.select import SelectOptions, glob_match
from ..errors import UsageError
from ..log import get_logger
from ..model import Surface
from ..record import Record
from .detect import Policy, Scope, TreeNames, detect
from .model import Discrepancy
from .result import CheckResult

if TYPE_CHECKING:
    from ..code.cache import FactsCache
    from ..config import Config
    from ..gitio.changes import ChangeSet
    from ..gitio.repo import Repo
    from ..specs.model import SpecFile, SpecSurface
    from ..specs.select import Selection

log = get_logger(__name__)

SCOPES = ("staged", "range", "since-last", "all")


class Trees(Record):
    """The two sides of a check as (path, blob id) pairs, plus how to read their blobs."""

    __slots__ = ("changes", "disk", "new", "scope")

    scope: Scope
    new: list[tuple[str, str]]  # the whole tree (``--all`` only; empty for a change)
    changes: ChangeSet | None  # a change scope: the diff, patched onto the base tree
    disk: dict[str, str]  # blob id -> work-tree path

    def __init__(
        self,
        scope: Scope,
        new: list[tuple[str, str]],
        changes: ChangeSet | None = None,
        disk: dict[str, str] | None = None,
    ) -> None:
        self.scope = scope
        self.new = new
        self.changes = changes
        self.disk = {} if disk is None else disk


def trees_for(repo: Repo, kind: str, base: str | None, head: str | None, deepen: bool) -> Trees:
    from ..gitio import changes
    from ..gitio import repo as grepo

    if kind == "staged":
        cs = changes.staged(repo)
    elif kind in ("range", "since-last"):
        # since-last: the caller resolved the commit of the last full scan into ``base``.
        if not base:
            raise UsageError("--base is required for a range check", pointer="--base")
        cs = changes.between(repo, base, head or "HEAD", deepen=deepen)
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
    return Trees(scope, [], cs)


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
    from .treeindex import env_defaults, is_env_file

    return env_defaults({p: b for p, b in entries if is_env_file(p)}, load)


def code_surface(
    entries: list[tuple[str, str]],
    load: Callable[[list[str]], dict[str, bytes]],
    cache: FactsCache,
    options: SelectOptions,
    stats: Any = None,
) -> Surface:
    from ..code import surface

    return surface.build(entries, load, cache, options, _env_defaults(entries, load), stats)


def _spec_selection(entries: list[tuple[str, str]], cfg: Config) -> Selection:
    from ..specs.select import SpecOptions, select

    d = cfg.sync.orchestration.discrepancy
    return select(entries, SpecOptions(spec_globs=d.spec_globs, ignore=d.ignore_paths))


def _parse_spec(path: str, raw: bytes) -> SpecFile:
    from ..specs import parse

    sf = parse.parse_spec(path, raw.decode("utf-8", "replace"))
    if path.rsplit("/", 1)[-1] == "tasks.md":
        # tasks.md holds implementation sketches, not API documentation: read its tasks
        # only, or every half-written class in a task becomes "missing".
        sf = sf.replace(symbols=(), routes=())
    return sf


def _spec_summary(sf: SpecFile) -> dict[str, Any]:
    return {
        "names": sorted({d.symbol.name for d in sf.symbols}),
        "routes": sorted({d.route.key for d in sf.routes}),
    }


class SpecStore:
    """Spec files of one tree: full parses and small summaries, both cached by blob id."""

    def __init__(
        self,
        entries: list[tuple[str, str]],
        load: Callable[[list[str]], dict[str, bytes]],
        cache: FactsCache,
        cfg: Config,
    ) -> None:
        from ..code.cache import cache_key
        from ..specs.parse import cache_version

        self.sel = _spec_selection(entries, cfg)
        self.load = load
        self.cache = cache
        self.cfg = cfg
        version = cache_version()  # code blocks go through the code analyzers too
        self.keys = {p: cache_key("md", version, b, p) for p, b in self.sel.specs}
        self.blobs = dict(self.sel.specs)
        self._full: dict[str, SpecFile] = {}

    @property
    def paths(self) -> list[str]:
        return [p for p, _ in self.sel.specs]

    def _parse_missing(self, paths: list[str]) -> None:
        from ..specs.model import SpecFile

        todo = [p for p in paths if p not in self._full]
        if not todo:
            return
        cached = self.cache.get_many(self.keys[p] for p in todo)
        missing = [p for p in todo if self.keys[p] not in cached]
        for p in todo:
            if self.keys[p] in cached:
                self._full[p] = SpecFile.from_json(cached[self.keys[p]])
        if not missing:
            return
        contents = self.load(sorted({self.blobs[p] for p in missing}))
        fresh: dict[str, dict[str, Any]] = {}
        for p in missing:
            raw = contents.get(self.blobs[p])
            if raw is None:
                continue
            sf = _parse_spec(p, raw)
            self._full[p] = sf
            fresh[self.keys[p]] = sf.to_json()
        self.cache.put_many(fresh)

    def summaries(self) -> dict[str, dict[str, Any]]:
        """path -> {"names": [...], "routes": [...]} for every spec of the tree."""
        found = self.cache.get_many("sum:" + k for k in self.keys.values())
        out: dict[str, dict[str, Any]] = {}
        missing = []
        for p, k in self.keys.items():
            hit = found.get("sum:" + k)
            if hit is None:
                missing.append(p)
            else:
                out[p] = hit
        if missing:
            self._parse_missing(missing)
            fresh = {}  # summaries are written here only: parsing writes the full facts
            for p in missing:
                if p in self._full:
                    out[p] = fresh["sum:" + self.keys[p]] = _spec_summary(self._full[p])
            self.cache.put_many(fresh)
        return out

    def surface(self, paths: Iterable[str] | None = None) -> SpecSurface:
        """Full SpecFiles (all, or the given paths), joined with increments' metadata."""
        from ..specs import parse

        wanted = self.paths if paths is None else sorted(set(paths) & set(self.blobs))
        self._parse_missing(wanted)
        specs = [self._full[p] for p in wanted if p in self._full]
        incs = {sf.increment for sf in specs if sf.increment}
        meta_entries = (
            [(p, b) for p, b in self.sel.metadata if p.split("/")[2] in incs] if incs else []
        )
        contents = self.load(sorted({b for _, b in meta_entries})) if meta_entries else {}
        metas = [
            parse.parse_metadata(p, contents[b].decode("utf-8", "replace"))
            for p, b in meta_entries
            if b in contents
        ]
        surface = parse.build(specs, metas)
        return _with_code_globs(surface, self.cfg)


def spec_surface(
    entries: list[tuple[str, str]],
    load: Callable[[list[str]], dict[str, bytes]],
    cache: FactsCache,
    cfg: Config,
) -> SpecSurface:
    """Every spec of the tree, fully parsed (through the cache)."""
    return SpecStore(entries, load, cache, cfg).surface()


def _with_code_globs(surface: SpecSurface, cfg: Config) -> SpecSurface:
    """discrepancy.codeGlobs (spec glob -> code globs) joined to each spec's own `code:`."""
    mapping = cfg.sync.orchestration.discrepancy.code_globs
    if not mapping:
        return surface
    files = []
    for sf in surface.files:
        extra = [
            g
            for spec_glob, globs in mapping.items()
            if _spec_glob_matches(sf.path, spec_glob)
            for g in globs
        ]
        if extra:
            sf = sf.replace(code_globs=(*sf.code_globs, *extra))
        files.append(sf)
    return surface.replace(files=tuple(files))


def _spec_glob_matches(path: str, spec_glob: str) -> bool:
    return spec_glob == "**" or glob_match(path, spec_glob)


def select_options(cfg: Config) -> SelectOptions:
    d = cfg.sync.orchestration.discrepancy
    from ..config import ALL_SPECS

    return SelectOptions(
        max_bytes=d.max_file_bytes,
        include_tests=d.include_tests,
        ignore=d.ignore_paths,
        # codeGlobs as a plain list says which files are code; as a mapping it ties specs
        # to code (see spec_surface) and selects nothing.
        include=tuple(d.code_globs.get(ALL_SPECS, ())),
    )


def policy(cfg: Config) -> Policy:
    d = cfg.sync.orchestration.discrepancy
    return Policy(
        severity_overrides=dict(d.severity_overrides),
        check_types=d.check_types,
    )


def open_cache(repo: Repo) -> FactsCache:
    from ..code.cache import FactsCache
    from ..gitio.repo import cache_dir

    return FactsCache(cache_dir(repo) / "facts.sqlite")


def _check_whole(
    trees: Trees,
    load: Callable[[list[str]], dict[str, bytes]],
    cache: FactsCache,
    cfg: Config,
    stats: Any,
) -> tuple[list[Discrepancy], list[str], dict[str, str]]:
    """``--all``: the whole tree's surfaces, every finding (and path -> blob read)."""
    new = code_surface(trees.new, load, cache, select_options(cfg), stats)
    specs = spec_surface(trees.new, load, cache, cfg)
    found = detect(new, None, specs.files, trees.scope, policy(cfg))
    warnings = [w.render() for w in new.warnings]
    warnings += [w.render() for sf in specs.files for w in sf.warnings]
    return found, warnings, dict(trees.new)


def _check_change(
    repo: Repo,
    trees: Trees,
    load: Callable[[list[str]], dict[str, bytes]],
    cache: FactsCache,
    cfg: Config,
    stats: Any,
) -> tuple[list[Discrepancy], list[str], dict[str, str]]:
    """A staged change or a range: the base tree's index (cached per tree id) patched with
    the change, and surfaces linked only where the change can reach (code/lean.py)."""
    from ..code.lean import partial_surface
    from ..specs.select import SpecOptions
    from . import treeindex

    assert trees.changes is not None
    scope = trees.scope
    options = select_options(cfg)
    d = cfg.sync.orchestration.discrepancy
    spec_options = SpecOptions(spec_globs=d.spec_globs, ignore=d.ignore_paths)

    def stores(entries: list[tuple[str, str]]) -> SpecStore:
        return SpecStore(entries, load, cache, cfg)

    digest = treeindex.settings_digest(options, spec_options)
    old_ix = treeindex.for_commit(
        repo, trees.changes.base, digest, options, stores, load, cache, stats
    )
    new_ix = treeindex.patched(
        old_ix, trees.changes.changes, options, spec_options, stores, load, cache, stats
    )
    changed_specs = [p for p in new_ix.specs if p in scope.changed_specs]
    touched_names: set[str] = set()
    for p in changed_specs:
        touched_names.update(new_ix.spec_sums.get(p, {}).get("names", ()))
    new_sums = new_ix.spec_sums.values()
    old_sums = old_ix.spec_sums.values()
    documented_names = frozenset(n for s in new_sums for n in s.get("names", ()))
    previously_documented = frozenset(n for s in old_sums for n in s.get("names", ()))
    # Names whose documentation this change removed: their code must be linked to be seen.
    touched_names |= previously_documented - documented_names
    new = partial_surface(
        new_ix.code_files(),
        scope.changed_code,
        new_ix.routing,
        new_ix.names,
        load,
        cache,
        new_ix.env_defaults,
        stats,
        focus_names=touched_names,
    )
    old = partial_surface(
        old_ix.code_files(),
        scope.changed_code,
        old_ix.routing,
        old_ix.names,
        load,
        cache,
        old_ix.env_defaults,
        stats,
        focus_names=touched_names,
    )
    # Specs that can be affected: the changed ones, those naming a symbol of a changed
    # file, and those documenting a route whose key or location the change moved.
    changed_names = {
        s.name
        for surf in (new.surface, old.surface)
        for s in surf.symbols
        if s.location.path in scope.changed_code
    }
    old_routes = {(r.key, r.path, r.location.path) for r in old.surface.routes}
    new_routes = {(r.key, r.path, r.location.path) for r in new.surface.routes}
    changed_keys = {k for k, _, _ in old_routes ^ new_routes} | {
        r.key
        for surf in (new.surface, old.surface)
        for r in surf.routes
        if r.location.path in scope.changed_code
    }
    wanted = set(changed_specs)
    for p, summ in new_ix.spec_sums.items():
        if changed_names.intersection(summ.get("names", ())) or changed_keys.intersection(
            summ.get("routes", ())
        ):
            wanted.add(p)
    store = SpecStore(
        [(p, new_ix.specs[p]) for p in sorted(wanted) if p in new_ix.specs]
        + list(new_ix.metadata.items()),
        load,
        cache,
        cfg,
    )
    specs = store.surface()
    tree = TreeNames(
        exported=new_ix.names,
        documented_names=documented_names,
        documented_route_keys=frozenset(k for s in new_sums for k in s.get("routes", ())),
        previously_documented_names=previously_documented,
        previously_documented_route_keys=frozenset(
            k for s in old_sums for k in s.get("routes", ())
        ),
    )
    found = detect(new.surface, old.surface, specs.files, scope, policy(cfg), tree)
    warnings = [w.render() for w in new.surface.warnings if w.path in scope.changed_code]
    warnings += [w.render() for sf in specs.files for w in sf.warnings]
    blobs = {p: b for p, (b, _) in new_ix.code.items()}
    blobs.update(new_ix.specs)
    return found, warnings, blobs


def check_repository(
    repo_dir: Path | None,
    *,
    scope_kind: str = "all",
    base: str | None = None,
    head: str | None = None,
    fail_on: str | None = None,
    deepen: bool = False,
    config_path: Path | None = None,
    fix: str | None = None,
) -> CheckResult:
    """The whole check of DESIGN §3: what ``check`` reports.

    ``fix`` (``trivial`` | ``minor``; ``auto``: trivial when the config's
    ``autoUpdateTrivial`` says so) rewrites eligible findings' specs in the work tree.
    """
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
        if trees.changes is None:
            found, warnings, blobs = _check_whole(trees, load, cache, cfg, stats)
        else:
            found, warnings, blobs = _check_change(repo, trees, load, cache, cfg, stats)
    finally:
        cache.close()
    decisions = bl.load(bl.baseline_path(repo.root))
    found, stale = bl.apply(found, decisions)
    d = cfg.sync.orchestration.discrepancy
    if fix == "auto":
        fix = "trivial" if d.auto_update_trivial else None
    fixed_files: list[str] = []
    fix_warnings: list[str] = []
    if fix:
        from .fixio import fix_findings

        def code_source(path: str) -> bytes | None:
            blob = blobs.get(path)
            return load([blob]).get(blob) if blob else None

        report = fix_findings(
            repo,
            found,
            blobs,
            code_source,
            fix,
            review=d.require_review_for,
            scope_kind=trees.scope.kind,
        )
        found, fixed_files = report.discrepancies, report.fixed_files
        fix_warnings = report.warnings
        warnings += report.warnings
    return CheckResult(
        scope=trees.scope,
        discrepancies=found,
        fail_on=fail_on or cfg.sync.orchestration.discrepancy.fail_on,
        files_parsed=stats.files_parsed,
        elapsed_ms=int((time.perf_counter() - t0) * 1000),
        fixed_files=fixed_files,
        warnings=warnings,
        # A change-scoped check sees only part of the findings: staleness needs --all.
        stale_baseline=[e.fingerprint for e in stale] if trees.scope.whole_tree else [],
        justifications=bl.justifications(decisions),
        fix_warnings=fix_warnings,
    )
