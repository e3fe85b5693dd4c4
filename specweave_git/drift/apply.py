"""Perform a reviewed finding's recommendation in the spec (``discrepancies accept --apply``):
stub sections for undocumented routes and symbols, signature rewrites, deprecations."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..model import Route, Symbol
from ..record import FrozenRecord, set_field
from . import decl as decls
from . import fix as fixmod
from .model import Discrepancy
from .textedit import SpecText, heading_level

if TYPE_CHECKING:
    from ..gitio.repo import Repo
    from ..specs.model import SpecFile

LOG_PATH = ".specweave/logs/discrepancy-updates.jsonl"
DEPRECATE_RULES = frozenset({"route-missing", "route-unimplemented"})
ROUTE_REWRITES = frozenset({"route-param-renamed", "route-method-changed"})


class Applied(FrozenRecord):
    __slots__ = ("change", "spec_path", "text")

    spec_path: str
    change: str  # stub-route | stub-symbol | rewrite | deprecate
    text: str  # the spec's new text

    def __init__(self, spec_path: str, change: str, text: str) -> None:
        set_field(self, "spec_path", spec_path)
        set_field(self, "change", change)
        set_field(self, "text", text)


def supported(rule: str) -> bool:
    return (
        rule in ("route-undocumented", "symbol-undocumented")
        or rule in DEPRECATE_RULES
        or rule in ROUTE_REWRITES
        or rule in fixmod.SYMBOL_RULES
    )


def plan(
    d: Discrepancy,
    specs: list[SpecFile],
    code_routes: list[Route],
    code_symbols: list[Symbol],
    read: Callable[[str], str],
    code_source: fixmod.CodeSource,
    default_spec: str,
    commit: str,
) -> Applied:
    """The spec change that performs ``d``'s recommendation (nothing is written here).

    ``read(path)`` gives a spec's current text ('' for a file that does not exist yet).
    """
    t = d.target
    if t is None or not supported(d.rule):
        raise UsageError(f"{d.rule}: no change can be applied automatically; {d.recommendation}")
    if d.rule == "route-undocumented" and isinstance(t.code, Route):
        return _stub_route(t.code, specs, code_routes, read, default_spec)
    if d.rule == "symbol-undocumented" and isinstance(t.code, Symbol):
        return _stub_symbol(t.code, specs, code_symbols, read, code_source, default_spec)
    if d.spec is None:
        raise UsageError(f"{d.rule} {d.subject}: the finding names no spec to change")
    path = d.spec.path
    if d.rule in DEPRECATE_RULES and isinstance(t.doc, Route):
        return Applied(path, "deprecate", _deprecate(read(path), t.doc, t.spans, commit))
    if d.rule == "route-method-changed" and isinstance(t.doc, Route) and isinstance(t.code, Route):
        return Applied(path, "rewrite", _method(read(path), t.doc, t.code, t.spans))
    fixer = fixmod.SpecFixer(read(path), code_source)
    if not fixer.add(d):
        raise UsageError(f"{d.rule} {d.subject}: " + "; ".join(fixer.warnings))
    return Applied(path, "rewrite", fixer.text())


# --- where a stub goes ----------------------------------------------------------------------


def _neighbour_spec(
    specs: list[SpecFile], documented: Callable[[SpecFile], int], default_spec: str
) -> str:
    """The spec documenting most neighbours of the new item, else the configured one."""
    counts = Counter({sf.path: documented(sf) for sf in specs})
    best = [p for p, n in counts.most_common() if n > 0]
    return sorted(best, key=lambda p: (-counts[p], p))[0] if best else default_spec


def _section_end(st: SpecText, line: int) -> int:
    """The line before which a sibling of the heading at ``line`` is inserted."""
    level = heading_level(st.line(line))
    for n in range(line + 1, len(st) + 1):
        if st.is_heading(n) and 0 < heading_level(st.line(n)) <= level:
            return n
    return len(st) + 1


def _insert(st: SpecText, block: list[str], after_heading: int | None) -> str:
    if after_heading is None:
        st.append_block(block)
    else:
        at = _section_end(st, after_heading)
        st.append_block(block, None if at > len(st) else at)
    return st.text()


def _last_heading(st: SpecText, lines: list[int]) -> int | None:
    heads = [n for n in lines if 0 < n <= len(st) and st.is_heading(n)]
    return max(heads) if heads else None


def _stub_route(
    code: Route,
    specs: list[SpecFile],
    code_routes: list[Route],
    read: Callable[[str], str],
    default_spec: str,
) -> Applied:
    siblings = {r.key for r in code_routes if r.location.path == code.location.path}
    siblings.discard(code.key)
    path = _neighbour_spec(
        specs, lambda sf: sum(1 for r in sf.routes if r.key in siblings), default_spec
    )
    sf = next((s for s in specs if s.path == path), None)
    near = [r for r in sf.routes if r.key in siblings] if sf else []
    st = SpecText(read(path))
    anchor = _last_heading(st, [r.span[0] for r in near])
    level = heading_level(st.line(anchor)) if anchor else 2
    braces = any("{" in r.raw for r in near)
    shown = code.path if braces else code.path_display
    block = [
        f"{'#' * level} {code.method} {shown}",
        "",
        f"TODO: describe {code.method} {shown} (served by {code.location.path}).",
    ]
    return Applied(path, "stub-route", _insert(st, block, anchor))


def _stub_symbol(
    code: Symbol,
    specs: list[SpecFile],
    code_symbols: list[Symbol],
    read: Callable[[str], str],
    code_source: fixmod.CodeSource,
    default_spec: str,
) -> Applied:
    siblings = {s.name for s in code_symbols if s.location.path == code.location.path}
    siblings.discard(code.name)
    path = _neighbour_spec(
        specs, lambda sf: sum(1 for s in sf.symbols if s.symbol.name in siblings), default_spec
    )
    sf = next((s for s in specs if s.path == path), None)
    near = [s for s in sf.symbols if s.symbol.name in siblings] if sf else []
    st = SpecText(read(path))
    anchor = _last_heading(st, [n for s in near for n in (s.span[0], *(a[0] for a in s.also))])
    level = heading_level(st.line(anchor)) if anchor else 3
    # Backticks as the neighbours write them; a capitalised name needs them to be read
    # as a signature rather than a title.
    ticks = any("`" in s.raw for s in near if s.origin == "heading") or code.name[:1].isupper()
    title = _symbol_title(code, code_source, ticks)
    block = [
        f"{'#' * level} {title}",
        "",
        f"TODO: describe {code.name} (exported by {code.location.path}).",
    ]
    return Applied(path, "stub-symbol", _insert(st, block, anchor))


def _symbol_title(code: Symbol, code_source: fixmod.CodeSource, ticks: bool) -> str:
    """``createUser(name: string): User`` for a function, ``interface User`` otherwise."""
    word = {"function": "function", "const": "const", "method": "function"}.get(code.kind)
    if word is None:
        return f"{code.kind} {code.name}"
    source = code_source(code.location.path)
    if source is None:
        return f"`{code.name}`"
    found = decls.find(source, code.language or "ts", code.name, code.location.line)
    if found is None or not found.is_function or found.params is None:
        return f"`{code.name}`"
    core = fixmod.signature_core(source, found, arrow=False)
    sig = code.name + fixmod.one_line(core, code.language == "python")
    return f"`{sig}`" if ticks else sig


# --- rewrites of a documented route ---------------------------------------------------------


def _route_lines(
    st: SpecText, doc: Route, spans: tuple[tuple[int, int], ...]
) -> list[tuple[int, re.Match[str]]]:
    """Each (line, match) of ``METHOD /path`` (the documented route) outside code blocks."""
    pattern, _ = fixmod.path_pattern([s for s in doc.path.split("/") if s])
    rx = re.compile(rf"(`?)(?<![\w]){doc.method}\s+{pattern}(?:[^`\s]*)(`?)")
    out = []
    for start, end in spans:
        for n in range(start, min(end, len(st)) + 1):
            if st.fence_at(n) is not None:
                continue
            m = rx.search(st.line(n))
            if m:
                out.append((n, m))
    return out


def _deprecate(text: str, doc: Route, spans: tuple[tuple[int, int], ...], commit: str) -> str:
    """``## DELETE /api/x`` -> ``## ~~DELETE /api/x~~ (removed in abc1234)``; a mention
    loses its backticks too, so it no longer documents the route."""
    st = SpecText(text)
    hits = _route_lines(st, doc, spans)
    if not hits:
        raise UsageError(f"{doc.method} {doc.path_display}: not found in {doc.location.path}")
    for n, m in hits:
        line = st.line(n)
        inner = m.group(0).strip("`")
        new = f"~~{inner}~~ (removed in {commit})"
        st.replace(n, n, [line[: m.start()] + new + line[m.end() :]])
    return st.text()


def _method(text: str, doc: Route, code: Route, spans: tuple[tuple[int, int], ...]) -> str:
    st = SpecText(text)
    hits = _route_lines(st, doc, spans)
    if not hits:
        raise UsageError(f"{doc.method} {doc.path_display}: not found in {doc.location.path}")
    for n, m in hits:
        line = st.line(n)
        old = m.group(0)
        new = old.replace(doc.method, code.method, 1)
        st.replace(n, n, [line[: m.start()] + new + line[m.end() :]])
    return st.text()


# --- the record of applied changes ------------------------------------------------------------


def log_record(
    d: Discrepancy, applied: Applied, commit: str | None, who: str, at: str
) -> dict[str, Any]:
    return {
        "at": at,
        "rule": d.rule,
        "fingerprint": d.fingerprint,
        "subject": d.subject,
        "change": applied.change,
        "spec": applied.spec_path,
        "commit": commit,
        "who": who,
    }


def append_log(repo: Repo, record: dict[str, Any]) -> None:
    """One JSON line in ``.specweave/logs/discrepancy-updates.jsonl`` (appended whole)."""
    path = repo.root / LOG_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
    # One write of one line to a file opened for append: concurrent writers interleave
    # whole lines, never parts of them.
    with path.open("a", encoding="utf-8", newline="\n") as f:
        f.write(line)


# --- in a repository ---------------------------------------------------------------------------


def apply_in_repo(repo: Repo, d: Discrepancy, default_spec: str, who: str) -> Applied:
    """Perform ``d``'s recommendation on the work tree and log it; returns what changed.

    Reads the whole tree's surfaces (cached by blob id) to find the neighbours of a new
    item; refuses a spec whose work-tree file changed since those were read.
    """
    from ..config import load_config
    from ..gitio.repo import cache_dir
    from . import engine
    from .baseline import now_utc
    from .fixio import worktree_blobs, write_unchanged

    cfg = load_config(repo.root, cache_dir=cache_dir(repo))
    trees = engine.trees_for(repo, "all", None, None, False)
    load = engine.blob_loader(repo, trees.disk)
    cache = engine.open_cache(repo)
    try:
        code = engine.code_surface(trees.new, load, cache, engine.select_options(cfg))
        specs = engine.spec_surface(trees.new, load, cache, cfg)
    finally:
        cache.close()
    blobs = dict(trees.new)
    read_bytes: dict[str, bytes] = {}

    def code_source(path: str) -> bytes | None:
        blob = blobs.get(path)
        return load([blob]).get(blob) if blob else None

    def read(path: str) -> str:
        if path in read_bytes:
            return read_bytes[path].decode("utf-8")
        blob = blobs.get(path)
        if blob is not None and worktree_blobs(repo, [path]).get(path) != blob:
            raise UsageError(f"{path} changed during the run; try again", file=path)
        try:
            raw = (repo.root / path).read_bytes()
        except FileNotFoundError:
            raw = b""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise UsageError(f"{path} is not UTF-8 ({e})", file=path) from e
        read_bytes[path] = raw
        return text

    if default_spec.startswith("/") or ".." in default_spec.split("/"):
        raise UsageError(
            f"discrepancy.stubSpec {default_spec!r} must be a path inside the repository",
            pointer="/sync/orchestration/discrepancy/stubSpec",
        )
    commit = _head(repo)
    short = _short(repo, commit) if commit else None
    applied = plan(
        d,
        list(specs.files),
        list(code.routes),
        list(code.symbols),
        read,
        code_source,
        default_spec,
        short or "the working tree",
    )
    before = read_bytes.get(applied.spec_path, b"")
    problem = write_unchanged(repo, applied.spec_path, before, applied.text.encode("utf-8"))
    if problem:
        raise UsageError(problem, file=applied.spec_path)
    append_log(repo, log_record(d, applied, commit, who, now_utc()))
    return applied


def _head(repo: Repo) -> str | None:
    proc = repo.run("rev-parse", "--verify", "-q", "HEAD")
    return (proc.stdout.decode().strip() or None) if proc.returncode == 0 else None


def _short(repo: Repo, sha: str) -> str:
    return repo.git("rev-parse", "--short", sha).decode().strip()
