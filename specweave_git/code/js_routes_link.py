"""Join per-file route facts (js_routes) into the routes a JS/TS repository serves.

The graph: receivers (apps, routers, Fastify instances, plugin parameters) are nodes;
``use``/``register`` mounts and ``routes(app)`` calls are edges carrying a prefix. A
route's full path is the prefixes along every path from a root down to its receiver, so
a router mounted twice yields its routes twice. Values (paths, prefixes) are evaluated
with values.evaluate after inlining the constants they reference from any module.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from itertools import product
from typing import Any

from ..model import Location, Route, Warning_, normalise_path
from .js_resolve import resolve_module
from .values import Expr, Value, evaluate

Facts = Mapping[str, Any]
Node = tuple[str, str]  # (file path, receiver id)
_MAX_DEPTH = 24
_FRAMEWORK = {
    "express-app": "express",
    "express-router": "express",
    "fastify": "fastify",
    "nest-app": "nestjs",
}
_UNMOUNTED = {
    "express-router": "router not mounted anywhere",
    "param": "plugin not registered or mounted anywhere",
}
_PREFIXY = re.compile(r"prefix|path|base|url|route|api|version|mount", re.I)
_AUTOLOAD_SKIP = re.compile(r"(^|/)autohooks\.|\.(test|spec)\.[cm]?[jt]sx?$|\.d\.[cm]?ts$")


def link_routes(
    files: Mapping[str, Facts], env_defaults: Mapping[str, tuple[str, str]]
) -> tuple[list[Route], list[Warning_]]:
    """Every route of the repository (``files``: path -> full facts of each JS/TS file)."""
    return _Linker(files, env_defaults).run()


def join(prefix: Value, path: Value) -> Value:
    """Join with exactly one slash; '' and '/' under a prefix give the prefix itself."""
    if not path.text.strip("/"):
        return Value(prefix.text or "/", prefix.unresolved, prefix.source) + Value(
            "", path.unresolved, path.source
        )
    head = prefix.text.rstrip("/")
    return Value(head + "/", prefix.unresolved, prefix.source) + Value(
        path.text.lstrip("/"), path.unresolved, path.source
    )


class _Linker:
    def __init__(self, files: Mapping[str, Facts], env: Mapping[str, tuple[str, str]]) -> None:
        self.files = files
        self.env = env
        self.known = set(files)
        # child -> [(parent, prefix alternatives, how)]
        self.edges: dict[Node, list[tuple[Node, list[Value], str]]] = {}
        self.warnings: list[Warning_] = []
        self.where = ("", 0)  # the mount being linked, for warnings
        self.env_origin: dict[str, str] = {}  # env var -> file whose code gives its default
        self._repo_framework: str | None = None

    # -- facts access -------------------------------------------------------------------
    def rf(self, path: str) -> Facts:
        facts: Facts = self.files[path].get("routes") or {}
        return facts

    def mod(self, path: str) -> Facts:
        facts: Facts = self.files[path].get("module") or {}
        return facts

    def resolve_spec(self, path: str, spec: str) -> str | None:
        return resolve_module(path, spec, self.known)

    # -- values -------------------------------------------------------------------------
    def value(self, expr: Expr | None, path: str) -> Value:
        self.env_origin = {}
        v = evaluate(self.inline(expr, path, 0), lambda _name: None, self.env)
        source = v.source
        for name, origin in self.env_origin.items():
            # Name the file whose code holds the default, not just "code".
            if source:
                source = source.replace(
                    f"env {name} default in code", f"env {name} default in {origin}"
                )
        return Value(v.text, v.unresolved, source)

    def inline(self, expr: Expr | None, path: str, depth: int) -> Expr | None:
        """Substitute every resolvable ref/attr so the expression stands on its own."""
        if expr is None or depth > _MAX_DEPTH:
            return expr
        if "concat" in expr:
            return {"concat": [self.inline(e, path, depth + 1) for e in expr["concat"]]}
        if "env" in expr:
            if expr.get("default") is not None:
                self.env_origin.setdefault(str(expr["env"]), path)
            return {
                "env": expr["env"],
                "default": self.inline(expr.get("default"), path, depth + 1),
            }
        if "ref" in expr or "attr" in expr:
            found = self.deref(expr, path, depth + 1)
            if found is None:
                return expr if "ref" in expr else {"attr": {"unknown": ""}, "name": expr["name"]}
            target, tpath = found
            if "module_ns" in target:
                return {"unknown": str(expr.get("ref") or expr.get("name"))}
            return self.inline(target, tpath, depth + 1)
        return expr

    def deref(self, expr: Expr, path: str, depth: int) -> tuple[Expr, str] | None:
        """Follow ref/attr to the expression they stand for, and the file it lives in."""
        if depth > _MAX_DEPTH:
            return None
        if "ref" in expr:
            return self.lookup(path, str(expr["ref"]), depth + 1)
        if "attr" in expr:
            name = str(expr["name"])
            if "require" in expr["attr"]:
                dest = self.resolve_spec(path, str(expr["attr"]["require"]))
                if dest is None:
                    return None
                named = self.export_value(dest, name, depth + 1)
                if named is not None:
                    return named
                default = self.export_value(dest, "default", depth + 1)
                if default is None or "object" not in default[0]:
                    return None
                value = default[0]["object"].get(name)
                return None if value is None else self.deref(value, default[1], depth + 1)
            base = self.deref(expr["attr"], path, depth + 1)
            if base is None:
                return None
            bexpr, bpath = base
            if "module_ns" in bexpr:
                return self.export_value(str(bexpr["module_ns"]), name, depth + 1)
            if "object" in bexpr and name in bexpr["object"]:
                return bexpr["object"][name], bpath
            if "ref" in bexpr or "attr" in bexpr:
                return self.deref({"attr": bexpr, "name": name}, bpath, depth + 1)
            return None
        return expr, path

    def lookup(self, path: str, name: str, depth: int) -> tuple[Expr, str] | None:
        module = self.mod(path)
        consts = module.get("consts") or {}
        if name in consts:
            found = consts[name]
            if "ref" in found or "attr" in found:
                return self.deref(found, path, depth + 1)
            return found, path
        imp = (module.get("imports") or {}).get(name)
        if imp is None:
            return None
        target = self.resolve_spec(path, imp["from"])
        if target is None:
            return None
        if imp["name"] == "*":
            return {"module_ns": target}, target
        return self.export_value(target, imp["name"], depth + 1)

    def export_value(self, path: str, name: str, depth: int) -> tuple[Expr, str] | None:
        if depth > _MAX_DEPTH or path not in self.files:
            return None
        own = (self.rf(path).get("export_values") or {}).get(name)
        if own is not None:
            return self.deref(own, path, depth + 1)
        module = self.mod(path)
        exp = (module.get("exports") or {}).get(name)
        local = exp.get("local") if exp is not None else None
        if local and "." not in local and local != "default":
            return self.lookup(path, str(local), depth + 1)
        for re_ in module.get("reexports") or ():
            target = self.resolve_spec(path, re_["from"])
            if target is None:
                continue
            if re_["name"] == "*" and re_.get("as") is None and name != "default":
                found = self.export_value(target, name, depth + 1)
                if found is not None:
                    return found
            elif (re_.get("as") or re_["name"]) == name:
                if re_["name"] == "*":
                    return {"module_ns": target}, target
                return self.export_value(target, re_["name"], depth + 1)
        return None

    # -- receivers and functions ----------------------------------------------------------
    def resolve(
        self, path: str, target: Mapping[str, Any], depth: int = 0
    ) -> list[tuple[str, str, str, bool]]:
        """Nodes a mount target stands for: (kind 'r'|'f', file, id, fastify-plugin-wrapped)."""
        if depth > _MAX_DEPTH:
            return []
        fp = bool(target.get("fp"))
        out: list[tuple[str, str, str, bool]] = []
        if "receiver" in target:
            out = [("r", path, str(target["receiver"]), fp)]
        elif "function" in target:
            out = [("f", path, str(target["function"]), fp)]
        elif "module" in target:
            dest = self.resolve_spec(path, str(target["module"]))
            if dest is None:
                self.unresolved_module(path, str(target["module"]))
                return []
            out = self.export_node(dest, str(target["name"]), depth + 1)
        elif "call" in target:
            for kind, fpath, fid, _fp in self.resolve(path, target["call"], depth + 1):
                if kind == "f":
                    returned = self.rf(fpath)["functions"].get(fid, {}).get("returns")
                    if returned:
                        out.append(("r", fpath, returned, False))
        elif "ref" in target:
            out = self.ref_node(path, str(target["ref"]), target.get("prop"), depth + 1)
        return [(k, p, i, f or fp) for k, p, i, f in out]

    def ref_node(
        self, path: str, name: str, prop: str | None, depth: int
    ) -> list[tuple[str, str, str, bool]]:
        if prop is None:
            binding = (self.rf(path).get("bindings") or {}).get(name)
            if binding is not None:
                return self.resolve(path, binding, depth + 1)
        imp = (self.mod(path).get("imports") or {}).get(name)
        if imp is None:
            return []
        dest = self.resolve_spec(path, imp["from"])
        if dest is None:
            if imp["from"].startswith("."):
                self.unresolved_module(path, imp["from"])
            return []
        if prop is not None:
            # `import * as routes` / `const routes = require('./routes')`, then `routes.users`
            return self.export_node(dest, prop, depth + 1)
        return self.export_node(dest, "default" if imp["name"] == "*" else imp["name"], depth + 1)

    def export_node(self, path: str, name: str, depth: int) -> list[tuple[str, str, str, bool]]:
        if depth > _MAX_DEPTH or path not in self.files:
            return []
        rf = self.rf(path)
        own = (rf.get("exports") or {}).get(name)
        if own is not None:
            return self.resolve(path, own, depth + 1)
        module = self.mod(path)
        exp = (module.get("exports") or {}).get(name)
        if (
            exp is not None
            and exp.get("local")
            and exp["local"] not in ("default", "module.exports")
        ):
            return self.ref_node(path, str(exp["local"]), None, depth + 1)
        for re_ in module.get("reexports") or ():
            target = self.resolve_spec(path, re_["from"])
            if target is None:
                continue
            if re_["name"] == "*" and re_.get("as") is None and name != "default":
                found = self.export_node(target, name, depth + 1)
                if found:
                    return found
            elif (re_.get("as") or re_["name"]) == name and re_["name"] != "*":
                return self.export_node(target, re_["name"], depth + 1)
        return []

    def unresolved_module(self, path: str, spec: str) -> None:
        if spec.startswith("."):
            line = self.where[1] if self.where[0] == path else 1
            w = Warning_(path, line, f"routes: cannot resolve module {spec!r}")
            if w not in self.warnings:
                self.warnings.append(w)

    def param(self, path: str, fid: str, index: int) -> Node | None:
        fn = self.rf(path)["functions"].get(fid)
        rid = fn["params"].get(str(index)) if fn else None
        return (path, rid) if rid else None

    # -- graph ------------------------------------------------------------------------------
    def edge(self, parent: Node, child: Node, prefixes: list[Value], how: str) -> None:
        if parent == child:
            return
        lst = self.edges.setdefault(child, [])
        if (parent, prefixes, how) not in lst:
            lst.append((parent, prefixes, how))

    def build(self) -> None:
        for path in self.files:
            rf = self.rf(path)
            for m in rf.get("mounts") or ():
                parent = (path, str(m["receiver"]))
                self.where = (path, int(m["line"]))
                if m["kind"] == "use":
                    self.build_use(path, parent, m)
                elif m.get("autoload") is not None:
                    self.build_autoload(path, parent, m)
                else:
                    self.build_register(path, parent, m)
            for c in rf.get("calls") or ():
                parent = (path, str(c["receiver"]))
                self.where = (path, int(c["line"]))
                for kind, fpath, fid, _fp in self.resolve(path, c["target"]):
                    child = self.param(fpath, fid, int(c["index"])) if kind == "f" else None
                    if child is not None:
                        self.edge(parent, child, [Value("")], "call")

    def prefixes(self, exprs: list[Expr] | None, path: str) -> list[Value]:
        return [self.value(e, path) for e in exprs] if exprs else [Value("")]

    def build_use(self, path: str, parent: Node, m: Mapping[str, Any]) -> None:
        targets = list(m.get("targets") or ())
        prefix = m.get("prefix")
        if m.get("prefix_maybe"):
            first = m.get("first_target")
            if first is not None and self.resolve(path, first):
                targets.insert(0, first)
                prefix = None
            elif not self.looks_like_prefix(prefix[0] if prefix else None, path):
                prefix = None
        values = self.prefixes(prefix, path)
        for target in targets:
            for kind, tpath, rid, _fp in self.resolve(path, target):
                if kind == "r":
                    self.edge(parent, (tpath, rid), values, "use")

    def looks_like_prefix(self, expr: Expr | None, path: str) -> bool:
        """``app.use(X, router)``: is X a path (a string constant, an env var) or middleware?"""
        if expr is None:
            return False
        found = self.deref(expr, path, 0)
        if found is not None and "unknown" not in found[0]:
            return any(k in found[0] for k in ("lit", "concat", "env"))
        # Unknown value: only its name can tell (`getPrefix()` vs `cors()`, `auth`).
        name = str(expr.get("ref") or expr.get("name") or expr.get("unknown") or "")
        return bool(_PREFIXY.search(name.split("(", 1)[0]))

    def build_register(self, path: str, parent: Node, m: Mapping[str, Any]) -> None:
        prefix = m.get("prefix")
        if prefix and m.get("prefix_optional"):
            # `register(plugin, opts)`: opts is a variable; only its `prefix` key counts.
            base = self.deref(prefix[0]["attr"], path, 0)
            if base is None or "object" not in base[0] or "prefix" not in base[0]["object"]:
                prefix = None
        for target in m.get("targets") or ():
            for kind, tpath, fid, fp in self.resolve(path, target):
                if kind != "f":
                    continue
                child = self.param(tpath, fid, 0)
                fn = self.rf(tpath)["functions"].get(fid, {})
                # fastify-plugin skips encapsulation: the `prefix` option does not apply.
                wrapped = fp or bool(fn.get("fp"))
                values = [Value("")] if wrapped else self.prefixes(prefix, path)
                if child is not None:
                    self.edge(parent, child, values, "register")

    def build_autoload(self, path: str, parent: Node, m: Mapping[str, Any]) -> None:
        opts = m["autoload"]
        if not opts.get("dir"):
            self.warnings.append(
                Warning_(path, int(m["line"]), "routes: autoload dir is not literal")
            )
            return
        root = posixpath.normpath(posixpath.join(posixpath.dirname(path), opts["dir"]))
        base = self.value(opts["prefix"], path) if opts.get("prefix") else Value("")
        for fpath in _autoloaded(root, self.known):
            rel_dir = posixpath.dirname(fpath)[len(root) :].strip("/")
            dir_prefix = ""
            if opts.get("dir_prefix", True) and rel_dir:
                segs = rel_dir.split("/")
                if opts.get("route_params"):
                    segs = [":" + s[1:] if s.startswith("_") else s for s in segs]
                dir_prefix = "/" + "/".join(segs)
            fo = self.rf(fpath).get("file_options") or {}
            if "prefixOverride" in fo:
                value = self.value(fo["prefixOverride"], fpath)
            elif "autoPrefix" in fo:
                value = join(base, self.value(fo["autoPrefix"], fpath))
            else:
                value = join(base, Value(dir_prefix))
            for kind, tpath, fid, _fp in self.export_node(fpath, "default", 0):
                child = self.param(tpath, fid, 0) if kind == "f" else None
                if child is not None:
                    self.edge(parent, child, [value], "register")

    def chains(self, node: Node, visiting: frozenset[Node]) -> list[tuple[Value, Node]]:
        """(full prefix, root node) for every way ``node`` is reachable from a root."""
        incoming = self.edges.get(node, ())
        if not incoming:
            return [(Value(""), node)]
        out: list[tuple[Value, Node]] = []
        for parent, values, _how in incoming:
            if parent in visiting or len(visiting) > _MAX_DEPTH:
                continue
            for (pv, root), v in product(self.chains(parent, visiting | {node}), values):
                out.append((join(pv, v), root))
        return out  # empty when every way in goes round a cycle

    # -- output -----------------------------------------------------------------------------
    def run(self) -> tuple[list[Route], list[Warning_]]:
        self.build()
        routes: dict[tuple[str, str, str, int], Route] = {}
        for r in self.express_fastify():
            routes.setdefault((r.method, r.path, r.location.path, r.location.line), r)
        for r in self.nest():
            routes.setdefault((r.method, r.path, r.location.path, r.location.line), r)
        return list(routes.values()), self.warnings

    def express_fastify(self) -> Iterator[Route]:
        for path in self.files:
            rf = self.rf(path)
            receivers = rf.get("receivers") or {}
            for r in rf.get("routes") or ():
                node = (path, str(r["receiver"]))
                local = self.value(r["path"], path)
                for prefix, root in self.chains(node, frozenset()):
                    rkind = (
                        self.rf(root[0]).get("receivers", {}).get(root[1], {}).get("kind", "param")
                    )
                    notes: tuple[str, ...] = ()
                    kind = receivers.get(node[1], {}).get("kind", "param")
                    if root == node and kind in _UNMOUNTED:
                        if kind == "param" and not self.plausible(r, local, node):
                            continue
                        notes = (_UNMOUNTED[kind],)
                    yield self.route(
                        r, path, join(prefix, local), self.framework(rkind, node), notes
                    )

    def plausible(self, r: Mapping[str, Any], local: Value, node: Node) -> bool:
        """A call on a parameter nobody mounts is a route only with some evidence: an
        inline handler or a framework type, and a path (``cache.get('k', fn)`` is not)."""
        if not r.get("confident") and not self.typed(node):
            return False
        return local.unresolved or local.text.startswith(("/", "*")) or not local.text

    def typed(self, node: Node) -> bool:
        for fn in self.rf(node[0]).get("functions", {}).values():
            if node[1] in fn.get("params", {}).values() and fn.get("typed"):
                return True
        return False

    def framework(self, root_kind: str, node: Node) -> str:
        if root_kind in _FRAMEWORK:
            return _FRAMEWORK[root_kind]
        rf = self.rf(node[0])
        for fn in (rf.get("functions") or {}).values():
            if node[1] in fn.get("params", {}).values() and fn.get("typed"):
                return str(fn["typed"])
        if any(m["kind"] == "register" for m in rf.get("mounts") or ()):
            return "fastify"
        # An unmounted plugin file says nothing itself: the repository's framework does.
        return self.repo_framework()

    def repo_framework(self) -> str:
        """The one framework the repository's apps and routers use ("express" when mixed).
        Computed once: it reads every file, and is asked once per unmounted route."""
        if self._repo_framework is None:
            seen = {
                _FRAMEWORK[r.get("kind", "")]
                for f in self.files
                for r in (self.rf(f).get("receivers") or {}).values()
                if r.get("kind") in ("express-app", "express-router", "fastify")
            }
            self._repo_framework = seen.pop() if len(seen) == 1 else "express"
        return self._repo_framework

    def route(
        self, r: Mapping[str, Any], path: str, full: Value, framework: str, notes: tuple[str, ...]
    ) -> Route:
        return Route(
            method=str(r["method"]),
            path=normalise_path(full.text),
            location=Location(path, int(r["line"])),
            handler=r.get("handler"),
            framework=framework,
            unresolved=full.unresolved,
            source=full.source,
            notes=notes,
        )

    def nest(self) -> Iterator[Route]:
        from .js_routes_nest import nest_routes

        yield from nest_routes(self.files, self.value)


def _autoloaded(root: str, known: set[str]) -> list[str]:
    """Files @fastify/autoload loads under ``root``: a directory with an index file loads
    only that index (and its sub-directories)."""
    from .languages import language_for

    under = sorted(p for p in known if p.startswith(root + "/") and language_for(p) != "python")
    by_dir: dict[str, list[str]] = {}
    for p in under:
        if not _AUTOLOAD_SKIP.search(p):
            by_dir.setdefault(posixpath.dirname(p), []).append(p)
    out: list[str] = []
    for paths in by_dir.values():
        index = [p for p in paths if posixpath.basename(p).split(".")[0] == "index"]
        out.extend(index[:1] if index else paths)
    return out
