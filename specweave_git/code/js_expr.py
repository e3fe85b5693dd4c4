"""TS/JS expressions -> symbolic ``values.Expr`` (route paths, prefixes, constants)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .languages import text
from .values import Expr, lit, unknown

if TYPE_CHECKING:
    from tree_sitter import Node

# Wrappers that do not change an expression's value.
_TRANSPARENT = frozenset(
    {
        "parenthesized_expression",
        "as_expression",
        "satisfies_expression",
        "non_null_expression",
        "type_assertion",
    }
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_ESCAPE_RE = re.compile(r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|[\s\S])")
_MAX_DEPTH = 64


def string_value(node: Node | None, source: bytes) -> str | None:
    """The value of a string literal node (escapes decoded), else None."""
    if node is None or node.type != "string":
        return None
    raw = text(node, source)[1:-1]
    return decode_escapes(raw)


def decode_escapes(raw: str) -> str:
    def repl(m: re.Match[str]) -> str:
        esc = m.group(1)
        if esc.startswith("u{"):
            return chr(int(esc[2:-1], 16))
        if esc[0] in "ux" and len(esc) > 1:
            return chr(int(esc[1:], 16))
        if esc in ("\n", "\r\n", "\r", "\u2028", "\u2029"):
            return ""  # line continuation
        return _ESCAPES.get(esc, esc)

    return _ESCAPE_RE.sub(repl, raw)


def object_entries(obj: Node, source: bytes) -> Iterator[tuple[str, Node | None]]:
    """(key, value node) of an object literal's statically named properties."""
    for prop in obj.named_children:
        if prop.type == "shorthand_property_identifier":
            yield text(prop, source), prop
        elif prop.type == "pair":
            key = prop.child_by_field_name("key")
            if key is None:
                continue
            k = _property_key(key, source)
            if k is not None:
                yield k, prop.child_by_field_name("value")
        elif prop.type == "method_definition":
            key = prop.child_by_field_name("name")
            k = _property_key(key, source) if key is not None else None
            if k is not None:
                yield k, None


def _property_key(key: Node, source: bytes) -> str | None:
    if key.type in ("property_identifier", "identifier", "number"):
        return text(key, source)
    if key.type == "string":
        return string_value(key, source)
    if key.type == "computed_property_name":
        inner = key.named_children[0] if key.named_children else None
        return string_value(inner, source)
    return None


def unwrap(node: Node) -> Node:
    """Strip parentheses, ``as``/``satisfies``/``!``/``<T>`` wrappers."""
    for _ in range(_MAX_DEPTH):
        if node.type not in _TRANSPARENT:
            return node
        inner = next((c for c in node.named_children if c.type != "comment"), None)
        if inner is None:
            return node
        node = inner
    return node


def expr_of(node: Node | None, source: bytes, _depth: int = 0) -> Expr:
    """The symbolic value (``values.Expr``) of an expression node. Never raises."""
    if node is None:
        return unknown("")
    try:
        return _expr(node, source, _depth)
    except (ValueError, IndexError, AttributeError):  # pragma: no cover - defensive
        return unknown(text(node, source))


def _expr(node: Node, source: bytes, depth: int) -> Expr:
    if depth > _MAX_DEPTH:
        return unknown(text(node, source))
    node = unwrap(node)
    t = node.type
    if t == "string":
        return lit(string_value(node, source) or "")
    if t == "template_string":
        return _template(node, source, depth)
    if t == "number":
        return _number(node, source)
    if t == "identifier":
        name = text(node, source)
        return unknown(name) if name == "undefined" else {"ref": name}
    if t in ("member_expression", "subscript_expression"):
        return _member(node, source, depth)
    if t == "binary_expression":
        return _binary(node, source, depth)
    if t == "object":
        return _object(node, source, depth)
    if t == "call_expression":
        return _call(node, source, depth)
    return unknown(text(node, source))


def _template(node: Node, source: bytes, depth: int) -> Expr:
    parts: list[Expr] = []
    buf = ""
    for child in node.children:
        if child.type in ("string_fragment", "escape_sequence"):
            frag = text(child, source)
            buf += decode_escapes(frag) if child.type == "escape_sequence" else frag
        elif child.type == "template_substitution":
            if buf:
                parts.append(lit(buf))
                buf = ""
            inner = next((c for c in child.named_children if c.type != "comment"), None)
            parts.append(_expr(inner, source, depth + 1) if inner else unknown(""))
    if buf:
        parts.append(lit(buf))
    if not parts:
        return lit("")
    if len(parts) == 1 and "lit" in parts[0]:
        return parts[0]
    return {"concat": parts}


def _number(node: Node, source: bytes) -> Expr:
    raw = text(node, source).replace("_", "")
    try:
        value = int(raw, 0)
    except ValueError:
        try:
            f = float(raw)
        except ValueError:
            return unknown(raw)
        return lit(str(int(f)) if f.is_integer() else repr(f))
    return lit(str(value))


def _env_name(node: Node, source: bytes) -> str | None:
    """``process.env.X`` / ``process.env['X']`` / ``import.meta.env.X`` -> X."""
    obj = node.child_by_field_name("object")
    if obj is None:
        return None
    base = text(unwrap(obj), source).replace(" ", "").replace("?.", ".")
    if base not in ("process.env", "import.meta.env", "Deno.env", "Bun.env"):
        return None
    if node.type == "member_expression":
        prop = node.child_by_field_name("property")
        return text(prop, source) if prop is not None else None
    return string_value(node.child_by_field_name("index"), source)


def _member(node: Node, source: bytes, depth: int) -> Expr:
    env = _env_name(node, source)
    if env is not None:
        return {"env": env, "default": None}
    obj = node.child_by_field_name("object")
    if node.type == "member_expression":
        prop = node.child_by_field_name("property")
        name = text(prop, source) if prop is not None else None
    else:
        name = string_value(node.child_by_field_name("index"), source)
    if obj is None or not name:
        return unknown(text(node, source))
    return {"attr": _expr(obj, source, depth + 1), "name": name}


def _binary(node: Node, source: bytes, depth: int) -> Expr:
    op_node = node.child_by_field_name("operator")
    op = text(op_node, source) if op_node is not None else ""
    left = node.child_by_field_name("left")
    right = node.child_by_field_name("right")
    if left is None or right is None:
        return unknown(text(node, source))
    if op == "+":
        parts: list[Expr] = []
        for side in (left, right):
            e = _expr(side, source, depth + 1)
            parts.extend(e.get("concat", [e]))
        return {"concat": parts}
    if op in ("||", "??"):
        lhs = _expr(left, source, depth + 1)
        if "env" in lhs:
            return _with_default(lhs, _expr(right, source, depth + 1))
    return unknown(text(node, source))


def _with_default(env: Expr, default: Expr) -> Expr:
    """Attach ``default`` at the end of an env fallback chain (``A || B || 'd'``)."""
    current = env.get("default")
    if current is None:
        return {"env": env["env"], "default": default}
    if "env" in current:
        return {"env": env["env"], "default": _with_default(current, default)}
    return env  # a literal default already wins: `X || 'a' || 'b'` never reaches 'b'


def _object(node: Node, source: bytes, depth: int) -> Expr:
    out: dict[str, Expr] = {}
    for key, val in object_entries(node, source):
        if val is None:
            out[key] = unknown("method")
        elif val.type == "shorthand_property_identifier":
            out[key] = {"ref": key}
        else:
            out[key] = _expr(val, source, depth + 1)
    return {"object": out}


def _call(node: Node, source: bytes, depth: int) -> Expr:
    fn = node.child_by_field_name("function")
    args = node.child_by_field_name("arguments")
    arg_nodes = [a for a in args.named_children if a.type != "comment"] if args else []
    fn_text = text(fn, source) if fn is not None else ""
    # String(x) and x.toString() keep the value of x.
    if fn_text == "String" and len(arg_nodes) == 1:
        return _expr(arg_nodes[0], source, depth + 1)
    if fn is not None and fn.type == "member_expression" and not arg_nodes:
        prop = fn.child_by_field_name("property")
        obj = fn.child_by_field_name("object")
        if obj is not None and prop is not None and text(prop, source) == "toString":
            return _expr(obj, source, depth + 1)
    return unknown(text(node, source))
