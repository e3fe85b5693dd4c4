"""FastAPI and Flask routes: per-file facts (decorators, registrations) and their mounting.

Only decorators and registration calls on a *receiver* count: a value built by
``FastAPI``/``APIRouter``/``Flask``/``Blueprint`` imported from the framework, reached
through assignments, imports, factory functions (``app = create_app()``) or a parameter
of a function that is called with one (``def register(app): ...``). Calls such as
``client.get("/x")`` or ``requests.get("/x")`` are never routes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..model import Location, Route, Warning_, normalise_path
from .languages import text
from .py_classes import HTTP_VIEW_METHODS
from .py_module import arg, call_args, dotted, string_list, top_level_defs
from .py_resolve import Index, Target
from .values import Expr, Value, evaluate

if TYPE_CHECKING:
    from tree_sitter import Node

    from .py_module import Converter

Facts = dict[str, Any]
_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "trace")
_REGISTRATIONS = ("include_router", "register_blueprint", "mount")
_MAX_DEPTH = 24


def route_facts(root: Node, conv: Converter) -> dict[str, Any]:
    source = conv.source
    routes: list[dict[str, Any]] = []
    mounts: list[dict[str, Any]] = []
    caps = conv.scopes.load(root)  # the file's one query (py_module.FILE_QUERY)
    for call in caps.get("route_call", []):
        fn = call.child_by_field_name("function")
        if fn is None:
            continue
        meth = text(fn.child_by_field_name("attribute"), source)
        recv = conv.expr(fn.child_by_field_name("object"))
        line = call.start_point[0] + 1
        if meth in _REGISTRATIONS:
            mount = _mount(call, meth, conv)
            if mount is not None:
                mounts.append({"parent": recv, "line": line, **mount})
            continue
        route = _route(call, meth, conv)
        if route is not None:
            routes.append({"recv": recv, "line": line, **route})
    calls = []
    for call in caps.get("arg_call", []):
        fn = call.child_by_field_name("function")
        if fn is None or (fn.type == "attribute" and _is_route_call(fn, source)):
            continue
        pos, kw = call_args(call)
        if not any(a.type == "identifier" for a in [*pos, *kw.values()]):
            continue
        calls.append(
            {
                "callee": conv.expr(fn),
                "args": [_passed(a, conv) for a in pos],
                "kwargs": {k: _passed(v, conv) for k, v in kw.items()},
            }
        )
    return {
        "routes": routes,
        "mounts": mounts,
        "calls": calls,
        "params": _function_params(root, conv),
        "views": _views(root, conv),
    }


def _is_route_call(fn: Node, source: bytes) -> bool:
    meth = text(fn.child_by_field_name("attribute"), source)
    return meth in (*_VERBS, *_REGISTRATIONS, "route", "api_route", "add_api_route", "add_url_rule")


def _passed(node: Node, conv: Converter) -> Expr | None:
    """An argument that may carry a receiver (a name); anything else is not recorded."""
    return conv.expr(node) if node.type in ("identifier", "attribute") else None


def _route(call: Node, meth: str, conv: Converter) -> dict[str, Any] | None:
    source = conv.source
    parent = call.parent
    decorated = parent is not None and parent.type == "decorator"
    if meth in ("add_api_route", "add_url_rule"):
        if decorated:
            return None
        path = arg(call, 0, "path", "rule")
        endpoint = arg(call, 1 if meth == "add_api_route" else 2, "endpoint", "view_func")
        handler, view = _handler(endpoint, conv)
    elif decorated and parent is not None and parent.parent is not None:
        path = arg(call, 0, "path", "rule")
        definition = parent.parent.child_by_field_name("definition")
        handler = text(definition.child_by_field_name("name"), source) if definition else None
        view = None
    else:
        return None  # `client.get("/x")`, `requests.get(url)`: a call, not a route
    methods: list[str] | None = [meth.upper()] if meth in _VERBS else None
    methods_text = None
    if methods is None:
        node = arg(call, 99, "methods")
        if node is not None:
            methods = string_list(node, source)
            methods_text = None if methods is not None else text(node, source)
    return {
        "path": conv.expr(path) if path is not None else {"lit": ""},
        "methods": [m.upper() for m in methods] if methods is not None else None,
        "methods_text": methods_text,
        "handler": handler,
        "view": view,
    }


def _handler(node: Node | None, conv: Converter) -> tuple[str | None, Expr | None]:
    """Handler name of ``view_func``/``endpoint``; a class view's ``Cls.as_view(...)``."""
    if node is None:
        return None, None
    if node.type == "call":
        fn = node.child_by_field_name("function")
        if (
            fn is not None
            and fn.type == "attribute"
            and text(fn.child_by_field_name("attribute"), conv.source) in ("as_view", "view")
        ):
            cls = fn.child_by_field_name("object")
            return dotted(cls, conv.source).rsplit(".", 1)[-1] or None, conv.expr(cls)
        return None, None
    name = dotted(node, conv.source)
    return (name.rsplit(".", 1)[-1] or None), None


def _mount(call: Node, meth: str, conv: Converter) -> dict[str, Any] | None:
    if meth == "mount":
        child, prefix = arg(call, 1, "app"), arg(call, 0, "path")
    elif meth == "include_router":
        child, prefix = arg(call, 0, "router"), arg(call, 99, "prefix")
    else:
        child, prefix = arg(call, 0, "blueprint"), arg(call, 99, "url_prefix")
    if child is None:
        return None
    return {
        "kind": meth,
        "child": conv.expr(child),
        "prefix": conv.expr(prefix) if prefix is not None and prefix.type != "none" else None,
    }


def _function_params(root: Node, conv: Converter) -> dict[str, list[str]]:
    out = {}
    for d in top_level_defs(root):
        if d.type == "function_definition":
            plist = d.child_by_field_name("parameters")
            names = []
            for p in plist.named_children if plist is not None else ():
                n = p if p.type == "identifier" else p.child_by_field_name("name")
                if n is None and p.named_children:
                    n = p.named_children[0]
                names.append(text(n, conv.source) if n is not None else "")
            out[text(d.child_by_field_name("name"), conv.source)] = names
    return out


def _views(root: Node, conv: Converter) -> dict[str, list[str]]:
    """Class-based views: HTTP methods a Flask ``View``/``MethodView`` class serves."""
    out: dict[str, list[str]] = {}
    for d in top_level_defs(root):
        if d.type != "class_definition":
            continue
        body = d.child_by_field_name("body")
        declared: list[str] | None = None
        defined: list[str] = []
        for stmt in body.named_children if body is not None else ():
            node = (
                stmt.child_by_field_name("definition")
                if stmt.type == "decorated_definition"
                else stmt
            )
            if node is None:
                continue
            if node.type == "function_definition":
                name = text(node.child_by_field_name("name"), conv.source)
                if name in HTTP_VIEW_METHODS:
                    defined.append(name.upper())
            elif node.type == "expression_statement" and node.named_children:
                a = node.named_children[0]
                if (
                    a.type == "assignment"
                    and text(a.child_by_field_name("left"), conv.source) == "methods"
                ):
                    declared = string_list(a.child_by_field_name("right"), conv.source)
        methods = declared if declared is not None else defined
        if methods:
            out[text(d.child_by_field_name("name"), conv.source)] = [m.upper() for m in methods]
    return out


# -- linking -------------------------------------------------------------------------

Recv = tuple[str, str]  # (path, binds key)


class _RouteLinker:
    def __init__(
        self, files: Mapping[str, Facts], index: Index, env: Mapping[str, tuple[str, str]]
    ) -> None:
        self.files = files
        self.index = index
        self.env = env
        self._env_upper = {k.upper(): k for k in env}
        self._callsites: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] | None = None
        self._env_origin: dict[str, str] = {}  # env var -> file whose code gives its default

    # values ------------------------------------------------------------------------
    def value(self, path: str, expr: Expr | None) -> Value:
        v = evaluate(self._qualify(expr, path), self._ref, self.env, self._attr)
        source = v.source
        for name, origin in self._env_origin.items():
            if source:
                source = source.replace(
                    f"env {name} default in code", f"env {name} default in {origin}"
                )
        return Value(_clean(v.text), v.unresolved, _clean(source, True) if source else None)

    def _qualify(self, expr: Any, path: str) -> Any:
        """Rewrite refs to ``path::name`` (evaluation crosses files) and match pydantic
        settings env names case-insensitively against the documented ones."""
        if isinstance(expr, list):
            return [self._qualify(e, path) for e in expr]
        if not isinstance(expr, dict):
            return expr
        out = {k: self._qualify(v, path) for k, v in expr.items()}
        if "ref" in expr and "::" not in str(expr["ref"]):
            out["ref"] = f"{path}::{expr['ref']}"
        if expr.get("case_insensitive") and expr["env"] not in self.env:
            out["env"] = self._env_upper.get(str(expr["env"]).upper(), expr["env"])
        if "env" in expr and expr.get("default") is not None:
            self._env_origin.setdefault(str(out["env"]), path)
        return out

    def _ref(self, qualified: str) -> Expr | None:
        path, _, name = qualified.partition("::")
        target = self.index.lookup(path, name)
        return self._target_expr(target)

    def _target_expr(self, target: Target | None) -> Expr | None:
        if target is None:
            return None
        if target.kind == "module":
            if target.path.startswith("pkg:"):
                return None
            mod = self.index.module(target.path)
            names = [*mod.get("binds", {}), *mod.get("imports", {})]
            return {"object": {n: {"ref": f"{target.path}::{n}"} for n in names if ":" not in n}}
        bound = self.index.bound(target)
        return None if bound is None else self._qualify(bound, target.path)

    def _attr(self, base: Expr, name: str) -> Expr | None:
        # A settings field holding a nested settings object: `settings.api.prefix`.
        from .values import deref

        target = deref(base, self._ref)
        while target is not None and "env" in target:
            target = deref(target.get("default"), self._ref)
        if target is not None and "object" in target:
            found: Expr | None = target["object"].get(name)
            return found
        return None

    # receivers ---------------------------------------------------------------------
    def receivers(self, path: str, expr: Expr | None, depth: int = 0) -> list[Recv]:
        if expr is None or depth > _MAX_DEPTH:
            return []
        if "any" in expr:
            return [r for e in expr["any"] for r in self.receivers(path, e, depth + 1)]
        if "receiver" in expr:
            return []
        target = self.index.resolve(path, expr)
        if target is None:
            if "ref" in expr and ":" in str(expr["ref"]):
                return self._param_receivers(path, str(expr["ref"]), depth)
            return []
        bound = self.index.bound(target)
        if bound is None:
            return []
        if "receiver" in bound:
            return [(target.path, target.name)]
        return self.receivers(target.path, bound, depth + 1)

    def _param_receivers(self, path: str, local: str, depth: int) -> list[Recv]:
        """A parameter used as a receiver: the receivers passed at the call sites."""
        fn, _, param = local.partition(":")
        params = self.files[path].get("routes", {}).get("params", {}).get(fn)
        if params is None or param not in params:
            return []
        out = []
        for caller, call in self.callsites().get((path, fn), []):
            idx = params.index(param)
            passed = call["kwargs"].get(param)
            if passed is None and idx < len(call["args"]):
                passed = call["args"][idx]
            out += self.receivers(caller, passed, depth + 1)
        return out

    def callsites(self) -> dict[tuple[str, str], list[tuple[str, dict[str, Any]]]]:
        if self._callsites is None:
            self._callsites = {}
            for path, facts in self.files.items():
                for call in facts.get("routes", {}).get("calls", ()):
                    t = self.index.resolve(path, call["callee"])
                    if t is not None and t.kind == "name":
                        self._callsites.setdefault((t.path, t.name), []).append((path, call))
        return self._callsites

    def receiver(self, r: Recv) -> dict[str, Any]:
        info: dict[str, Any] = self.index.module(r[0])["binds"][r[1]]["receiver"]
        return info


def _clean(s: str, source: bool = False) -> str:
    """Placeholders name the variable, not our qualified key: ``$app/x.py::f:P`` -> ``$P``."""
    s = re.sub(r"[^\s$'\"]+::", "", s)
    if source:
        return re.sub(r"(?:(?<=^)|(?<=[\s$'\"]))[A-Za-z_][\w.]*:(?=[A-Za-z_])", "", s)
    return re.sub(r"\$[A-Za-z_][\w.]*:(?=[A-Za-z_])", "$", s)


def _join(a: str, b: str) -> str:
    if not b:
        return a
    return a.rstrip("/") + "/" + b.lstrip("/")


class _Prefix:
    """Full mount prefixes of every receiver (a router may be included several times)."""

    def __init__(self, linker: _RouteLinker) -> None:
        self.linker = linker
        self.mounts: dict[Recv, list[tuple[Recv, Value | None]]] = {}
        self.dangling: dict[Recv, list[str]] = {}
        for path, facts in linker.files.items():
            for m in facts.get("routes", {}).get("mounts", ()):
                children = linker.receivers(path, m["child"])
                parents = linker.receivers(path, m["parent"])
                prefix = None if m["prefix"] is None else linker.value(path, m["prefix"])
                for child in children:
                    if not parents:
                        self.dangling.setdefault(child, []).append(f"{path}:{m['line']}")
                    for parent in parents:
                        if parent != child:
                            self.mounts.setdefault(child, []).append((parent, prefix))
        self._memo: dict[Recv, list[tuple[Value, tuple[str, ...]]]] = {}

    def full(self, r: Recv, stack: tuple[Recv, ...] = ()) -> list[tuple[Value, tuple[str, ...]]]:
        if r in self._memo:
            return self._memo[r]
        if r in stack or len(stack) > _MAX_DEPTH:
            return []
        info = self.linker.receiver(r)
        own = Value("") if info["prefix"] is None else self.linker.value(r[0], info["prefix"])
        out: list[tuple[Value, tuple[str, ...]]] = []
        for parent, prefix in self.mounts.get(r, ()):
            for base, notes in self.full(parent, (*stack, r)):
                if info["framework"] == "flask" and info["kind"] == "router":
                    # register_blueprint(url_prefix=) replaces the blueprint's own prefix.
                    part = prefix if prefix is not None else own
                else:
                    part = (prefix or Value("")) + own
                out.append((_join_value(base, part), notes))
        if not out:
            if info["kind"] == "app":
                out.append((own, ()))
            elif r in self.dangling:
                where = ", ".join(self.dangling[r])
                out.append(
                    (Value(own.text, True, f"included at {where} by an unresolved parent"), ())
                )
            else:
                out.append((own, ("router not included anywhere",)))
        self._memo[r] = out
        return out


def _join_value(a: Value, b: Value) -> Value:
    joined = a + b
    return Value(_join(a.text, b.text), joined.unresolved, joined.source)


def link_routes(
    files: Mapping[str, Facts], index: Index, env: Mapping[str, tuple[str, str]]
) -> tuple[list[Route], list[Warning_]]:
    linker = _RouteLinker(files, index, env)
    prefixes = _Prefix(linker)
    routes: dict[tuple[str, str, str, int, str | None], Route] = {}
    for path in sorted(files):
        facts = files[path]
        frameworks = facts.get("frameworks", [])
        for r in facts.get("routes", {}).get("routes", ()):
            recvs = linker.receivers(path, r["recv"])
            path_value = linker.value(path, r["path"])
            methods, notes = _methods(linker, path, r)
            bases: list[tuple[Value, tuple[str, ...], str]] = []
            for recv in dict.fromkeys(recvs):
                fw = linker.receiver(recv)["framework"]
                bases += [(v, n, fw) for v, n in prefixes.full(recv)]
            if not recvs:
                if not frameworks:
                    continue  # a decorator on something that is not a web app
                name = _clean("$" + str(r["recv"].get("ref", "?")))[1:]
                bases = [
                    (
                        Value("", True, f"receiver {name} not resolved; no prefix applied"),
                        (),
                        frameworks[0],
                    )
                ]
            for base, base_notes, fw in bases:
                full = _join_value(base, path_value)
                for method in methods:
                    route = Route(
                        method=method,
                        path=normalise_path(full.text),
                        location=Location(path, r["line"]),
                        handler=r.get("handler"),
                        framework=fw,
                        unresolved=full.unresolved,
                        source=full.source,
                        notes=(*base_notes, *notes),
                    )
                    routes.setdefault(
                        (route.method, route.path, path, r["line"], route.handler), route
                    )
    return list(routes.values()), []


def _methods(
    linker: _RouteLinker, path: str, r: dict[str, Any]
) -> tuple[list[str], tuple[str, ...]]:
    if r["methods"] is not None:
        return list(dict.fromkeys(r["methods"])), ()
    if r.get("view") is not None:
        target = linker.index.resolve(path, r["view"])
        if target is not None and target.kind == "name":
            views = linker.files[target.path].get("routes", {}).get("views", {})
            if target.name in views:
                return list(views[target.name]), ()
    if r.get("methods_text"):
        return ["GET"], (f"methods {r['methods_text']} not readable; GET assumed",)
    return ["GET"], ()
