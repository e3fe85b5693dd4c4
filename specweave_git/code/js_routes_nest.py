"""NestJS routes: ``@Controller`` classes (per-file facts) joined with the app's global
prefix and URI versioning (link time)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..model import Location, Route, normalise_path
from .js_routes_nodes import call_args, line_of, pairs, string_of, strip
from .languages import text
from .values import Expr, Value

if TYPE_CHECKING:
    from tree_sitter import Node

    from .js_routes import _Reader

ValueOf = Callable[[Expr | None, str], Value]
NEST_METHODS = {
    "Get": "GET",
    "Post": "POST",
    "Put": "PUT",
    "Patch": "PATCH",
    "Delete": "DELETE",
    "Head": "HEAD",
    "Options": "OPTIONS",
    "All": "ALL",
}


def _nest_name(r: _Reader, deco: Node) -> tuple[str, list[Node]] | None:
    inner = deco.named_children[0] if deco.named_children else None
    if inner is None:
        return None
    args: list[Node] = []
    if inner.type == "call_expression":
        args = call_args(inner)
        inner = inner.child_by_field_name("function")
    if inner is None:
        return None
    full = text(inner, r.src)
    owner, _, name = full.rpartition(".")
    imp = r.imp.imported(owner or full)
    if imp is not None:
        if imp[0] != "@nestjs/common":
            return None
        if not owner:
            name = imp[1]
    elif any(m == "@nestjs/common" for m, _n in r.imp.imports.values()):
        # The file uses Nest but this decorator is its own (a local `Version`...).
        return None
    return name, args


def nest_controller(r: _Reader, cls: Node, parent: Node) -> None:
    decos = [c for c in cls.children if c.type == "decorator"]
    if parent.type == "export_statement":
        decos += [c for c in parent.children if c.type == "decorator"]
    ctrl = None
    for d in decos:
        named = _nest_name(r, d)
        if named is not None and named[0] == "Controller":
            ctrl = named[1]
    if ctrl is None:
        return
    name_node = cls.child_by_field_name("name")
    prefixes: list[Expr] = [{"lit": ""}]
    version: list[str] | None = None
    if ctrl:
        first = strip(ctrl[0])
        if first is not None and first.type == "object":
            kv = pairs(first, r.src)
            if "path" in kv:
                prefixes = r.exprs(kv["path"])
            if "version" in kv:
                version = _versions(r, kv["version"])
        elif first is not None:
            prefixes = r.exprs(first)
    routes = []
    pending: list[Node] = []
    body = cls.child_by_field_name("body")
    for member in body.named_children if body is not None else ():
        if member.type == "decorator":
            pending.append(member)
            continue
        if member.type != "method_definition":
            pending = []
            continue
        decorators = pending + [c for c in member.children if c.type == "decorator"]
        pending = []
        mversion = None
        found = []
        for d in decorators:
            named = _nest_name(r, d)
            if named is None:
                continue
            dname, dargs = named
            if dname in NEST_METHODS:
                paths = r.exprs(dargs[0]) if dargs else [{"lit": ""}]
                found.append((NEST_METHODS[dname], paths, line_of(d)))
            elif dname == "Version" and dargs:
                mversion = _versions(r, dargs[0])
        handler = text(member.child_by_field_name("name"), r.src)
        for method, paths, line in found:
            for p in paths:
                routes.append(
                    {
                        "method": method,
                        "path": p,
                        "handler": handler,
                        "line": line,
                        "version": mversion,
                    }
                )
    r.controllers.append(
        {
            "class": text(name_node, r.src),
            "line": line_of(cls),
            "prefixes": prefixes,
            "version": version,
            "routes": routes,
        }
    )


def _versions(r: _Reader, node: Node | None) -> list[str] | None:
    """Literal versions; [''] for VERSION_NEUTRAL; None when not literal."""
    node = strip(node)
    if node is None:
        return None
    nodes = node.named_children if node.type == "array" else [node]
    out = []
    for n in nodes:
        if text(n, r.src).endswith("VERSION_NEUTRAL"):
            out.append("")
            continue
        s = string_of(n, r.src)
        if s is None:
            return None
        out.append(s)
    return out


def global_prefix(r: _Reader, call: Node, args: list[Node]) -> None:
    exclude: list[dict[str, Any]] = []
    opts = strip(args[1]) if len(args) > 1 else None
    if opts is not None and opts.type == "object":
        ex = strip(pairs(opts, r.src).get("exclude"))
        for e in ex.named_children if ex is not None and ex.type == "array" else ():
            s = string_of(e, r.src)
            e2 = strip(e)
            if s is not None:
                exclude.append({"path": s, "method": None})
            elif e2 is not None and e2.type == "object":
                p = pairs(e2, r.src)
                ps = string_of(p.get("path"), r.src)
                m = text(p.get("method"), r.src).rsplit(".", 1)[-1] if "method" in p else None
                if ps is not None:
                    exclude.append({"path": ps, "method": None if m == "ALL" else m})
    r.global_prefixes.append({"prefix": r.expr(args[0]), "exclude": exclude, "line": line_of(call)})


def enable_versioning(r: _Reader, call: Node, args: list[Node]) -> None:
    opts = strip(args[0]) if args else None
    kv = pairs(opts, r.src) if opts is not None and opts.type == "object" else {}
    vtype = text(kv.get("type"), r.src).rsplit(".", 1)[-1].upper() if "type" in kv else "URI"
    prefix_node = strip(kv.get("prefix"))
    prefix = "v"
    if prefix_node is not None:
        prefix = "" if prefix_node.type == "false" else (string_of(prefix_node, r.src) or "v")
    default = _versions(r, kv["defaultVersion"]) if "defaultVersion" in kv else None
    r.versioning.append(
        {"type": vtype, "prefix": prefix, "default": default, "line": line_of(call)}
    )


def nest_routes(files: Mapping[str, Mapping[str, Any]], value: ValueOf) -> Iterator[Route]:
    """Routes of every ``@Controller`` class of the repository."""
    from .js_routes_link import join

    prefixes: list[tuple[Value, list[dict[str, Any]]]] = []
    versioning: dict[str, Any] | None = None
    for path, facts in files.items():
        rf = facts.get("routes") or {}
        for gp in rf.get("global_prefixes") or ():
            entry = (value(gp["prefix"], path), list(gp.get("exclude") or ()))
            if entry not in prefixes:
                prefixes.append(entry)
        for v in rf.get("versioning") or ():
            if versioning is None and v.get("type") == "URI":
                versioning = v
    if not prefixes:
        prefixes = [(Value(""), [])]
    for path, facts in files.items():
        for ctrl in (facts.get("routes") or {}).get("controllers") or ():
            for cprefix in ctrl["prefixes"]:
                cvalue = value(cprefix, path)
                for r in ctrl["routes"]:
                    local = join(cvalue, value(r["path"], path))
                    for version in _route_versions(r, ctrl, versioning):
                        vseg = Value(
                            f"{versioning['prefix']}{version}" if versioning and version else ""
                        )
                        for gvalue, exclude in prefixes:
                            g = Value("") if _excluded(local, r["method"], exclude) else gvalue
                            full = join(join(g, vseg), local)
                            yield Route(
                                method=r["method"],
                                path=normalise_path(full.text),
                                location=Location(path, int(r["line"])),
                                handler=f"{ctrl['class']}.{r['handler']}",
                                framework="nestjs",
                                unresolved=full.unresolved,
                                source=full.source,
                            )


def _route_versions(
    r: Mapping[str, Any], ctrl: Mapping[str, Any], versioning: Mapping[str, Any] | None
) -> list[str]:
    """Version segments a route is served under ('' = unversioned)."""
    if versioning is None:
        return [""]
    chosen = r.get("version") or ctrl.get("version") or versioning.get("default")
    return list(chosen) if chosen else [""]


def _excluded(local: Value, method: str, exclude: list[dict[str, Any]]) -> bool:
    here = normalise_path(local.text)
    return any(
        normalise_path(str(e["path"])) == here and e.get("method") in (None, method)
        for e in exclude
    )
