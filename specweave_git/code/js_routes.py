"""Per-file HTTP route facts for Express, Fastify and NestJS (TS/JS); linked in js_routes_link.

The facts say what one file does with the framework objects it can see: which variables
are apps/routers/Fastify instances, which functions take one as a parameter (plugins,
``routes(app)`` helpers), what each registers, what it mounts where, and the Nest
controllers it declares. Nothing here looks at another file, so the facts are cached by
blob id; js_routes_link joins them. Only calls on a known receiver count as routes:
``axios.get('/x')``, ``request(app).get('/x')`` or ``this.http.get`` never do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .js_routes_link import link_routes
from .js_routes_nest import enable_versioning, global_prefix, nest_controller
from .js_routes_nodes import (
    FUNCTIONS,
    Item,
    call_args,
    dir_of,
    handler_name,
    line_of,
    node_key,
    object_handler,
    pairs,
    require_spec,
    scan,
    string_of,
    strip,
)
from .js_routes_scope import METHODS, Scopes
from .languages import text

if TYPE_CHECKING:
    from tree_sitter import Node, Tree

__all__ = ["link_routes", "route_facts"]

Facts = dict[str, Any]
Expr = dict[str, Any]

_VALUE_TYPES = {
    "object",
    "string",
    "template_string",
    "binary_expression",
    "member_expression",
}
_AUTOLOAD = ("@fastify/autoload", "fastify-autoload")


def route_facts(tree: Tree, source: bytes, language: str, path: str) -> Facts:
    """Route facts of one file (JSON-serialisable; see module docstring)."""
    return _Reader(source, language).read(tree.root_node)


class _Reader(Scopes):
    def __init__(self, source: bytes, language: str) -> None:
        super().__init__(source, language)
        self.routes: list[dict[str, Any]] = []
        self.mounts: list[dict[str, Any]] = []
        self.calls: list[dict[str, Any]] = []
        self.exports: dict[str, dict[str, Any]] = {}
        self.export_values: dict[str, Expr] = {}
        self.file_opts: dict[str, Expr] = {}
        self.controllers: list[dict[str, Any]] = []
        self.global_prefixes: list[dict[str, Any]] = []
        self.versioning: list[dict[str, Any]] = []

    # -- driver ---------------------------------------------------------------------
    def read(self, root: Node) -> Facts:
        items = scan(root, self.language)
        self.imp.read(root, [n for n, t, _chain in items if t == "variable_declarator"])
        self._declare(items)
        self._visit(items)
        module_scope = self.scopes.get(node_key(root), {})
        bindings = {
            name: b
            for name, b in ((n, self._follow(module_scope, n)) for n in module_scope)
            if b is not None and ("receiver" in b or "function" in b)
        }
        return {
            "receivers": self.receivers,
            "functions": self.functions,
            "bindings": bindings,
            "exports": self.exports,
            "export_values": self.export_values,
            "routes": self.routes,
            "mounts": self.mounts,
            "calls": self.calls,
            "file_options": self.file_opts,
            "controllers": self.controllers,
            "global_prefixes": self.global_prefixes,
            "versioning": self.versioning,
        }

    # -- pass 2: calls ------------------------------------------------------------------
    def _visit(self, items: list[Item]) -> None:
        for node, t, chain in items:
            if t == "call_expression":
                self._call(node, chain)
            elif t in ("class_declaration", "class"):
                parent = node.parent
                nest_controller(self, node, parent if parent is not None else node)
            elif t == "return_statement":
                self._return(node, chain)
            elif t in ("expression_statement", "export_statement"):
                self._export(node, chain)

    def _return(self, node: Node, chain: Sequence[Node]) -> None:
        value = node.named_children[0] if node.named_children else None
        rid = self._receiver_of(value, chain)
        fn = next((n for n in reversed(chain) if n.type in FUNCTIONS), None)
        if rid is not None and fn is not None:
            self.functions[self._fid(fn)]["returns"] = rid

    def _call(self, call: Node, chain: Sequence[Node]) -> None:
        fn = strip(call.child_by_field_name("function"))
        if fn is None:
            return
        args = call_args(call)
        if fn.type == "member_expression":
            prop = text(fn.child_by_field_name("property"), self.src)
            obj = fn.child_by_field_name("object")
            if prop in METHODS:
                self._shorthand(call, METHODS[prop], strip(obj), args, chain)
                return
            if prop == "route" and len(args) == 1 and strip(args[0]) is not None:
                rid = self._receiver_of(obj, chain)
                opts = strip(args[0])
                if rid is not None and opts is not None and opts.type == "object":
                    self._route_object(call, rid, opts)
                return
            if prop in ("use", "register", "setGlobalPrefix", "enableVersioning"):
                rid = self._receiver_of(obj, chain)
                if prop == "setGlobalPrefix" and args:
                    global_prefix(self, call, args)
                elif prop == "enableVersioning":
                    enable_versioning(self, call, args)
                elif rid is not None and prop == "use":
                    self._use(call, rid, args, chain)
                elif rid is not None and prop == "register" and args:
                    self._register(call, rid, args, chain)
                return
        # `routes(app)`, `require('./routes')(app)`: the callee's parameter is `app`.
        for i, arg in enumerate(args):
            rid = self._receiver_of(arg, chain) if strip(arg) is not None else None
            if rid is None:
                continue
            target = self._target(fn, chain)
            if target is not None:
                self.calls.append(
                    {"receiver": rid, "target": target, "index": i, "line": line_of(call)}
                )

    def _shorthand(
        self, call: Node, method: str, obj: Node | None, args: list[Node], chain: Sequence[Node]
    ) -> None:
        # `router.route('/x').get(h).post(h)`: walk down to the route() call.
        base = obj
        while base is not None and base.type == "call_expression":
            bfn = strip(base.child_by_field_name("function"))
            if bfn is None or bfn.type != "member_expression":
                break
            bprop = text(bfn.child_by_field_name("property"), self.src)
            bargs = call_args(base)
            if bprop == "route" and len(bargs) == 1:
                rid = self._receiver_of(bfn.child_by_field_name("object"), chain)
                route_arg = strip(bargs[0])
                if rid is not None and route_arg is not None and route_arg.type != "object":
                    handler = handler_name(args[-1], self.src) if args else None
                    self._add(rid, method, self.exprs(bargs[0]), handler, call, bool(args))
                return
            if bprop not in METHODS:
                break
            base = strip(bfn.child_by_field_name("object"))
        rid = self._receiver_of(obj, chain)
        # `app.get('env')` reads a setting: a route needs a path and a handler.
        if rid is None or len(args) < 2:
            return
        first = strip(args[0])
        if first is None or first.type in FUNCTIONS or first.type == "object":
            return
        last = strip(args[-1])
        handler = handler_name(args[-1], self.src)
        if last is not None and last.type == "object":
            handler = object_handler(last, self.src) or handler
        confident = any(strip(a) is not None and strip(a).type in FUNCTIONS for a in args[1:])  # type: ignore[union-attr]
        self._add(rid, method, self.exprs(args[0]), handler, call, confident)

    def _add(
        self,
        rid: str,
        method: str,
        paths: list[Expr],
        handler: str | None,
        call: Node,
        confident: bool,
    ) -> None:
        for p in paths:
            self.routes.append(
                {
                    "receiver": rid,
                    "method": method,
                    "path": p,
                    "handler": handler,
                    "line": _call_line(call),
                    "confident": confident,
                }
            )

    def _route_object(self, call: Node, rid: str, opts: Node) -> None:
        kv = pairs(opts, self.src)
        url = kv.get("url") or kv.get("path")
        method_node = strip(kv.get("method"))
        if url is None or method_node is None:
            return
        nodes = method_node.named_children if method_node.type == "array" else [method_node]
        methods = [(string_of(n, self.src) or "").upper() for n in nodes]
        handler = handler_name(kv["handler"], self.src) if "handler" in kv else None
        for m in methods:
            if m in METHODS.values():
                self._add(rid, m, self.exprs(url), handler, call, True)

    def _use(self, call: Node, rid: str, args: list[Node], chain: Sequence[Node]) -> None:
        if not args:
            return
        first = strip(args[0])
        prefix: list[Expr] | None = None
        first_target: dict[str, Any] | None = None
        maybe = False
        rest = args
        if first is not None and len(args) >= 2:
            kind = _path_like(first, self.src)
            if kind == "path":
                prefix, rest = self.exprs(first), args[1:]
            elif kind == "name":
                # `app.use(PREFIX, router)` or `app.use(auth, router)`: decided at link time.
                first_target = self._target(first, chain)
                if first_target is None or not first_target.keys() & {"receiver", "function"}:
                    prefix, rest, maybe = self.exprs(first), args[1:], True
        targets = []
        for arg in rest:
            a = strip(arg)
            for el in a.named_children if a is not None and a.type == "array" else [a]:
                tgt = self._target(el, chain)
                if tgt is not None:
                    targets.append(tgt)
        self.mounts.append(
            {
                "receiver": rid,
                "kind": "use",
                "prefix": prefix,
                "prefix_maybe": maybe,
                "first_target": first_target,
                "targets": targets,
                "line": line_of(call),
            }
        )

    def _register(self, call: Node, rid: str, args: list[Node], chain: Sequence[Node]) -> None:
        target = self._target(args[0], chain)
        first = strip(args[0])
        autoload = (
            first is not None
            and first.type == "identifier"
            and self.imp.is_module(first, _AUTOLOAD, ())
        )
        if autoload is False and first is not None:
            spec = require_spec(first, self.src)
            autoload = spec in _AUTOLOAD
        opts = strip(args[1]) if len(args) > 1 else None
        mount: dict[str, Any] = {
            "receiver": rid,
            "kind": "register",
            "prefix": None,
            "targets": [target] if target is not None and not autoload else [],
            "line": line_of(call),
        }
        if opts is not None and opts.type == "object":
            kv = pairs(opts, self.src)
            if "prefix" in kv:
                mount["prefix"] = self.exprs(kv["prefix"])
            if autoload:
                mount["autoload"] = self._autoload_options(kv)
        elif opts is not None:
            mount["prefix"] = [{"attr": self.expr(opts), "name": "prefix"}]
            mount["prefix_optional"] = True
        self.mounts.append(mount)

    def _autoload_options(self, kv: dict[str, Node]) -> dict[str, Any]:
        out: dict[str, Any] = {"dir": dir_of(kv.get("dir"), self.src)}
        inner = strip(kv.get("options"))
        if inner is not None and inner.type == "object":
            ipairs = pairs(inner, self.src)
            if "prefix" in ipairs:
                out["prefix"] = self.expr(ipairs["prefix"])
        dnp = strip(kv.get("dirNameRoutePrefix"))
        out["dir_prefix"] = not (dnp is not None and dnp.type == "false")
        rp = strip(kv.get("routeParams"))
        out["route_params"] = rp is not None and rp.type == "true"
        return out

    # -- exports ------------------------------------------------------------------------
    def _export(self, stmt: Node, chain: Sequence[Node]) -> None:
        if len(chain) != 1:
            return
        if stmt.type == "export_statement":
            value = stmt.child_by_field_name("value")
            if value is not None and any(c.type == "default" for c in stmt.children):
                self._export_value("default", value)
                tgt = self._target(value, chain)
                if tgt is not None:
                    self.exports["default"] = tgt
            decl = stmt.child_by_field_name("declaration")
            if decl is not None and decl.type == "lexical_declaration":
                for d in decl.named_children:
                    name = d.child_by_field_name("name")
                    if name is not None and text(name, self.src) in (
                        "autoPrefix",
                        "prefixOverride",
                    ):
                        self.file_opts[text(name, self.src)] = self.expr(
                            d.child_by_field_name("value")
                        )
            return
        expr = stmt.named_children[0] if stmt.named_children else None
        if expr is None or expr.type != "assignment_expression":
            return
        left = text(expr.child_by_field_name("left"), self.src)
        right = expr.child_by_field_name("right")
        if left == "module.exports":
            r = strip(right)
            self._export_value("default", right)
            if r is not None and r.type == "object":
                for key, val in pairs(r, self.src).items():
                    self._export_value(key, val)
                    tgt = self._target(val, chain)
                    if tgt is not None:
                        self.exports[key] = tgt
                return
            tgt = self._target(right, chain)
            if tgt is not None:
                self.exports["default"] = tgt
            return
        for prefix in ("module.exports.", "exports."):
            if left.startswith(prefix):
                key = left[len(prefix) :]
                if key in ("autoPrefix", "prefixOverride"):
                    self.file_opts[key] = self.expr(right)
                    return
                self._export_value(key, right)
                tgt = self._target(right, chain)
                if tgt is not None:
                    self.exports[key] = tgt

    def _export_value(self, name: str, node: Node | None) -> None:
        """Values js_module leaves without a local name (``export default {prefix: ...}``)."""
        node = strip(node)
        if node is not None and node.type in _VALUE_TYPES:
            self.export_values[name] = self.expr(node)


def _path_like(node: Node, source: bytes) -> str | None:
    """'path' for a literal/env path argument, 'name' for a name that may hold one."""
    t = node.type
    if t in ("string", "template_string", "binary_expression", "regex"):
        return "path"
    if t == "array":
        elements = [strip(e) for e in node.named_children]
        if all(e is not None and e.type in ("string", "template_string") for e in elements):
            return "path"
        return None
    if t == "member_expression" and text(node, source).startswith("process.env."):
        return "path"
    if t in ("identifier", "call_expression") or (
        t == "member_expression" and not text(node, source).startswith("this.")
    ):
        return "name"
    return None


def _call_line(call: Node) -> int:
    """Line of ``.get`` in ``router.route('/')\n  .get(h)``: where the method is named."""
    fn = call.child_by_field_name("function")
    prop = fn.child_by_field_name("property") if fn is not None else None
    return line_of(prop if prop is not None else call)
