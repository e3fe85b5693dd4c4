"""What a change-scoped check needs to know of a whole tree, cached per tree id.

For a commit's tree: the code and spec files selected, the names every code file
exports, which files take part in routing, what each spec documents, and the documented
environment defaults. Built once per tree (and settings), stored in the parse cache
under the tree id, so the hook never lists or selects the repository again: the staged
side is the HEAD tree's index patched with the handful of files the change touches.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..code.select import CodeFile, SelectOptions, select, skip_reason
from ..code.values import ENV_FILES, env_defaults_from_files
from ..digest import digest
from ..record import Record

if TYPE_CHECKING:
    from ..code.cache import FactsCache
    from ..code.surface import Stats
    from ..gitio.changes import FileChange
    from ..gitio.repo import Repo
    from ..specs.select import SpecOptions

INDEX_VERSION = "tree-1"


class _CodeFiles(Mapping[str, CodeFile]):
    def __init__(self, code: dict[str, tuple[str, str]]) -> None:
        self._code = code

    def __getitem__(self, path: str) -> CodeFile:
        blob, lang = self._code[path]
        return CodeFile(path, blob, lang)

    def __contains__(self, path: object) -> bool:
        return path in self._code

    def __iter__(self) -> Iterator[str]:
        return iter(self._code)

    def __len__(self) -> int:
        return len(self._code)


Loader = Callable[[list[str]], dict[str, bytes]]


class TreeIndex(Record):
    __slots__ = (
        "code",
        "env_defaults",
        "env_files",
        "metadata",
        "names",
        "routing",
        "spec_sums",
        "specs",
    )

    code: dict[str, tuple[str, str]]  # path -> (blob, language), selected code files
    specs: dict[str, str]  # path -> blob, selected spec markdown
    metadata: dict[str, str]  # increments' metadata.json path -> blob
    env_files: dict[str, str]  # .env.example & co: path -> blob
    env_defaults: dict[str, tuple[str, str]]  # VAR -> (value, file)
    names: dict[str, list[str]]  # exported name -> paths
    routing: list[str]  # code files that take part in routing
    spec_sums: dict[str, dict[str, Any]]  # spec path -> {"names": [...], "routes": [...]}

    def __init__(
        self,
        code: dict[str, tuple[str, str]],
        specs: dict[str, str],
        metadata: dict[str, str],
        env_files: dict[str, str],
        env_defaults: dict[str, tuple[str, str]],
        names: dict[str, list[str]],
        routing: list[str],
        spec_sums: dict[str, dict[str, Any]],
    ) -> None:
        self.code = code
        self.specs = specs
        self.metadata = metadata
        self.env_files = env_files
        self.env_defaults = env_defaults
        self.names = names
        self.routing = routing
        self.spec_sums = spec_sums

    def code_files(self) -> Mapping[str, CodeFile]:
        """path -> CodeFile, built on access: a check touches a few dozen of thousands."""
        return _CodeFiles(self.code)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": {p: list(v) for p, v in self.code.items()},
            "specs": self.specs,
            "metadata": self.metadata,
            "env_files": self.env_files,
            "env_defaults": {k: list(v) for k, v in self.env_defaults.items()},
            "names": self.names,
            "routing": self.routing,
            "spec_sums": self.spec_sums,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> TreeIndex:
        return cls(
            code={p: (v[0], v[1]) for p, v in d["code"].items()},
            specs=d["specs"],
            metadata=d["metadata"],
            env_files=d["env_files"],
            env_defaults={k: (v[0], v[1]) for k, v in d["env_defaults"].items()},
            names=d["names"],
            routing=d["routing"],
            spec_sums=d["spec_sums"],
        )


def settings_digest(code_options: SelectOptions, spec_options: SpecOptions) -> str:
    """Everything besides the tree that changes an index: options and analyzer versions."""
    from ..code.lean import SUMMARY_VERSION
    from ..code.surface import analyzer_version
    from ..specs.parse import cache_version

    raw = json.dumps(
        [
            INDEX_VERSION,
            SUMMARY_VERSION,
            analyzer_version("ts"),
            analyzer_version("python"),
            cache_version(),
            [
                code_options.max_bytes,
                code_options.include_tests,
                list(code_options.ignore),
                list(code_options.include),
            ],
            [list(spec_options.spec_globs), list(spec_options.ignore)],
        ]
    )
    return digest(raw.encode())[:16]  # a cache key


def env_defaults(env_files: Mapping[str, str], load: Loader) -> dict[str, tuple[str, str]]:
    """Documented environment defaults from the env-example files (path -> blob)."""
    if not env_files:
        return {}
    blobs = load(sorted(set(env_files.values())))
    texts = {p: blobs[b].decode("utf-8", "replace") for p, b in env_files.items() if b in blobs}
    return env_defaults_from_files(texts)


def is_env_file(path: str) -> bool:
    return path.rsplit("/", 1)[-1] in ENV_FILES


def build(
    entries: Sequence[tuple[str, str]],
    code_options: SelectOptions,
    spec_store_factory: Callable[[list[tuple[str, str]]], Any],
    load: Loader,
    cache: FactsCache,
    stats: Stats,
) -> TreeIndex:
    """The index of a whole tree given as (path, blob) pairs (the slow, complete way)."""
    from ..code.lean import index_names, summaries

    files, _ = select(entries, code_options)
    sums = summaries(files, load, cache, stats)
    store = spec_store_factory(list(entries))
    env_files = {p: b for p, b in entries if is_env_file(p)}
    return TreeIndex(
        code={f.path: (f.blob, f.language) for f in files},
        specs=dict(store.sel.specs),
        metadata=dict(store.sel.metadata),
        env_files=env_files,
        env_defaults=env_defaults(env_files, load),
        names=index_names(sums),
        routing=sorted(p for p, s in sums.items() if s.get("routing")),
        spec_sums=store.summaries(),
    )


def for_commit(
    repo: Repo,
    commit: str | None,
    digest: str,
    code_options: SelectOptions,
    spec_store_factory: Callable[[list[tuple[str, str]]], Any],
    load: Loader,
    cache: FactsCache,
    stats: Stats,
) -> TreeIndex:
    """The index of ``commit``'s tree, from the cache when this tree was seen before."""
    from ..gitio.trees import tree_entries

    if commit is None:  # unborn branch: an empty tree
        return build([], code_options, spec_store_factory, load, cache, stats)
    tree_id = repo.git("rev-parse", f"{commit}^{{tree}}").decode().strip()
    key = f"tree:{digest}:{tree_id}"
    hit = cache.get_many([key]).get(key)
    if hit is not None:
        try:
            return TreeIndex.from_json(hit)
        except (KeyError, TypeError, IndexError, ValueError):
            pass  # an index from an older layout: rebuilt below
    index = build(tree_entries(repo, commit), code_options, spec_store_factory, load, cache, stats)
    cache.put_many({key: index.to_json()})
    return index


def patched(
    base: TreeIndex,
    changes: Iterable[FileChange],
    code_options: SelectOptions,
    spec_options: SpecOptions,
    spec_store_factory: Callable[[list[tuple[str, str]]], Any],
    load: Loader,
    cache: FactsCache,
    stats: Stats,
) -> TreeIndex:
    """``base`` with a change applied: only the changed files are looked at."""
    from ..code.languages import language_for
    from ..code.lean import summaries
    from ..specs.select import select as select_specs

    changes = list(changes)
    code = dict(base.code)
    specs = dict(base.specs)
    metadata = dict(base.metadata)
    env_files = dict(base.env_files)
    # Copy-on-write: only the names the change touches get new lists.
    names = dict(base.names)
    routing = set(base.routing)
    spec_sums = dict(base.spec_sums)
    gone = {c.old_path or c.path for c in changes if c.status != "A"}
    added = [(c.path, c.new_blob) for c in changes if c.status != "D" and c.new_blob]
    # Old sides out: their names, routing role and spec entries.
    old_code = [CodeFile(p, *code[p]) for p in gone if p in code]
    old_sums = summaries(old_code, load, cache, stats)
    for p, summ in old_sums.items():
        for n in summ["names"]:
            ps = names.get(n)
            if ps is not None and p in ps:
                rest = [q for q in ps if q != p]
                if rest:
                    names[n] = rest
                else:
                    del names[n]
    for p in gone:
        code.pop(p, None)
        routing.discard(p)
        specs.pop(p, None)
        spec_sums.pop(p, None)
        metadata.pop(p, None)
        env_files.pop(p, None)
    # New sides in.
    siblings = frozenset(code) | {p for p, _ in added}
    new_code = []
    for p, b in added:
        lang = language_for(p)
        if lang is not None and skip_reason(p, code_options, siblings) is None:
            new_code.append(CodeFile(p, b, lang))
            code[p] = (b, lang)
    for p, summ in summaries(new_code, load, cache, stats).items():
        for n in summ["names"]:
            names[n] = [*names.get(n, ()), p]
        if summ.get("routing"):
            routing.add(p)
    sel = select_specs(added, spec_options)
    specs.update(sel.specs)
    metadata.update(sel.metadata)
    if sel.specs:
        spec_sums.update(spec_store_factory(list(sel.specs)).summaries())
    env_changed = False
    for p, b in added:
        if is_env_file(p):
            env_files[p] = b
            env_changed = True
    env_changed = env_changed or any(is_env_file(p) for p in gone)
    return TreeIndex(
        code=code,
        specs=specs,
        metadata=metadata,
        env_files=env_files,
        env_defaults=env_defaults(env_files, load) if env_changed else base.env_defaults,
        names=names,
        routing=sorted(routing),
        spec_sums=spec_sums,
    )
