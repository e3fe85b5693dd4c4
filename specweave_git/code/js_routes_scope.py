"""Which names in one JS/TS file are framework objects (apps, routers, Fastify
instances, plugin parameters), scope by scope; the base of js_routes' per-file reader."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .js_routes_nodes import (
    FUNCTIONS,
    Imports,
    Item,
    call_args,
    line_of,
    node_key,
    params_of,
    require_spec,
    strip,
)
from .languages import text

if TYPE_CHECKING:
    from tree_sitter import Node

Expr = dict[str, Any]

METHODS = {
    "get": "GET",
    "post": "POST",
    "put": "PUT",
    "patch": "PATCH",
    "delete": "DELETE",
    "head": "HEAD",
    "options": "OPTIONS",
    "all": "ALL",
}
_FP = ("fastify-plugin",)
# Parameter types that make a function parameter a framework object even when unused.
_FASTIFY_TYPES = ("FastifyInstance", "FastifyPluginAsync", "FastifyPluginCallback", "FastifyPlugin")
_EXPRESS_TYPES = ("Router", "Express", "Application", "express.Router", "express.Application")


class Scopes:
    def __init__(self, source: bytes, language: str) -> None:
        self.src = source
        self.language = language
        self.imp = Imports(source)
        self.scopes: dict[tuple[int, int, str], dict[str, dict[str, Any]]] = {}
        self.fids: dict[tuple[int, int, str], str] = {}
        self.functions: dict[str, dict[str, Any]] = {}
        self.receivers: dict[str, dict[str, Any]] = {}
        # node_key -> params_of(), read by _fid and _declare
        self.params: dict[tuple[int, int, str], list[tuple[str, str | None]]] = {}

    def expr(self, node: Node | None) -> Expr:
        from .js_module import expr_of

        node = strip(node)
        if node is None:
            return {"unknown": ""}
        if node.type == "member_expression":
            # `require('./settings').prefix`: the linker reads the other module's export.
            spec = require_spec(node.child_by_field_name("object"), self.src)
            if spec is not None:
                return {
                    "attr": {"require": spec},
                    "name": text(node.child_by_field_name("property"), self.src),
                }
        result: Expr = expr_of(node, self.src)
        return result

    def exprs(self, node: Node | None) -> list[Expr]:
        """A path argument: one expression, or each element of an array literal."""
        node = strip(node)
        if node is not None and node.type == "array":
            return [self.expr(e) for e in node.named_children if e.type != "comment"]
        return [self.expr(node)]

    # -- pass 1: declarations ---------------------------------------------------------
    def _scope(self, node: Node) -> dict[str, dict[str, Any]]:
        return self.scopes.setdefault(node_key(node), {})

    def _declare(self, items: list[Item]) -> None:
        for node, t, chain in items:
            if t in FUNCTIONS:
                fid = self._fid(node)
                name_node = node.child_by_field_name("name")
                if t in ("function_declaration", "generator_function_declaration") and name_node:
                    self._scope(chain[-1])[text(name_node, self.src)] = {"function": fid}
                inner = self._scope(node)
                for i, (pname, _typ) in enumerate(self.params[node_key(node)]):
                    if pname:
                        inner[pname] = {"param": [fid, i]}
            elif t in ("class_declaration", "class"):
                self._scope(node)
            elif t == "variable_declarator":
                name = node.child_by_field_name("name")
                if name is not None and name.type == "identifier":
                    self._bind(chain, text(name, self.src), node.child_by_field_name("value"), node)
            elif t in ("public_field_definition", "field_definition"):
                name = node.child_by_field_name("name") or node.child_by_field_name("property")
                if name is not None:
                    self._bind(
                        chain,
                        "this." + text(name, self.src),
                        node.child_by_field_name("value"),
                        node,
                    )
            elif t == "assignment_expression":
                left = node.child_by_field_name("left")
                if left is not None and left.type in ("identifier", "member_expression"):
                    lname = text(left, self.src)
                    if left.type == "identifier" or lname.startswith("this."):
                        self._bind(chain, lname, node.child_by_field_name("right"), node)

    def _bind(self, chain: Sequence[Node], name: str, value: Node | None, decl: Node) -> None:
        binding = self._classify(value, name, decl)
        if binding is None:
            return
        if name.startswith("this."):
            scope = next(
                (n for n in reversed(chain) if n.type in ("class_declaration", "class")), None
            )
            if scope is None:
                return
        else:
            scope = chain[-1]
        self._scope(scope).setdefault(name, binding)

    def _classify(self, value: Node | None, name: str, decl: Node) -> dict[str, Any] | None:
        value = strip(value)
        if value is None:
            return None
        if value.type in FUNCTIONS:
            fid = self._fid(value, name.removeprefix("this."))
            typ = decl.child_by_field_name("type")
            if typ is not None and any(t in text(typ, self.src) for t in _FASTIFY_TYPES):
                self.functions[fid]["typed"] = "fastify"
            return {"function": fid}
        if value.type == "identifier":
            return {"alias": text(value, self.src)}
        kind = self._factory_kind(value)
        if kind is not None:
            rid = f"{name}@{line_of(decl)}"
            self.receivers[rid] = {"kind": kind, "name": name, "line": line_of(decl)}
            return {"receiver": rid}
        if value.type == "call_expression" and self._is_fp(value.child_by_field_name("function")):
            args = call_args(value)
            inner = strip(args[0]) if args else None
            if inner is not None and inner.type in FUNCTIONS:
                fid = self._fid(inner, name)
                self.functions[fid]["fp"] = True
                return {"function": fid}
            if inner is not None and inner.type == "identifier":
                return {"alias": text(inner, self.src), "fp": True}
        return None

    def _is_fp(self, fn: Node | None) -> bool:
        return self.imp.is_module(fn, _FP, ("fp", "fastifyPlugin"))

    def _factory_kind(self, node: Node) -> str | None:
        """express-app / express-router / fastify / nest-app for an object-creating call."""
        if node.type == "new_expression":
            ctor = node.child_by_field_name("constructor")
            if self.imp.is_named(ctor, ("express",), ()):
                return "express-router"
            return None
        if node.type != "call_expression":
            return None
        fn = strip(node.child_by_field_name("function"))
        if fn is None:
            return None
        if fn.type == "member_expression":
            obj = fn.child_by_field_name("object")
            prop = text(fn.child_by_field_name("property"), self.src)
            if prop == "Router" and self.imp.is_module(obj, ("express",), ("express",)):
                return "express-router"
            if prop == "create" and text(obj, self.src) == "NestFactory":
                return "nest-app"
            if prop in ("default", "fastify") and self.imp.is_module(obj, ("fastify",), ()):
                return "fastify"
            return None
        if self.imp.is_module(fn, ("express",), ("express",)):
            return "express-app"
        if self.imp.is_named(fn, ("express",), ("Router",)):
            return "express-router"
        if self.imp.is_module(fn, ("fastify",), ("fastify", "Fastify")):
            return "fastify"
        if self.imp.is_named(fn, ("fastify",), ("fastify",)):
            return "fastify"
        return None

    def _fid(self, fn: Node, name: str | None = None) -> str:
        key = node_key(fn)
        if key in self.fids:
            return self.fids[key]
        name_node = fn.child_by_field_name("name")
        if name is None and name_node is not None:
            name = text(name_node, self.src)
        fid = f"{name or 'fn'}@{line_of(fn)}:{fn.start_point[1]}"
        params = self.params[key] = params_of(fn)
        typed = None
        if params and params[0][1]:
            if any(t in (params[0][1] or "") for t in _FASTIFY_TYPES):
                typed = "fastify"
            elif (params[0][1] or "") in _EXPRESS_TYPES:
                typed = "express"
        self.fids[key] = fid
        self.functions[fid] = {
            "name": name,
            "line": line_of(fn),
            "params": {},
            "returns": None,
            "fp": False,
            "typed": typed,
        }
        return fid

    # -- lookups ----------------------------------------------------------------------
    def _lookup(self, chain: Sequence[Node], name: str) -> dict[str, Any] | None:
        for scope_node in reversed(chain):
            scope = self.scopes.get(node_key(scope_node))
            if scope is not None and name in scope:
                return self._follow(scope, name, chain)
        return None

    def _follow(
        self, scope: Mapping[str, dict[str, Any]], name: str, chain: Sequence[Node] | None = None
    ) -> dict[str, Any] | None:
        binding: dict[str, Any] | None = scope.get(name)
        seen = {name}
        fp = False
        while binding is not None and "alias" in binding:
            fp = fp or bool(binding.get("fp"))
            target = binding["alias"]
            if target in seen:
                return None
            seen.add(target)
            binding = scope.get(target) if chain is None else self._lookup_raw(chain, target)
        if binding is not None and fp and "function" in binding:
            self.functions[binding["function"]]["fp"] = True
        return binding

    def _lookup_raw(self, chain: Sequence[Node], name: str) -> dict[str, Any] | None:
        for scope_node in reversed(chain):
            scope = self.scopes.get(node_key(scope_node))
            if scope is not None and name in scope:
                return scope[name]
        return None

    def _param_receiver(self, fid: str, index: int, name: str) -> str:
        fn = self.functions[fid]
        rid = f"{fid}/{name}"
        if rid not in self.receivers:
            self.receivers[rid] = {"kind": "param", "name": name, "line": fn["line"]}
            fn["params"][str(index)] = rid
        return rid

    def _receiver_of(self, node: Node | None, chain: Sequence[Node]) -> str | None:
        node = strip(node)
        if node is None:
            return None
        if node.type in ("identifier", "member_expression"):
            name = text(node, self.src)
            if node.type == "member_expression" and not name.startswith("this."):
                return None
            b = self._lookup(chain, name)
            if b is None:
                return None
            if "receiver" in b:
                return str(b["receiver"])
            if "param" in b:
                fid, index = b["param"]
                return self._param_receiver(fid, index, name)
            return None
        if node.type == "call_expression":
            # `app.get(...).post(...)`, `fastify.register(a).register(b)`: same receiver.
            fn = strip(node.child_by_field_name("function"))
            if fn is not None and fn.type == "member_expression":
                prop = text(fn.child_by_field_name("property"), self.src)
                if prop in METHODS or prop in ("use", "register"):
                    return self._receiver_of(fn.child_by_field_name("object"), chain)
        return None

    def _target(self, node: Node | None, chain: Sequence[Node]) -> dict[str, Any] | None:
        """What a mounted/registered argument refers to (resolved further at link time)."""
        node = strip(node)
        if node is None:
            return None
        if node.type in FUNCTIONS:
            return {"function": self._fid(node)}
        if node.type in ("identifier", "member_expression"):
            name = text(node, self.src)
            if node.type == "identifier" or name.startswith("this."):
                b = self._lookup(chain, name)
                if b is not None:
                    if "receiver" in b:
                        return {"receiver": b["receiver"]}
                    if "function" in b:
                        return {"function": b["function"]}
                    if "param" in b:
                        return {
                            "receiver": self._param_receiver(b["param"][0], b["param"][1], name)
                        }
                    return None
                return {"ref": name} if node.type == "identifier" else None
            obj = strip(node.child_by_field_name("object"))
            prop = text(node.child_by_field_name("property"), self.src)
            spec = require_spec(obj, self.src)
            if spec is not None:
                return {"module": spec, "name": prop}
            if (
                obj is not None
                and obj.type == "identifier"
                and not self._lookup(chain, text(obj, self.src))
            ):
                return {"ref": text(obj, self.src), "prop": prop}
            return None
        if node.type == "call_expression":
            spec = require_spec(node, self.src)
            if spec is not None:
                return {"module": spec, "name": "default"}
            fn = node.child_by_field_name("function")
            args = call_args(node)
            if self._is_fp(fn) and args:
                inner = self._target(args[0], chain)
                return {**inner, "fp": True} if inner is not None else None
            callee = self._target(fn, chain)
            if callee is not None and "receiver" not in callee:
                return {"call": callee}
        return None
