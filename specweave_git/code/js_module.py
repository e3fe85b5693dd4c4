"""TS/JS module facts: imports, exports, re-exports and string-ish constants of one file.

The linker (symbols and routes) joins these across files. Everything here is plain JSON
so that it can be cached by blob id. ``expr_of`` turns an expression node into the
symbolic ``values.Expr`` form; the routes analyzer uses it to read paths and prefixes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .js_expr import expr_of, object_entries, string_value, unwrap
from .languages import text

if TYPE_CHECKING:
    from tree_sitter import Node, Tree

# expr_of is re-exported: the routes analyzer reads paths with it.
__all__ = [
    "declared_names",
    "expr_of",
    "module_facts",
    "pattern_names",
    "require_target",
    "string_value",
    "top_level_statements",
    "unwrap",
]

_STRINGISH = frozenset(
    {
        "string",
        "template_string",
        "binary_expression",
        "identifier",
        "member_expression",
        "subscript_expression",
        "object",
        "number",
    }
)


def module_facts(tree: Tree, source: bytes, language: str) -> dict[str, Any]:
    """What one module imports, exports, re-exports and which string-ish constants it has.

    ``imports``: local -> {"from": specifier, "name": exported name | "default" | "*"}
    (``"type_only": true`` for ``import type``); ``require`` counts as a default import.
    ``exports``: exported name -> {"local": local name}; an anonymous default export has
    local ``"default"``, ``module.exports = {...}`` has local ``"module.exports"``;
    CommonJS entries carry ``"commonjs": true`` (tsc sees them only in JavaScript);
    ``export = X`` and ``module.exports = X`` carry ``"equals": true`` (the module *is* X,
    so X's own properties are its named exports); every entry has the statement's "line".
    ``reexports``: [{"from", "name" (or "*"), "as" (or None), "line"}].
    ``consts``: module-level name -> ``values.Expr`` of its initialiser.
    """
    facts: dict[str, Any] = {"imports": {}, "exports": {}, "reexports": [], "consts": {}}
    for stmt in top_level_statements(tree.root_node):
        try:
            _statement(stmt, source, facts)
            for entry in facts["exports"].values():
                entry.setdefault("line", stmt.start_point[0] + 1)
        except (ValueError, IndexError, KeyError, AttributeError):  # pragma: no cover
            # A tree shape we did not foresee (error recovery) must not lose the file.
            continue
    return facts


def top_level_statements(root: Node) -> Iterator[Node]:
    """Statements at module level, looking inside ERROR nodes left by error recovery."""
    stack = list(reversed(root.named_children))
    while stack:
        node = stack.pop()
        if node.type == "ERROR":
            stack.extend(reversed(node.named_children))
            continue
        yield node


def _source_of(node: Node | None, source: bytes) -> str | None:
    if node is None:
        return None
    src = node.child_by_field_name("source")
    return string_value(src, source)


def _name_text(node: Node | None, source: bytes) -> str:
    """An identifier or a string module export name (``export { a as 'b-c' }``)."""
    if node is None:
        return ""
    s = string_value(node, source)
    return s if s is not None else text(node, source)


def _statement(stmt: Node, source: bytes, facts: dict[str, Any]) -> None:
    t = stmt.type
    if t == "import_statement":
        _import(stmt, source, facts["imports"])
    elif t == "export_statement":
        _export(stmt, source, facts)
    elif t in ("lexical_declaration", "variable_declaration"):
        _variables(stmt, source, facts)
    elif t == "expression_statement":
        _commonjs(stmt, source, facts)
    elif t == "ambient_declaration":
        for child in stmt.named_children:
            if child.type in ("lexical_declaration", "variable_declaration"):
                _variables(child, source, facts)


# --- imports -------------------------------------------------------------------------


def _import(stmt: Node, source: bytes, imports: dict[str, Any]) -> None:
    spec = _source_of(stmt, source)
    type_only = any(c.type == "type" for c in stmt.children)
    for clause in stmt.named_children:
        if clause.type == "import_require_clause":
            # import x = require('m')
            name = next((c for c in clause.named_children if c.type == "identifier"), None)
            req = string_value(clause.child_by_field_name("source"), source)
            if name is not None and req is not None:
                imports[text(name, source)] = {"from": req, "name": "default"}
            continue
        if clause.type != "import_clause" or spec is None:
            continue
        for part in clause.named_children:
            if part.type == "identifier":
                _add_import(imports, text(part, source), spec, "default", type_only)
            elif part.type == "namespace_import":
                ident = next((c for c in part.named_children if c.type == "identifier"), None)
                if ident is not None:
                    _add_import(imports, text(ident, source), spec, "*", type_only)
            elif part.type == "named_imports":
                for sp in part.named_children:
                    if sp.type != "import_specifier":
                        continue
                    name_node = sp.child_by_field_name("name")
                    alias = sp.child_by_field_name("alias")
                    imported = _name_text(name_node, source)
                    local = text(alias, source) if alias is not None else imported
                    sp_type = type_only or any(c.type == "type" for c in sp.children)
                    _add_import(imports, local, spec, imported, sp_type)


def _add_import(imports: dict[str, Any], local: str, spec: str, name: str, type_only: bool) -> None:
    if not local:
        return
    entry: dict[str, Any] = {"from": spec, "name": name}
    if type_only:
        entry["type_only"] = True
    imports[local] = entry


def require_target(value: Node | None, source: bytes) -> tuple[str, str] | None:
    """(specifier, imported name) for ``require('m')``, ``require('m').x``,
    ``await import('m')``; None for anything else."""
    if value is None:
        return None
    value = unwrap(value)
    if value.type == "await_expression" and value.named_children:
        inner = unwrap(value.named_children[0])
        spec = _call_specifier(inner, source, dynamic=True)
        return (spec, "*") if spec is not None else None
    if value.type == "member_expression":
        obj = value.child_by_field_name("object")
        prop = value.child_by_field_name("property")
        if obj is not None and prop is not None:
            spec = _call_specifier(unwrap(obj), source, dynamic=False)
            if spec is not None:
                return spec, text(prop, source)
        return None
    spec = _call_specifier(value, source, dynamic=False)
    return (spec, "default") if spec is not None else None


def _call_specifier(call: Node, source: bytes, *, dynamic: bool) -> str | None:
    if call.type != "call_expression":
        return None
    fn = call.child_by_field_name("function")
    args = call.child_by_field_name("arguments")
    if fn is None or args is None:
        return None
    fn_text = text(fn, source)
    if fn_text != ("import" if dynamic else "require"):
        return None
    first = args.named_children[0] if args.named_children else None
    return string_value(first, source)


def _pattern_imports(pattern: Node, spec: str, source: bytes, imports: dict[str, Any]) -> None:
    """``const {a, b: c} = require('m')`` -> a from a, c from b."""
    for prop in pattern.named_children:
        if prop.type == "shorthand_property_identifier_pattern":
            name = text(prop, source)
            _add_import(imports, name, spec, name, False)
        elif prop.type == "pair_pattern":
            key = prop.child_by_field_name("key")
            val = prop.child_by_field_name("value")
            if key is not None and val is not None and val.type == "identifier":
                _add_import(imports, text(val, source), spec, _name_text(key, source), False)
        elif prop.type == "object_assignment_pattern":
            left = prop.child_by_field_name("left")
            if left is not None and left.type == "shorthand_property_identifier_pattern":
                name = text(left, source)
                _add_import(imports, name, spec, name, False)


# --- exports -------------------------------------------------------------------------


def declared_names(decl: Node, source: bytes) -> list[str]:
    """Names a declaration binds at module level (``const {a, b} = o`` binds two)."""
    t = decl.type
    if t in ("lexical_declaration", "variable_declaration"):
        out: list[str] = []
        for d in decl.named_children:
            if d.type == "variable_declarator":
                out.extend(pattern_names(d.child_by_field_name("name"), source))
        return out
    if t == "ambient_declaration":
        return [n for c in decl.named_children for n in declared_names(c, source)]
    if t == "import_alias":
        ident = next((c for c in decl.named_children if c.type == "identifier"), None)
        return [text(ident, source)] if ident is not None else []
    name = decl.child_by_field_name("name")
    if name is None or name.type == "string":  # `declare module 'x'` binds no name
        return []
    if name.type == "nested_identifier":  # `namespace A.B {}` binds A
        return [text(name, source).split(".", 1)[0].strip()]
    return [text(name, source)]


def pattern_names(pattern: Node | None, source: bytes) -> list[str]:
    """Identifiers bound by a binding pattern (identifier, object or array pattern)."""
    if pattern is None:
        return []
    t = pattern.type
    if t in ("identifier", "shorthand_property_identifier_pattern"):
        return [text(pattern, source)]
    if t == "pair_pattern":
        return pattern_names(pattern.child_by_field_name("value"), source)
    if t in ("object_assignment_pattern", "assignment_pattern"):
        return pattern_names(pattern.child_by_field_name("left"), source)
    if t == "rest_pattern":
        return [n for c in pattern.named_children for n in pattern_names(c, source)]
    if t in ("object_pattern", "array_pattern"):
        return [n for c in pattern.named_children for n in pattern_names(c, source)]
    return []


def _export(stmt: Node, source: bytes, facts: dict[str, Any]) -> None:
    exports: dict[str, Any] = facts["exports"]
    spec = _source_of(stmt, source)
    is_default = any(c.type == "default" for c in stmt.children)
    decl = stmt.child_by_field_name("declaration")
    value = stmt.child_by_field_name("value")
    if decl is not None:
        names = declared_names(decl, source)
        if is_default:
            exports["default"] = {"local": names[0] if names else "default"}
        else:
            for n in names:
                exports[n] = {"local": n}
        inner = decl
        if decl.type == "ambient_declaration":
            inner = next(
                (
                    c
                    for c in decl.named_children
                    if c.type in ("lexical_declaration", "variable_declaration")
                ),
                decl,
            )
        if inner.type in ("lexical_declaration", "variable_declaration"):
            _variables(inner, source, facts)
        return
    if value is not None or is_default:
        target = value
        if target is None:  # `export default <expr>` parsed without the field
            target = next((c for c in stmt.named_children if c.type != "comment"), None)
        exports["default"] = {"local": _default_local(target, source)}
        return
    if any(c.type == "=" for c in stmt.children):
        # TS `export = X`: the CommonJS default export.
        target = next((c for c in stmt.named_children if c.type != "comment"), None)
        exports["default"] = {"local": _default_local(target, source), "equals": True}
        return
    clause = next((c for c in stmt.named_children if c.type == "export_clause"), None)
    ns = next((c for c in stmt.named_children if c.type == "namespace_export"), None)
    if spec is not None:
        line = stmt.start_point[0] + 1
        if clause is not None:
            for sp in clause.named_children:
                if sp.type != "export_specifier":
                    continue
                name = _name_text(sp.child_by_field_name("name"), source)
                alias = sp.child_by_field_name("alias")
                facts["reexports"].append(
                    {
                        "from": spec,
                        "name": name,
                        "as": _name_text(alias, source) if alias is not None else None,
                        "line": line,
                    }
                )
        elif ns is not None:
            ident = next((c for c in ns.named_children), None)
            facts["reexports"].append(
                {
                    "from": spec,
                    "name": "*",
                    "as": _name_text(ident, source) or None,
                    "line": line,
                }
            )
        else:
            facts["reexports"].append({"from": spec, "name": "*", "as": None, "line": line})
        return
    if clause is not None:
        for sp in clause.named_children:
            if sp.type != "export_specifier":
                continue
            local = _name_text(sp.child_by_field_name("name"), source)
            alias = sp.child_by_field_name("alias")
            exported = _name_text(alias, source) if alias is not None else local
            exports[exported] = {"local": local}


def _default_local(target: Node | None, source: bytes) -> str:
    if target is None:
        return "default"
    target = unwrap(target)
    if target.type == "identifier":
        return text(target, source)
    return "default"


# --- module-level variables and CommonJS ---------------------------------------------


def _variables(decl: Node, source: bytes, facts: dict[str, Any]) -> None:
    for d in decl.named_children:
        if d.type != "variable_declarator":
            continue
        name = d.child_by_field_name("name")
        value = d.child_by_field_name("value")
        if name is None:
            continue
        req = require_target(value, source)
        if req is not None:
            spec, imported = req
            if name.type == "identifier":
                _add_import(facts["imports"], text(name, source), spec, imported, False)
            elif name.type == "object_pattern" and imported in ("default", "*"):
                _pattern_imports(name, spec, source, facts["imports"])
            continue
        if name.type == "identifier" and _assigns_module_exports(value, source):
            # `var app = exports = module.exports = {}`: app's properties are the exports.
            facts["exports"]["default"] = {
                "local": text(name, source),
                "commonjs": True,
                "equals": True,
            }
            continue
        if name.type == "identifier" and value is not None:
            kind = unwrap(value).type
            if kind in _STRINGISH or kind == "call_expression":
                expr = expr_of(value, source)
                # A call is recorded only when it keeps a string's value (String(x)).
                if kind != "call_expression" or "unknown" not in expr:
                    facts["consts"][text(name, source)] = expr


def _assigns_module_exports(value: Node | None, source: bytes) -> bool:
    while value is not None and unwrap(value).type == "assignment_expression":
        value = unwrap(value)
        left = value.child_by_field_name("left")
        if left is not None and text(left, source).replace(" ", "") == "module.exports":
            return True
        value = value.child_by_field_name("right")
    return False


def _commonjs(stmt: Node, source: bytes, facts: dict[str, Any]) -> None:
    expr = stmt.named_children[0] if stmt.named_children else None
    if expr is None or expr.type != "assignment_expression":
        return
    left = expr.child_by_field_name("left")
    right = expr.child_by_field_name("right")
    if left is None or right is None:
        return
    exports: dict[str, Any] = facts["exports"]
    target = text(left, source).replace(" ", "")
    # `module.exports = exports = X` and `exports = module.exports = X`
    while unwrap(right).type == "assignment_expression":
        inner_left = unwrap(right).child_by_field_name("left")
        if inner_left is not None and text(inner_left, source).replace(" ", "") in (
            "module.exports",
            "exports",
        ):
            target = "module.exports"
        nxt = unwrap(right).child_by_field_name("right")
        if nxt is None:
            return
        right = nxt
    right = unwrap(right)
    # "commonjs" marks what only JavaScript sees as exports (tsc ignores these in .ts).
    if target == "module.exports":
        if right.type == "object":
            exports["default"] = {"local": "module.exports", "commonjs": True, "equals": True}
            for key, val in object_entries(right, source):
                named = val is not None and val.type in (
                    "identifier",
                    "shorthand_property_identifier",
                )
                local = text(val, source) if named else f"module.exports.{key}"
                exports[key] = {"local": local, "commonjs": True}
        else:
            local = _default_local(right, source)
            exports["default"] = {"local": local, "commonjs": True, "equals": True}
        return
    m = re.fullmatch(r"(?:module\.)?exports(?:\.([A-Za-z_$][\w$]*)|\[(['\"])(.*)\2\])", target)
    if m is None:
        return
    key = m.group(1) or m.group(3)
    local = text(right, source) if right.type == "identifier" else f"exports.{key}"
    exports[key] = {"local": local, "commonjs": True}
