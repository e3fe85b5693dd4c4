"""Detect discrepancies between the code surface and the documented surface (DESIGN §3, §5).

Scopes: with ``old`` (the surface before the change) findings are change-scoped:
undocumented items are reported for what the change *adds*, missing items for what it
removed or what specs it touched document, signature/field rules for documented items
whose code or spec changed. Without ``old`` (``--all``) the whole tree is reported.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Protocol

from ..code.select import glob_match
from ..model import Location, Route, Surface, Symbol, path_key
from ..record import FrozenRecord, Record, set_field
from .compare import Finding, compare_symbol, is_type_kind, norm_type, signature_text
from .model import RULES, Discrepancy, Target, severity_rank


class _Documented(Protocol):
    @property
    def span(self) -> tuple[int, int]: ...
    @property
    def ignore(self) -> tuple[str, ...]: ...
    @property
    def also(self) -> tuple[tuple[int, int], ...]: ...


class DocSymbolLike(_Documented, Protocol):
    @property
    def symbol(self) -> Symbol: ...


class DocRouteLike(_Documented, Protocol):
    @property
    def route(self) -> Route: ...


class SpecFileLike(Protocol):
    @property
    def path(self) -> str: ...
    @property
    def code_globs(self) -> tuple[str, ...]: ...
    @property
    def symbols(self) -> Sequence[DocSymbolLike]: ...
    @property
    def routes(self) -> Sequence[DocRouteLike]: ...


class Scope(FrozenRecord):
    __slots__ = ("base", "changed_code", "changed_specs", "head", "kind")

    kind: str  # staged | range | since-last | all
    changed_code: frozenset[str]  # old and new paths of changed code files
    changed_specs: frozenset[str]
    base: str | None
    head: str | None

    def __init__(
        self,
        kind: str,
        changed_code: frozenset[str] = frozenset(),
        changed_specs: frozenset[str] = frozenset(),
        base: str | None = None,
        head: str | None = None,
    ) -> None:
        set_field(self, "kind", kind)
        set_field(self, "changed_code", changed_code)
        set_field(self, "changed_specs", changed_specs)
        set_field(self, "base", base)
        set_field(self, "head", head)

    @property
    def whole_tree(self) -> bool:
        return self.kind == "all"


class TreeNames(FrozenRecord):
    """What a change-scoped check knows of the whole tree beyond its partial surfaces."""

    __slots__ = (
        "documented_names",
        "documented_route_keys",
        "exported",
        "previously_documented_names",
        "previously_documented_route_keys",
    )

    exported: Mapping[str, Collection[str]]  # name -> paths exporting it (new tree)
    documented_names: frozenset[str]  # every symbol name any spec documents
    documented_route_keys: frozenset[str]  # every route key any spec documents
    # The same before the change: documentation the change removed makes code undocumented.
    previously_documented_names: frozenset[str]
    previously_documented_route_keys: frozenset[str]

    def __init__(
        self,
        exported: Mapping[str, Collection[str]],
        documented_names: frozenset[str],
        documented_route_keys: frozenset[str],
        previously_documented_names: frozenset[str] = frozenset(),
        previously_documented_route_keys: frozenset[str] = frozenset(),
    ) -> None:
        set_field(self, "exported", exported)
        set_field(self, "documented_names", documented_names)
        set_field(self, "documented_route_keys", documented_route_keys)
        set_field(self, "previously_documented_names", previously_documented_names)
        set_field(self, "previously_documented_route_keys", previously_documented_route_keys)


class Policy(Record):
    __slots__ = ("check_types", "severity_overrides")

    severity_overrides: dict[str, str]  # rule -> severity|off
    check_types: tuple[str, ...]

    def __init__(
        self,
        severity_overrides: dict[str, str] | None = None,
        check_types: tuple[str, ...] = ("api-routes", "types", "functions"),
    ) -> None:
        self.severity_overrides = {} if severity_overrides is None else severity_overrides
        self.check_types = check_types


def _ignored(rule: str, ignore: Iterable[str]) -> bool:
    ig = set(ignore)
    return "all" in ig or rule in ig


def _sym_sig(s: Symbol) -> object:
    """What of a symbol matters for drift: no location, defaults or formatting.

    Type texts are compared in canonical form, so a formatting-only code change (union
    order, quote style, ``;`` in a type literal) leaves the symbol "unchanged" and yields
    nothing in a change scope (DESIGN §5: signature-format is about the spec's text).
    """
    sigs = tuple(
        (
            tuple((p.name, p.optional, p.rest, p.kind, norm_type(p.type)) for p in g.params),
            norm_type(g.returns),
        )
        for g in s.signatures
    )
    fields = tuple((f.name, f.optional, norm_type(f.type)) for f in s.fields)
    members = tuple((m.name, _sym_sig(m)) for m in s.members)
    return (s.kind, sigs, fields, members, norm_type(s.type_text))


class _Builder:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.out: dict[str, Discrepancy] = {}

    def add(
        self,
        rule: str,
        subject: str,
        message: str,
        recommendation: str,
        *,
        spec: Location | None,
        code: Location | None,
        spec_value: str | None = None,
        code_value: str | None = None,
        severity: str | None = None,
        span: tuple[int, int] | None = None,
        ignore: Iterable[str] = (),
        key: str | None = None,
        target: Target | None = None,
    ) -> None:
        meta = RULES[rule]
        if meta.check_type not in self.policy.check_types or _ignored(rule, ignore):
            return
        sev = self.policy.severity_overrides.get(rule, severity or meta.severity)
        if sev == "off":
            return
        d = Discrepancy(
            rule=rule,
            severity=sev,
            subject=subject,
            subject_key=key or subject,
            message=message,
            recommendation=recommendation,
            spec=spec,
            code=code,
            spec_value=spec_value,
            code_value=code_value,
            spec_span=span,
            target=target,
        )
        self.out.setdefault(d.fingerprint, d)

    def finding(self, f: Finding, doc: DocSymbolLike, code: Symbol) -> None:
        self.add(
            f.rule,
            f.subject,
            f.message,
            f.recommendation,
            spec=doc.symbol.location,
            code=code.location,
            spec_value=f.spec_value,
            code_value=f.code_value,
            span=doc.span,
            ignore=doc.ignore,
            target=_target(doc, doc.symbol, code),
        )

    def route_doc(
        self,
        rule: str,
        doc: DocRouteLike,
        message: str,
        recommendation: str,
        *,
        code: Route | None,
        spec_value: str | None,
        code_value: str | None = None,
    ) -> None:
        """A finding about a documented route: located at the doc, keyed by its route key."""
        r = doc.route
        self.add(
            rule,
            f"{r.method} {r.path_display}",
            message,
            recommendation,
            spec=r.location,
            code=code.location if code is not None else None,
            spec_value=spec_value,
            code_value=code_value,
            span=doc.span,
            ignore=doc.ignore,
            key=r.key,
            target=_target(doc, r, code),
        )


def _target(doc: _Documented, documented: Symbol | Route, code: Symbol | Route | None) -> Target:
    return Target((doc.span, *doc.also), documented, code)


def _matches_globs(path: str, globs: Sequence[str]) -> bool:
    return any(glob_match(path, g) for g in globs)


_UNRESOLVED_SEG = re.compile(r"\$[^/]*")


def _route_key_matches(doc_key: str, code: Route) -> bool:
    """Name-blind key match; an unresolved prefix (``$API_PREFIX``) matches any segments."""
    if not code.unresolved:
        return doc_key == code.key
    method, _, dpath = doc_key.partition(" ")
    if method != code.method:
        return False
    pattern = "^" + _UNRESOLVED_SEG.sub("\x00", path_key(code.path)) + "$"
    pattern = re.escape(pattern).replace("\\^", "^").replace("\\$", "$").replace("\x00", ".*")
    return re.match(pattern, dpath) is not None


def detect(
    new: Surface,
    old: Surface | None,
    specs: Sequence[SpecFileLike],
    scope: Scope,
    policy: Policy | None = None,
    tree: TreeNames | None = None,
) -> list[Discrepancy]:
    """Discrepancies between ``new`` (and ``old``, for a change) and the specs.

    ``tree`` is given when the surfaces are partial (a change-scoped fast path): then
    ``specs`` holds only the specs that can be affected, and ``tree`` answers what the
    rest of the repository exports and documents.
    """
    b = _Builder(policy or Policy())
    change = not scope.whole_tree and old is not None
    _detect_routes(b, new, old if change else None, specs, scope, tree)
    _detect_symbols(b, new, old if change else None, specs, scope, tree)
    return sorted(b.out.values(), key=sort_key)


def sort_key(d: Discrepancy) -> tuple[object, ...]:
    """Most severe first, then by spec location, then code location."""
    return (
        -severity_rank(d.severity),
        d.spec.path if d.spec else "~",
        d.spec.line if d.spec else 0,
        d.code.path if d.code else "",
        d.code.line if d.code else 0,
        d.rule,
        d.subject,
    )


# --- routes ----------------------------------------------------------------------------


# Methods people swap for one another: a documented PUT served as PATCH is a method
# change, not a removal plus an unrelated addition.
_METHOD_FAMILIES = ({"PUT", "PATCH", "POST"}, {"GET", "HEAD"}, {"DELETE"}, {"OPTIONS"})


def _related(a: str, b: str) -> bool:
    return any(a in fam and b in fam for fam in _METHOD_FAMILIES)


def _detect_routes(
    b: _Builder,
    new: Surface,
    old: Surface | None,
    specs: Sequence[SpecFileLike],
    scope: Scope,
    tree: TreeNames | None,
) -> None:
    docs = [(spec, doc) for spec in specs for doc in spec.routes]
    documented_keys = {doc.route.key for _, doc in docs}
    if tree is not None:
        documented_keys |= tree.documented_route_keys
    explained: set[tuple[str, str]] = set()  # (method, path key) of code routes accounted for
    old_routes = list(old.routes) if old is not None else []
    for spec, doc in docs:
        spec_touched = spec.path in scope.changed_specs
        r = doc.route
        key = r.key
        subject = f"{r.method} {r.path_display}"
        served = [c for c in new.routes if _route_key_matches(key, c)]
        if served and all(c.unresolved for c in served):
            code = served[0]
            was_resolved = any(not c.unresolved and _route_key_matches(key, c) for c in old_routes)
            if (
                old is None
                or spec_touched
                or was_resolved
                or (code.location.path in scope.changed_code)
            ):
                b.route_doc(
                    "route-unresolved",
                    doc,
                    f"{r.method} {r.path_display} matches {code.method} {code.path_display}"
                    f" only if its dynamic prefix fits: {code.source or 'unreadable value'}",
                    "document the value (e.g. in .env.example) or use a constant the "
                    "repository defines, so the served path can be checked",
                    code=code,
                    spec_value=r.path_display,
                    code_value=code.path_display,
                )
            continue
        if served:
            code = served[0]
            doc_names = re.findall(r"\{([^}]*)\}", r.path)
            code_names = re.findall(r"\{([^}]*)\}", code.path)
            if (
                not code.unresolved
                and doc_names != code_names
                and (old is None or spec_touched or code.location.path in scope.changed_code)
            ):
                b.route_doc(
                    "route-param-renamed",
                    doc,
                    f"{r.method} {r.path_display} is served as "
                    f"{code.method} {code.path_display}: path parameters renamed",
                    f"update the documented path to {code.path_display}",
                    code=code,
                    spec_value=r.path_display,
                    code_value=code.path_display,
                )
            continue
        was_served = [c for c in old_routes if _route_key_matches(key, c)]
        # Same path served with another method that no spec documents for this path.
        others = [
            c
            for c in new.routes
            if path_key(c.path) == path_key(r.path)
            and c.method != r.method
            and f"{c.method} {path_key(c.path)}" not in documented_keys
        ]
        related = [c for c in others if _related(c.method, r.method)]
        swapped = related or (others if len(others) == 1 else [])
        in_scope = (
            old is None
            or spec_touched
            or bool(was_served)
            or any(c.location.path in scope.changed_code for c in swapped)
        )
        if not in_scope:
            continue
        if swapped:
            code = swapped[0]
            explained.add((code.method, path_key(code.path)))
            b.route_doc(
                "route-method-changed",
                doc,
                f"{r.method} {r.path_display} is documented but the code serves "
                f"{code.method} {code.path_display}",
                f"document {code.method} {code.path_display} instead of {r.method}",
                code=code,
                spec_value=r.method,
                code_value=code.method,
            )
        elif was_served:
            b.route_doc(
                "route-missing",
                doc,
                f"{r.method} {r.path_display} is documented but this change removed it "
                f"(it was served from {was_served[0].location.path})",
                "restore the route, or mark it deprecated/removed in the spec",
                code=was_served[0],
                spec_value=subject,
            )
        else:
            b.route_doc(
                "route-unimplemented",
                doc,
                f"{r.method} {r.path_display} is documented but no code serves it",
                "implement the route, or remove it from the spec",
                code=None,
                spec_value=subject,
            )
    old_keys = {c.key for c in old_routes}
    undocumented_by_change = (
        tree.previously_documented_route_keys - documented_keys if tree is not None else set()
    )
    for code in new.routes:
        if (code.method, path_key(code.path)) in explained or code.key in documented_keys:
            continue
        if code.unresolved and any(_route_key_matches(k, code) for k in documented_keys):
            continue
        doc_removed = code.key in undocumented_by_change
        if (
            old is not None
            and not doc_removed
            and (code.key in old_keys or code.location.path not in scope.changed_code)
        ):
            continue  # only what the change adds (or un-documents)
        note = f" (path not fully resolved: {code.source})" if code.unresolved else ""
        if doc_removed:
            note += "; this change removed its documentation"
        b.add(
            "route-undocumented",
            f"{code.method} {code.path_display}",
            f"{code.method} {code.path_display} is served but no spec documents it{note}",
            f"document {code.method} {code.path_display} in the spec of its feature",
            spec=None,
            code=code.location,
            code_value=f"{code.method} {code.path_display}",
            key=code.key,
            target=Target((), None, code),
        )


# --- symbols ---------------------------------------------------------------------------


def _by_name(surface: Surface | None) -> dict[str, list[Symbol]]:
    out: dict[str, list[Symbol]] = defaultdict(list)
    for s in surface.symbols if surface is not None else ():
        out[s.name].append(s)
    return out


def _pick(cands: list[Symbol], spec: SpecFileLike, policy: Policy) -> list[Symbol]:
    if len(cands) <= 1:
        return cands
    if spec.code_globs:
        narrowed = [c for c in cands if _matches_globs(c.location.path, spec.code_globs)]
        if narrowed:
            return narrowed
    # One declaration re-exported from several modules is not ambiguous.
    if len({c.location for c in cands}) == 1:
        return cands[:1]
    return cands


def _detect_symbols(
    b: _Builder,
    new: Surface,
    old: Surface | None,
    specs: Sequence[SpecFileLike],
    scope: Scope,
    tree: TreeNames | None,
) -> None:
    documented: set[str] = set(tree.documented_names) if tree is not None else set()
    documented_modules: set[str] = set()
    new_by_name = _by_name(new)
    old_by_name = _by_name(old)
    for spec in specs:
        spec_touched = spec.path in scope.changed_specs
        for doc in spec.symbols:
            ds = doc.symbol
            documented.add(ds.name)
            cands = _pick(new_by_name.get(ds.name, []), spec, b.policy)
            old_cands = _pick(old_by_name.get(ds.name, []), spec, b.policy) if old else []
            if len(cands) > 1:
                if old is not None and not spec_touched and len(old_cands) > 1:
                    continue  # ambiguous before this change too: not its business
                b.add(
                    "symbol-ambiguous",
                    ds.name,
                    f"{ds.name} is exported by {len(cands)} modules: "
                    + ", ".join(sorted({c.location.path for c in cands})),
                    "add `code:` globs to the spec's frontmatter (or discrepancy.codeGlobs) "
                    "naming the module it documents",
                    spec=ds.location,
                    code=cands[0].location,
                    span=doc.span,
                    ignore=doc.ignore,
                )
                continue
            if not cands:
                in_scope = old is None or spec_touched or bool(old_cands)
                if not in_scope:
                    continue
                if tree is not None and tree.exported.get(ds.name):
                    continue  # moved to a module this change did not touch: not missing
                where = f" (it was exported from {old_cands[0].location.path})" if old_cands else ""
                b.add(
                    "symbol-missing",
                    ds.name,
                    f"{ds.kind} {ds.name} is documented but no module exports it{where}",
                    f"restore {ds.name}, or update the spec to what replaced it",
                    spec=ds.location,
                    code=old_cands[0].location if old_cands else None,
                    spec_value=ds.name,
                    span=doc.span,
                    ignore=doc.ignore,
                    target=_target(doc, ds, old_cands[0] if old_cands else None),
                )
                continue
            code = cands[0]
            documented_modules.add(code.location.path)
            if old is not None and not spec_touched:
                before = old_cands[0] if len(old_cands) == 1 else None
                if before is not None and _sym_sig(before) == _sym_sig(code):
                    continue  # unchanged by this change: pre-existing drift is not its business
                if before is None and code.location.path not in scope.changed_code:
                    continue
            for f in compare_symbol(ds, code):
                b.finding(f, doc, code)
    old_names = {(s.name, s.location.path) for s in old.symbols} if old else set()
    # A moved export (file renamed, function moved to another module) is not an added one:
    # a name counts as added at a new path only when it is exported more often than before.
    old_count = Counter(s.name for s in old.symbols) if old else Counter()
    new_count = Counter(s.name for s in new.symbols)
    # A handler declared where its route is (FastAPI/Flask decorators) is documented by
    # the route: route-undocumented already says so when it is not.
    handlers = {(r.location.path, r.handler.rsplit(".", 1)[-1]) for r in new.routes if r.handler}
    undocumented_by_change = (
        tree.previously_documented_names - documented if tree is not None else set()
    )
    for code in new.symbols:
        if code.name in documented or code.kind == "namespace":
            continue
        if (code.location.path, code.name) in handlers:
            continue
        path = code.location.path
        doc_removed = code.name in undocumented_by_change
        if path not in documented_modules and not doc_removed:
            # Only modules that specs document at all are API: flagging every helper's
            # exports would fail nearly every commit of a repository with API docs.
            continue
        if (
            old is not None
            and not doc_removed
            and (
                (code.name, path) in old_names
                or path not in scope.changed_code
                or new_count[code.name] <= old_count[code.name]
            )
        ):
            continue
        severity = "minor" if is_type_kind(code.kind) or code.kind == "const" else "major"
        detail = signature_text(code.name, code.signatures[0]) if code.signatures else code.name
        b.add(
            "symbol-undocumented",
            code.name,
            f"{code.kind} {code.name} is exported by {path} but no spec documents it"
            + ("; this change removed its documentation" if doc_removed else ""),
            f"document {detail} in the spec of {path}",
            spec=None,
            code=code.location,
            code_value=detail,
            severity=severity,
            key=f"{code.name}@{code.exported_from}",
            target=Target((), None, code),
        )


def group_by_severity(items: Iterable[Discrepancy]) -> dict[str, list[Discrepancy]]:
    out: dict[str, list[Discrepancy]] = defaultdict(list)
    for d in items:
        out[d.severity].append(d)
    return out
