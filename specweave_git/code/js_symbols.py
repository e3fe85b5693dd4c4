"""TS/JS symbols: top-level declarations per file, linked into each module's exports.

``symbol_facts`` records every top-level declaration of a file (exported or not, since
``export {a}`` and ``export default a`` name them later) as model ``Symbol`` JSON keyed by
local name. ``link_symbols`` (in ``js_symbols_link``) joins those with the module facts
of every file into the symbols the repository exports, following re-exports the way
``tsc`` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..model import Location, Symbol
from .js_decls import (
    CLASS_VALUES,
    FUNCTION_VALUES,
    class_detail,
    enum_fields,
    interface_detail,
    jsdoc_optional_params,
    line_of,
    norm,
    signature_of,
    type_text,
)
from .js_expr import object_entries, unwrap
from .js_module import pattern_names, require_target, top_level_statements
from .js_symbols_link import link_symbols as link_symbols
from .languages import is_declaration_file, text

if TYPE_CHECKING:
    from tree_sitter import Node, Tree

# When one name has several declarations (declaration merging), the symbol takes the kind
# that matters most to a caller: `function f` + `namespace f` is a function.
_KIND_RANK = ("class", "function", "enum", "const", "interface", "type", "namespace")
_VAR_DECLS = ("lexical_declaration", "variable_declaration")


def symbol_facts(tree: Tree, source: bytes, language: str, path: str) -> dict[str, Any]:
    """``decls``: local name -> Symbol JSON; ``props``: name -> {property: local} for the
    members of a namespace and the properties assigned to a function or object
    (``app.listen = function ...``), which are the exports when the module is ``export =``
    that name; ``module``: whether tsc sees an ES module;
    ``implicit_export``: a .d.ts module without export lists, where every top-level
    declaration is exported (tsc's "export context" rule)."""
    acc = _Decls(path, language)
    is_module = False
    export_lists = False
    prev: Node | None = None
    for stmt in top_level_statements(tree.root_node):
        doc = prev if language == "js" else None
        prev = stmt
        if stmt.type in ("import_statement", "export_statement"):
            is_module = True
        if stmt.type == "export_statement":
            export_lists |= _is_export_list(stmt)
            _export_statement(stmt, source, acc, doc)
        elif stmt.type == "expression_statement":
            _commonjs(stmt, source, acc, doc)
        else:
            _declaration(stmt, source, acc, doc, default=False)
    return {
        "decls": acc.to_json(),
        "props": acc.props,
        "module": is_module,
        "implicit_export": is_module and not export_lists and is_declaration_file(path),
    }


def _is_export_list(stmt: Node) -> bool:
    """``export {..}``, ``export * from``, ``export =`` and ``export default <expr>``."""
    kinds = {c.type for c in stmt.children}
    if "export_clause" in kinds or "*" in kinds or "namespace_export" in kinds or "=" in kinds:
        return True
    return stmt.child_by_field_name("value") is not None


class _Decls:
    """Declarations by local name, merging overloads and declaration merging."""

    def __init__(self, path: str, language: str) -> None:
        self.path = path
        self.language = language
        self.items: dict[str, Symbol] = {}
        self.overloads: dict[str, list[Any]] = {}
        self.impls: dict[str, list[Any]] = {}
        self.props: dict[str, dict[str, str]] = {}

    def merge_namespace(self, name: str, inner: _Decls) -> None:
        """The declarations of ``namespace name {}`` as ``name.member`` (and its props)."""
        for local, sym in inner.items.items():
            key = f"{name}.{local}"
            self.items.setdefault(key, sym)
            self.overloads.setdefault(key, []).extend(inner.overloads.get(local, []))
            self.impls.setdefault(key, []).extend(inner.impls.get(local, []))
            self.props.setdefault(name, {})[local] = key

    def add(self, local: str, sym: Symbol, *, implementation: bool = True) -> None:
        if sym.kind == "function":
            sigs = self.impls if implementation else self.overloads
            sigs.setdefault(local, []).extend(sym.signatures)
        old = self.items.get(local)
        if old is None:
            self.items[local] = sym
        elif old.kind == sym.kind == "interface":
            self.items[local] = old.replace(
                fields=old.fields + sym.fields,
                members=old.members + sym.members,
                signatures=old.signatures + sym.signatures,
            )
        elif _rank(sym.kind) < _rank(old.kind):
            self.items[local] = sym

    def symbol(self, kind: str, name: str, node: Node, **detail: Any) -> Symbol:
        return Symbol(
            name=name,
            kind=kind,
            location=Location(self.path, line_of(node)),
            exported_from=self.path,
            language=self.language,
            **detail,
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for local, sym in self.items.items():
            if sym.kind == "function":
                # Overload signatures are what callers see; the implementation is hidden.
                sigs = self.overloads.get(local) or self.impls.get(local, [])[:1]
                sym = sym.replace(signatures=tuple(sigs))
            out[local] = sym.to_json()
        return out


def _rank(kind: str) -> int:
    return _KIND_RANK.index(kind) if kind in _KIND_RANK else len(_KIND_RANK)


def _export_statement(stmt: Node, source: bytes, acc: _Decls, doc: Node | None) -> None:
    is_default = any(c.type == "default" for c in stmt.children)
    decl = stmt.child_by_field_name("declaration")
    if decl is not None:
        _declaration(decl, source, acc, doc, default=is_default)
        return
    value = stmt.child_by_field_name("value")
    if value is None and any(c.type == "=" for c in stmt.children):  # `export = X`
        value = next((c for c in stmt.named_children if c.type != "comment"), None)
    if value is not None and unwrap(value).type != "identifier":
        _value_decl("default", None, value, stmt, source, acc, doc)
    ns = next((c for c in stmt.named_children if c.type == "namespace_export"), None)
    if ns is not None and ns.named_children:
        # `export * as ns from './x'` declares the namespace here.
        name = text(ns.named_children[0], source).strip("'\"")
        acc.add(f"* as {name}", acc.symbol("namespace", name, stmt))


def _declaration(
    node: Node,
    source: bytes,
    acc: _Decls,
    doc: Node | None,
    *,
    default: bool,
    ambient: bool = False,
) -> None:
    t = node.type
    if t == "ambient_declaration":
        for inner in node.named_children:
            if inner.type != "statement_block":  # `declare global { ... }` is not ours
                _declaration(inner, source, acc, doc, default=default, ambient=True)
        return
    if t in _VAR_DECLS:
        for d in node.named_children:
            if d.type == "variable_declarator":
                _declarator(d, source, acc, doc)
        return
    name_node = node.child_by_field_name("name")
    if t == "import_alias":  # `export import A = B.C`
        name_node = next((c for c in node.named_children if c.type == "identifier"), None)
    if name_node is None:
        if default and t in FUNCTION_VALUES | CLASS_VALUES:
            _value_decl("default", None, node, node, source, acc, doc)
        return
    if name_node.type == "string":  # `declare module 'pkg'`: an augmentation, no binding
        return
    if name_node.type == "nested_identifier":
        _nested_namespace(node, name_node, source, acc, ambient=ambient)
        return
    name = text(name_node, source)
    local = name
    sym = _symbol_of(node, name, name_node, source, acc, doc)
    if sym is None:
        return
    implementation = t != "function_signature"
    acc.add(local, sym, implementation=implementation)
    if t == "internal_module":
        _namespace_body(node, name, source, acc, ambient=ambient)
    if default:
        # `export default function foo` binds foo *and* is the default export.
        acc.add("default", sym, implementation=implementation)


def _nested_namespace(
    node: Node, name_node: Node, source: bytes, acc: _Decls, *, ambient: bool
) -> None:
    """``namespace A.B {}`` is ``namespace A { export namespace B {} }``: it binds A only,
    and B is a member of A (tsc merges it into A, it is no export of its own)."""
    parts = [p.strip() for p in text(name_node, source).split(".")]
    for i, part in enumerate(parts):
        key = ".".join(parts[: i + 1])
        acc.add(key, acc.symbol("namespace", part, name_node))
        if i:
            acc.props.setdefault(".".join(parts[:i]), {})[part] = key
    if node.type == "internal_module":
        _namespace_body(node, ".".join(parts), source, acc, ambient=ambient)


def _namespace_body(node: Node, name: str, source: bytes, acc: _Decls, *, ambient: bool) -> None:
    """Exported members of a namespace; in an ambient one (``declare namespace``, .d.ts)
    every member is exported unless the body has export lists, as tsc rules."""
    body = node.child_by_field_name("body")
    if body is None:
        return
    ambient = ambient or is_declaration_file(acc.path)
    statements = [c for c in body.named_children if c.type != "comment"]
    if any(c.type == "export_statement" and _is_export_list(c) for c in statements):
        ambient = False
    inner = _Decls(acc.path, acc.language)
    for stmt in statements:
        if stmt.type == "export_statement":
            decl = stmt.child_by_field_name("declaration")
            if decl is not None:
                _declaration(decl, source, inner, None, default=False, ambient=ambient)
        elif ambient:
            _declaration(stmt, source, inner, None, default=False, ambient=True)
    acc.merge_namespace(name, inner)


def _symbol_of(
    node: Node, name: str, anchor: Node, source: bytes, acc: _Decls, doc: Node | None
) -> Symbol | None:
    t = node.type
    if t in ("function_declaration", "generator_function_declaration", "function_signature"):
        sig = signature_of(node, source, jsdoc_optional_params(doc, source))
        return acc.symbol("function", name, anchor, signatures=(sig,))
    if t in CLASS_VALUES:
        ctor, fields, members = class_detail(
            node.child_by_field_name("body"), source, acc.path, acc.language
        )
        return acc.symbol("class", name, anchor, signatures=ctor, fields=fields, members=members)
    if t == "interface_declaration":
        sigs, fields, members = interface_detail(
            node.child_by_field_name("body"), source, acc.path, acc.language
        )
        return acc.symbol(
            "interface", name, anchor, signatures=sigs, fields=fields, members=members
        )
    if t == "type_alias_declaration":
        value = node.child_by_field_name("value")
        detail: dict[str, Any] = {"type_text": norm(text(value, source)) if value else None}
        if value is not None and value.type == "object_type":
            sigs, fields, members = interface_detail(value, source, acc.path, acc.language)
            detail.update(signatures=sigs, fields=fields, members=members)
        return acc.symbol("type", name, anchor, **detail)
    if t == "enum_declaration":
        fields = enum_fields(node.child_by_field_name("body"), source)
        return acc.symbol("enum", name, anchor, fields=fields)
    if t in ("internal_module", "module", "import_alias"):
        return acc.symbol("namespace", name, anchor)
    return None


def _declarator(d: Node, source: bytes, acc: _Decls, doc: Node | None) -> None:
    name_node = d.child_by_field_name("name")
    if name_node is None:
        return
    value = d.child_by_field_name("value")
    declared = type_text(d.child_by_field_name("type"), source)
    if name_node.type != "identifier":
        # `const { a, b } = obj`: each name is a const we know nothing more about.
        for n in pattern_names(name_node, source):
            acc.add(n, acc.symbol("const", n, name_node))
        return
    name = text(name_node, source)
    if require_target(value, source) is not None:
        return  # an import (`const x = require('m')`): the module facts follow it
    if value is None:
        acc.add(name, acc.symbol("const", name, name_node, type_text=declared))
        return
    _value_decl(name, name, value, name_node, source, acc, doc, declared=declared)


def _value_decl(
    local: str,
    name: str | None,
    value: Node,
    anchor: Node,
    source: bytes,
    acc: _Decls,
    doc: Node | None,
    declared: str | None = None,
) -> None:
    """A declaration whose meaning is a value: ``const f = () => {}``, ``export default {}``.

    ``name`` is the binding's own name; a named function or class expression lends its
    name to an anonymous binding (``module.exports = function foo() {}``).
    """
    inner = unwrap(value)
    while inner.type == "assignment_expression":  # `var proto = module.exports = fn`
        right = inner.child_by_field_name("right")
        if right is None:
            break
        inner = unwrap(right)
    own = inner.child_by_field_name("name")
    if name is None:
        name = text(own, source) if own is not None else "default"
    if inner.type in FUNCTION_VALUES or inner.type == "method_definition":
        sig = signature_of(inner, source, jsdoc_optional_params(doc, source))
        sym = acc.symbol("function", name, anchor, signatures=(sig,), type_text=declared)
    elif inner.type in CLASS_VALUES:
        ctor, fields, members = class_detail(
            inner.child_by_field_name("body"), source, acc.path, acc.language
        )
        sym = acc.symbol("class", name, anchor, signatures=ctor, fields=fields, members=members)
    else:
        sym = acc.symbol("const", name, anchor, type_text=declared)
    acc.add(local, sym)


def _commonjs(stmt: Node, source: bytes, acc: _Decls, doc: Node | None) -> None:
    """Declarations that only exist as CommonJS export assignments (JavaScript)."""
    expr = stmt.named_children[0] if stmt.named_children else None
    if expr is None or expr.type != "assignment_expression":
        return
    lefts = [expr.child_by_field_name("left")]
    right = expr.child_by_field_name("right")
    # `req.get = req.header = function header() {}` assigns one value to every target.
    while right is not None and unwrap(right).type == "assignment_expression":
        lefts.append(unwrap(right).child_by_field_name("left"))
        right = unwrap(right).child_by_field_name("right")
    if right is None:
        return
    for left in lefts:
        if left is not None:
            _commonjs_target(
                text(left, source).replace(" ", ""), unwrap(right), stmt, source, acc, doc
            )


def _commonjs_target(
    target: str, value: Node, stmt: Node, source: bytes, acc: _Decls, doc: Node | None
) -> None:
    if target == "module.exports":
        if value.type == "object":
            for key, val in object_entries(value, source):
                if val is None:  # a method: `{ list(req, res) {} }`
                    method = _object_method(value, key, source)
                    if method is not None:
                        _value_decl(f"module.exports.{key}", key, method, method, source, acc, doc)
                elif val.type not in ("identifier", "shorthand_property_identifier"):
                    _value_decl(f"module.exports.{key}", key, val, val, source, acc, doc)
        elif value.type != "identifier":
            _value_decl("default", None, value, stmt, source, acc, doc)
        return
    for prefix in ("module.exports.", "exports."):
        if target.startswith(prefix) and value.type != "identifier":
            key = target[len(prefix) :]
            _value_decl(f"exports.{key}", key, value, stmt, source, acc, doc)
            return
    owner, dot, prop = target.partition(".")
    if dot and owner.isidentifier() and prop.isidentifier() and owner not in ("this", "exports"):
        # `app.listen = function () {}`: a property of what `module.exports = app` exports.
        if value.type == "identifier":
            acc.props.setdefault(owner, {})[prop] = text(value, source)
        else:
            _value_decl(f"{owner}.{prop}", prop, value, stmt, source, acc, doc)
            acc.props.setdefault(owner, {})[prop] = f"{owner}.{prop}"


def _object_method(obj: Node, key: str, source: bytes) -> Node | None:
    for prop in obj.named_children:
        if prop.type == "method_definition":
            name = prop.child_by_field_name("name")
            if name is not None and text(name, source).strip("'\"") == key:
                return prop
    return None
