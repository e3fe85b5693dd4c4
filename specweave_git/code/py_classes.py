"""Python definitions as facts: signatures, class attributes, methods, settings objects."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .languages import text
from .py_module import arg, call_args, norm_space, norm_type, string_literal, top_level_defs
from .values import Expr

if TYPE_CHECKING:
    from tree_sitter import Node

    from .py_module import Converter

_WRAPPER = re.compile(
    r"^(?:typing(?:_extensions)?\.|t\.|dataclasses\.)?"
    r"(ClassVar|InitVar|Annotated|NotRequired|Required|ReadOnly|Final)(?:\[(.*)\])?$"
)
_FIELD_CALLS = frozenset({"field", "Field", "ib", "attrib", "attr"})
HTTP_VIEW_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")


def _param(node: Node, source: bytes, kind: str) -> tuple[dict[str, Any] | None, str | None]:
    """One parameter as a Param dict, and the kind that following parameters get."""
    t = node.type
    name_node: Node | None = node
    type_node = node.child_by_field_name("type")
    value = node.child_by_field_name("value")
    if t in ("typed_parameter", "typed_default_parameter", "default_parameter"):
        name_node = node.child_by_field_name("name") or (
            node.named_children[0] if node.named_children else None
        )
    if name_node is not None and name_node.type in (
        "list_splat_pattern",
        "dictionary_splat_pattern",
    ):
        star = "var-positional" if name_node.type == "list_splat_pattern" else "var-keyword"
        inner = name_node.named_children[0] if name_node.named_children else None
        p = {
            "name": text(inner, source),
            "optional": True,
            "rest": True,
            "type": norm_type(text(type_node, source)) if type_node else None,
            "default": None,
            "kind": star,
        }
        return p, "keyword-only" if star == "var-positional" else kind
    if name_node is None or name_node.type != "identifier":
        return None, kind
    p = {
        "name": text(name_node, source),
        "optional": value is not None,
        "rest": False,
        "type": norm_type(text(type_node, source)) if type_node else None,
        "default": norm_space(text(value, source)) if value is not None else None,
        "kind": kind,
    }
    return p, kind


def signature_of(fn: Node, source: bytes, drop_first: bool = False) -> dict[str, Any]:
    """Signature dict (model.Signature JSON) of a function_definition."""
    params: list[dict[str, Any]] = []
    kind = "normal"
    plist = fn.child_by_field_name("parameters")
    for node in plist.named_children if plist is not None else ():
        if node.type == "positional_separator":
            for earlier in params:
                if earlier["kind"] == "normal":
                    earlier["kind"] = "positional-only"
            continue
        if node.type == "keyword_separator":
            kind = "keyword-only"
            continue
        p, kind_after = _param(node, source, kind)
        kind = kind_after or kind
        if p is not None:
            params.append(p)
    if drop_first and params and params[0]["kind"] in ("normal", "positional-only"):
        params = params[1:]
    ret = fn.child_by_field_name("return_type")
    return {"params": params, "returns": norm_type(text(ret, source)) if ret else None}


def decorators_of(definition: Node, conv: Converter) -> list[str]:
    """Canonical decorator names (``dataclass``, ``dataclasses.dataclass``, ``x.setter``)."""
    parent = definition.parent
    if parent is None or parent.type != "decorated_definition":
        return []
    out = []
    for dec in parent.named_children:
        if dec.type != "decorator" or not dec.named_children:
            continue
        expr = dec.named_children[0]
        target = expr.child_by_field_name("function") if expr.type == "call" else expr
        out.append(conv.canonical(target) or norm_space(text(target, conv.source)))
    return out


def _decorator_call(definition: Node, suffixes: tuple[str, ...], conv: Converter) -> Node | None:
    parent = definition.parent
    if parent is None or parent.type != "decorated_definition":
        return None
    for dec in parent.named_children:
        expr = dec.named_children[0] if dec.named_children else None
        if expr is not None and expr.type == "call":
            name = conv.canonical(expr.child_by_field_name("function"))
            if name.rsplit(".", 1)[-1] in suffixes:
                return expr
    return None


def _unwrap(type_text: str) -> tuple[str, set[str]]:
    """``NotRequired[int]`` -> ("int", {"NotRequired"}); wrappers may nest."""
    wrappers: set[str] = set()
    t = type_text
    while True:
        m = _WRAPPER.match(t)
        if not m:
            return t, wrappers
        wrappers.add(m.group(1))
        inner = m.group(2) or ""
        if m.group(1) == "Annotated":
            inner = _split_top(inner)[0] if inner else ""
        t = inner.strip()
        if not t:
            return t, wrappers


def _split_top(s: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    return parts


def is_optional_type(t: str | None) -> bool:
    if not t:
        return False
    if re.match(r"^(?:typing\.|t\.)?Optional\[", t):
        return True
    if re.match(r"^(?:typing\.|t\.)?Union\[", t):
        return "None" in _split_top(t[t.index("[") + 1 : -1])
    return "None" in (p.strip() for p in _split_top_pipe(t))


def _split_top_pipe(s: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in s:
        depth += ch in "[("
        depth -= ch in "])"
        if ch == "|" and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [*parts, cur]


def _attribute(stmt: Node, conv: Converter) -> dict[str, Any] | None:
    """A class-level ``name[: type] [= value]`` as a raw attribute fact."""
    source = conv.source
    left = stmt.child_by_field_name("left")
    if left is None or left.type != "identifier":
        return None
    type_node = stmt.child_by_field_name("type")
    right = stmt.child_by_field_name("right")
    raw_type = norm_type(text(type_node, source)) if type_node is not None else None
    type_text, wrappers = _unwrap(raw_type) if raw_type else (None, set())
    a: dict[str, Any] = {
        "name": text(left, source),
        "line": stmt.start_point[0] + 1,
        "annotated": type_node is not None,
        "type": type_text or None,
        "wrappers": sorted(wrappers),
        "has_default": right is not None,
        "default": norm_space(text(right, source)) if right is not None else None,
        "field_call": False,
        "init": True,
        "kw_only": None,
    }
    if raw_type in ("KW_ONLY", "dataclasses.KW_ONLY"):
        a["kw_only_marker"] = True
    if right is not None and right.type == "call":
        fn = conv.canonical(right.child_by_field_name("function"))
        short = fn.rsplit(".", 1)[-1]
        if short in _FIELD_CALLS and (short != "attr" or fn.startswith("attr")):
            _field_call(a, right, fn, conv)
    return a


def _field_call(a: dict[str, Any], call: Node, fn: str, conv: Converter) -> None:
    """``field(default=..)``, ``attr.ib(..)``, ``Field(...)``: default, factory, init, kw_only."""
    source = conv.source
    pos, kw = call_args(call)
    a["field_call"] = True
    # dataclasses.field takes keywords only; pydantic's Field and attr.ib take the default first.
    default = kw.get("default")
    if default is None and pos and not fn.endswith("field"):
        default = pos[0]
    if default is not None and default.type == "ellipsis":
        default = None  # pydantic: Field(...) means required
    factory = kw.get("default_factory") or kw.get("factory")
    a["has_default"] = default is not None or factory is not None
    a["default"] = (
        norm_space(text(default, source))
        if default is not None
        else ("<factory>" if factory is not None else None)
    )
    if "init" in kw and text(kw["init"], source) == "False":
        a["init"] = False
    if "kw_only" in kw:
        a["kw_only"] = text(kw["kw_only"], source) == "True"
    alias = string_literal(kw.get("env") or kw.get("validation_alias") or kw.get("alias"), source)
    if alias is not None:
        a["alias"] = alias


def class_facts(cls: Node, conv: Converter) -> dict[str, Any]:
    """Everything about a class the linker needs to build its Symbol."""
    cached = conv.class_cache.get(cls.id)
    if cached is None:
        cached = conv.class_cache[cls.id] = _class_facts(cls, conv)
    return cached


def _class_facts(cls: Node, conv: Converter) -> dict[str, Any]:
    source = conv.source
    bases: list[str] = []
    base_exprs: list[Expr] = []
    keywords: dict[str, str] = {}
    supers = cls.child_by_field_name("superclasses")
    for b in supers.named_children if supers is not None else ():
        if b.type == "keyword_argument":
            k, v = b.child_by_field_name("name"), b.child_by_field_name("value")
            keywords[text(k, source)] = text(v, source)
        elif b.type != "comment":
            target = b.child_by_field_name("value") if b.type == "subscript" else b
            bases.append(conv.canonical(target) or norm_space(text(target, source)))
            base_exprs.append(conv.expr(target))
    decorators = decorators_of(cls, conv)
    dc = _decorator_call(cls, ("dataclass", "define", "frozen", "mutable", "s", "attrs"), conv)
    dc_kw = call_args(dc)[1] if dc is not None else {}
    attrs: list[dict[str, Any]] = []
    methods: list[dict[str, Any]] = []
    init: dict[str, Any] | None = None
    body = cls.child_by_field_name("body")
    for stmt in body.named_children if body is not None else ():
        node = (
            stmt.child_by_field_name("definition") if stmt.type == "decorated_definition" else stmt
        )
        if node is None:
            continue
        if node.type == "expression_statement" and node.named_children:
            inner = node.named_children[0]
            if inner.type == "assignment":
                a = _attribute(inner, conv)
                if a is not None:
                    attrs.append(a)
        elif node.type == "function_definition":
            m = _method(node, conv)
            if m["name"] == "__init__" and init is None:
                init = m["signature"]
            methods.append(m)
    return {
        "name": text(cls.child_by_field_name("name"), source),
        "kind": "class",
        "line": cls.start_point[0] + 1,
        "bases": bases,
        "base_exprs": base_exprs,
        "keywords": keywords,
        "decorators": decorators,
        "options": {k: text(v, source) for k, v in dc_kw.items()},
        "attrs": attrs,
        "methods": methods,
        "init": init,
    }


def _method(node: Node, conv: Converter) -> dict[str, Any]:
    decorators = decorators_of(node, conv)
    short = {d.rsplit(".", 1)[-1] for d in decorators}
    static = "staticmethod" in short
    return {
        "name": text(node.child_by_field_name("name"), conv.source),
        "line": node.start_point[0] + 1,
        "decorators": decorators,
        "signature": signature_of(node, conv.source, drop_first=not static),
    }


def class_objects(root: Node, source: bytes, conv: Converter) -> dict[str, Expr]:
    """``Cls`` and ``Cls()`` -> ``{"object": {...}}`` for classes with readable attributes.

    Fields of a pydantic ``BaseSettings`` class read the environment variable named after
    the field (``env_prefix`` + name, matched case-insensitively), so they become ``env``
    expressions whose default is the field's default: ``.env.example`` overrides it.
    """
    out: dict[str, Expr] = {}
    settings: set[str] = set()
    for cls in top_level_defs(root):
        if cls.type != "class_definition":
            continue
        facts = class_facts(cls, conv)
        name = facts["name"]
        is_settings = any(b.endswith("BaseSettings") or b in settings for b in facts["bases"])
        obj: dict[str, Expr] = {}
        for b in facts["bases"]:
            base = out.get(b)
            if base is not None:
                obj.update(base["object"])
        env_prefix, case_sensitive = _settings_config(cls, conv)
        body = cls.child_by_field_name("body")
        values = _attribute_values(body, conv) if body is not None else {}
        for a in facts["attrs"]:
            n = a["name"]
            if n.startswith("_") or n == "model_config" or "ClassVar" in a["wrappers"]:
                continue
            value = values.get(n)
            if is_settings:
                env_name = a.get("alias") or (env_prefix + n)
                obj[n] = {
                    "env": env_name if case_sensitive else env_name.upper(),
                    "default": value,
                    "case_insensitive": not case_sensitive,
                }
            elif value is not None:
                obj[n] = value
        if is_settings:
            settings.add(name)
        if obj:
            out[name] = {"object": obj}
            out[f"{name}()"] = {"object": obj}
    return out


def _attribute_values(body: Node, conv: Converter) -> dict[str, Expr | None]:
    out: dict[str, Expr | None] = {}
    for stmt in body.named_children:
        inner = stmt.named_children[0] if stmt.type == "expression_statement" else None
        if inner is None or inner.type != "assignment":
            continue
        left, right = inner.child_by_field_name("left"), inner.child_by_field_name("right")
        if left is None or left.type != "identifier":
            continue
        if right is not None and right.type == "call":
            fn = conv.canonical(right.child_by_field_name("function")).rsplit(".", 1)[-1]
            if fn == "Field":
                right = arg(right, 0, "default")
                if right is not None and right.type == "ellipsis":
                    right = None
        out[text(left, conv.source)] = conv.expr(right) if right is not None else None
    return out


def _settings_config(cls: Node, conv: Converter) -> tuple[str, bool]:
    """``env_prefix`` and ``case_sensitive`` from ``model_config`` or ``class Config``."""
    source = conv.source
    prefix, case_sensitive = "", False
    body = cls.child_by_field_name("body")
    for stmt in body.named_children if body is not None else ():
        inner = stmt.named_children[0] if stmt.type == "expression_statement" else None
        if inner is not None and inner.type == "assignment":
            if text(inner.child_by_field_name("left"), source) != "model_config":
                continue
            right = inner.child_by_field_name("right")
            if right is not None and right.type == "call":
                kw = call_args(right)[1]
                prefix = string_literal(kw.get("env_prefix"), source) or prefix
                case_sensitive = text(kw.get("case_sensitive"), source) == "True"
            elif right is not None and right.type == "dictionary":
                for pair in right.named_children:
                    key = string_literal(pair.child_by_field_name("key"), source)
                    value = pair.child_by_field_name("value")
                    if key == "env_prefix":
                        prefix = string_literal(value, source) or prefix
                    elif key == "case_sensitive":
                        case_sensitive = text(value, source) == "True"
        elif stmt.type == "class_definition" and text(stmt.child_by_field_name("name"), source) in (
            "Config",
        ):
            for a in _attribute_values(stmt.child_by_field_name("body") or stmt, conv).items():
                if a[0] == "env_prefix" and a[1] is not None and "lit" in a[1]:
                    prefix = str(a[1]["lit"])
                elif a[0] == "case_sensitive" and a[1] is not None:
                    case_sensitive = a[1].get("unknown") == "True"
    return prefix, case_sensitive
