"""TS/JS declarations -> model Symbols: signatures, params, class/interface/enum detail.

Choices the drift rules rely on:
- type text is the source text with whitespace runs collapsed (and a leading ``|``/``&``
  of a multi-line union dropped), so formatting-only edits compare equal;
- interface and type-literal *method signatures* are ``members`` (kind ``method``), like
  class methods, so their parameters are compared parameter by parameter; properties
  (including properties of function type) are ``fields``; getters/setters are fields;
- call signatures of an interface become the interface's ``signatures``;
- ``this`` parameters are left out (tsc does not count them); JS parameters have no type,
  but a JSDoc ``@param {T} [name]`` makes a JS parameter optional, as it does for tsc.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..model import Field, Location, Param, Signature, Symbol
from .languages import text

if TYPE_CHECKING:
    from tree_sitter import Node

FUNCTION_VALUES = frozenset(
    {"arrow_function", "function_expression", "function", "generator_function"}
)
CLASS_VALUES = frozenset({"class", "class_declaration", "abstract_class_declaration"})
_HIDDEN = frozenset({"private", "protected"})
_JSDOC_OPTIONAL = re.compile(
    r"@(?:param|arg|argument)\s+(?:\{[^}]*\}\s*)?\[\s*([A-Za-z_$][\w$]*)"
    r"|@(?:param|arg|argument)\s+\{[^}]*=\s*\}\s*([A-Za-z_$][\w$]*)"
)

_WHITESPACE = re.compile(r"\s+")


def norm(value: str | None) -> str | None:
    """Collapse whitespace runs so that formatting-only changes compare equal."""
    if value is None:
        return None
    out = _WHITESPACE.sub(" ", value).strip()
    if out[:2] in ("| ", "& "):  # prettier's leading `|` in a multi-line union
        out = out[2:]
    return out or None


def type_text(annotation: Node | None, source: bytes) -> str | None:
    """Text of a type annotation without its leading ``:`` (or of a bare type node)."""
    if annotation is None:
        return None
    raw = text(annotation, source)
    if annotation.type in ("type_annotation", "asserts_annotation", "type_predicate_annotation"):
        raw = raw.lstrip()[1:] if raw.lstrip().startswith(":") else raw
    return norm(raw)


def modifiers(node: Node, source: bytes) -> set[str]:
    """Keyword tokens and modifiers of a member or parameter (static, readonly, ?, get...)."""
    out: set[str] = set()
    for child in node.children:
        if not child.is_named:
            out.add(child.type)
        elif child.type in ("accessibility_modifier", "override_modifier"):
            out.add(text(child, source).strip())
    return out


def line_of(node: Node) -> int:
    return node.start_point[0] + 1


# --- parameters and signatures ---------------------------------------------------------


def params_of(params: Node | None, source: bytes, jsdoc_optional: frozenset[str]) -> list[Param]:
    if params is None:
        return []
    if params.type == "identifier":  # `x => x`
        name = text(params, source)
        return [Param(name=name, optional=name in jsdoc_optional)]
    out: list[Param] = []
    for p in params.named_children:
        param = _param(p, source, jsdoc_optional)
        if param is not None:
            out.append(param)
    # A default followed by a required parameter does not make it optional: callers must
    # still pass something in its place (tsc's isOptionalParameter agrees).
    required_after = False
    for i in range(len(out) - 1, -1, -1):
        param = out[i]
        if required_after and param.optional and param.default is not None:
            out[i] = param.replace(optional=False)
        required_after = required_after or not param.optional
    return out


def _param(p: Node, source: bytes, jsdoc_optional: frozenset[str]) -> Param | None:
    t = p.type
    if t in ("comment", "decorator"):
        return None
    if t in ("required_parameter", "optional_parameter"):
        pattern = p.child_by_field_name("pattern")
        if pattern is None or pattern.type == "this":
            return None
        value = p.child_by_field_name("value")
        rest = pattern.type == "rest_pattern"
        name = _pattern_name(pattern, source)
        return Param(
            name=name,
            optional=t == "optional_parameter" or value is not None or rest,
            rest=rest,
            type=type_text(p.child_by_field_name("type"), source),
            default=norm(text(value, source)) if value is not None else None,
        )
    # JavaScript: bare patterns.
    if t == "assignment_pattern":
        left = p.child_by_field_name("left")
        right = p.child_by_field_name("right")
        return Param(
            name=_pattern_name(left, source) if left is not None else text(p, source),
            optional=True,
            default=norm(text(right, source)) if right is not None else None,
        )
    if t == "rest_pattern":
        return Param(name=_pattern_name(p, source), optional=True, rest=True)
    if t in ("identifier", "object_pattern", "array_pattern"):
        name = _pattern_name(p, source)
        return Param(name=name, optional=name in jsdoc_optional)
    return None


def _pattern_name(pattern: Node, source: bytes) -> str:
    if pattern.type == "rest_pattern":
        inner = pattern.named_children[0] if pattern.named_children else None
        return _pattern_name(inner, source) if inner is not None else "rest"
    return norm(text(pattern, source)) or ""


def signature_of(fn: Node, source: bytes, jsdoc_optional: frozenset[str]) -> Signature:
    """The signature of a function-like node (declaration, expression, arrow, method)."""
    params = fn.child_by_field_name("parameters") or fn.child_by_field_name("parameter")
    returns = fn.child_by_field_name("return_type")
    if returns is None and fn.type == "construct_signature":
        returns = fn.child_by_field_name("type")
    return Signature(
        params=tuple(params_of(params, source, jsdoc_optional)),
        returns=type_text(returns, source),
    )


def jsdoc_optional_params(comment: Node | None, source: bytes) -> frozenset[str]:
    """Names a JSDoc block marks optional (``[name]`` or ``{T=}``)."""
    if comment is None or comment.type != "comment":
        return frozenset()
    body = text(comment, source)
    if not body.startswith("/**"):
        return frozenset()
    return frozenset(a or b for a, b in _JSDOC_OPTIONAL.findall(body))


# --- classes, interfaces, enums ----------------------------------------------------------


def _member_name(node: Node | None, source: bytes) -> str | None:
    """A member's static name; None for ``#private`` and computed non-literal names."""
    if node is None or node.type == "private_property_identifier":
        return None
    if node.type == "string":
        return text(node, source)[1:-1]
    if node.type == "computed_property_name":
        inner = node.named_children[0] if node.named_children else None
        if inner is not None and inner.type == "string":
            return text(inner, source)[1:-1]
        return norm(text(node, source))  # [Symbol.iterator]
    return text(node, source)


class _Members:
    """Collects methods (merging overloads) and fields of a class or interface body."""

    def __init__(self, path: str, language: str) -> None:
        self.path = path
        self.language = language
        self.fields: dict[str, Field] = {}
        self.methods: dict[str, tuple[int, list[Signature], list[Signature]]] = {}
        self.call_signatures: list[Signature] = []

    def method(self, name: str, line: int, sig: Signature, *, implementation: bool) -> None:
        _, overloads, impls = self.methods.setdefault(name, (line, [], []))
        (impls if implementation else overloads).append(sig)

    def field(self, f: Field) -> None:
        self.fields.setdefault(f.name, f)

    def members(self) -> tuple[Symbol, ...]:
        out = []
        for name, (line, overloads, impls) in self.methods.items():
            if name in self.fields:
                continue
            out.append(
                Symbol(
                    name=name,
                    kind="method",
                    location=Location(self.path, line),
                    exported_from=self.path,
                    signatures=tuple(overloads or impls[:1]),
                    language=self.language,
                )
            )
        return tuple(out)


def class_detail(
    body: Node | None, source: bytes, path: str, language: str
) -> tuple[tuple[Signature, ...], tuple[Field, ...], tuple[Symbol, ...]]:
    """(constructor signatures, public fields, public methods) of a class body."""
    acc = _Members(path, language)
    ctor_overloads: list[Signature] = []
    ctor_impl: list[Signature] = []
    for m in body.named_children if body is not None else ():
        mods = modifiers(m, source)
        if mods & _HIDDEN:
            continue
        if m.type in ("method_definition", "method_signature", "abstract_method_signature"):
            name = _member_name(m.child_by_field_name("name"), source)
            if name is None:
                continue
            sig = signature_of(m, source, frozenset())
            is_impl = m.type == "method_definition"
            if name == "constructor":
                (ctor_impl if is_impl else ctor_overloads).append(sig)
                if is_impl:
                    _parameter_properties(m, source, acc)
            elif "get" in mods or "set" in mods:
                _accessor(acc, name, mods, sig)
            else:
                acc.method(name, line_of(m), sig, implementation=is_impl)
        elif m.type in ("public_field_definition", "field_definition"):
            name_node = m.child_by_field_name("name") or m.child_by_field_name("property")
            name = _member_name(name_node, source)
            if name is None:
                continue
            value = m.child_by_field_name("value")
            default = None
            if value is not None and value.type not in FUNCTION_VALUES | CLASS_VALUES:
                default = norm(text(value, source))
            acc.field(
                Field(
                    name=name,
                    type=type_text(m.child_by_field_name("type"), source),
                    optional="?" in mods,
                    readonly="readonly" in mods,
                    default=default,
                )
            )
    ctor = tuple(ctor_overloads or ctor_impl[:1])
    return ctor, tuple(acc.fields.values()), acc.members()


def _accessor(acc: _Members, name: str, mods: set[str], sig: Signature) -> None:
    if "get" in mods:
        prior = acc.fields.get(name)
        acc.fields[name] = Field(name=name, type=sig.returns, readonly=prior is None)
    elif name in acc.fields:
        old = acc.fields[name]
        acc.fields[name] = Field(name=name, type=old.type, readonly=False)
    else:
        param_type = sig.params[0].type if sig.params else None
        acc.fields[name] = Field(name=name, type=param_type)


def _parameter_properties(ctor: Node, source: bytes, acc: _Members) -> None:
    """``constructor(public x: X, readonly y: Y)`` declares public fields x and y."""
    params = ctor.child_by_field_name("parameters")
    for p in params.named_children if params is not None else ():
        mods = modifiers(p, source)
        if not mods & {"public", "readonly", "override"} or mods & _HIDDEN:
            continue
        pattern = p.child_by_field_name("pattern")
        if pattern is None or pattern.type != "identifier":
            continue
        acc.field(
            Field(
                name=text(pattern, source),
                type=type_text(p.child_by_field_name("type"), source),
                optional=p.type == "optional_parameter",
                readonly="readonly" in mods,
            )
        )


def interface_detail(
    body: Node | None, source: bytes, path: str, language: str
) -> tuple[tuple[Signature, ...], tuple[Field, ...], tuple[Symbol, ...]]:
    """(call signatures, fields, method members) of an interface body or object type."""
    acc = _Members(path, language)
    for m in body.named_children if body is not None else ():
        mods = modifiers(m, source)
        if m.type == "property_signature":
            name = _member_name(m.child_by_field_name("name"), source)
            if name is None:
                continue
            acc.field(
                Field(
                    name=name,
                    type=type_text(m.child_by_field_name("type"), source),
                    optional="?" in mods,
                    readonly="readonly" in mods,
                )
            )
        elif m.type == "method_signature":
            name = _member_name(m.child_by_field_name("name"), source)
            if name is None:
                continue
            sig = signature_of(m, source, frozenset())
            if "get" in mods or "set" in mods:
                _accessor(acc, name, mods, sig)
            else:
                acc.method(name, line_of(m), sig, implementation=False)
        elif m.type == "call_signature":
            acc.call_signatures.append(signature_of(m, source, frozenset()))
    return tuple(acc.call_signatures), tuple(acc.fields.values()), acc.members()


def enum_fields(body: Node | None, source: bytes) -> tuple[Field, ...]:
    out: list[Field] = []
    for m in body.named_children if body is not None else ():
        if m.type == "enum_assignment":
            name = _member_name(m.child_by_field_name("name"), source)
            value = m.child_by_field_name("value")
            if name is not None:
                out.append(Field(name=name, default=norm(text(value, source)) if value else None))
        elif m.type in ("property_identifier", "string"):
            name = _member_name(m, source)
            if name is not None:
                out.append(Field(name=name))
    return tuple(out)
