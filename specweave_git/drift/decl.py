"""Find one declaration's text ranges in source (code file or doc code block), for fixers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..record import FrozenRecord, set_field

if TYPE_CHECKING:
    from tree_sitter import Node

# Wrappers whose inner declaration is what a spec documents (`export`, `declare`,
# decorators): the fixer keeps the doc's own wrapper and rewrites what is inside.
_WRAPPERS = frozenset({"export_statement", "ambient_declaration", "decorated_definition"})
_VARS = frozenset({"lexical_declaration", "variable_declaration"})
_FUNCTION_VALUES = frozenset({"arrow_function", "function_expression", "function"})
_CLASSES = frozenset({"class_declaration", "abstract_class_declaration", "class_definition"})
_METHODS = frozenset({"method_definition", "function_definition"})


class Decl(FrozenRecord):
    """Byte offsets of one declaration: the inner declaration (no export/decorators), its
    parameter list (functions) and where the part after the signature begins (body)."""

    __slots__ = ("body", "comments", "end", "has_methods", "is_function", "params", "start")

    start: int
    end: int
    is_function: bool
    params: int | None  # start of the parameter list
    body: int | None  # start of the body; None for a bodiless signature (`f(): T;`)
    has_methods: bool  # a class whose methods have bodies: not rewritten whole
    comments: tuple[tuple[int, int], ...]  # comment ranges inside the declaration

    def __init__(
        self,
        start: int,
        end: int,
        is_function: bool,
        params: int | None,
        body: int | None,
        has_methods: bool,
        comments: tuple[tuple[int, int], ...],
    ) -> None:
        set_field(self, "start", start)
        set_field(self, "end", end)
        set_field(self, "is_function", is_function)
        set_field(self, "params", params)
        set_field(self, "body", body)
        set_field(self, "has_methods", has_methods)
        set_field(self, "comments", comments)

    @property
    def head_end(self) -> int:
        """Where the signature ends: the body, or the declaration's end."""
        return self.body if self.body is not None else self.end


def _unwrap(node: Node) -> Node | None:
    inner: Node | None = node
    for _ in range(4):
        if inner is None:
            return None
        if inner.type in _WRAPPERS:
            nxt = inner.child_by_field_name("declaration") or inner.child_by_field_name(
                "definition"
            )
            if nxt is None:
                named = [c for c in inner.named_children if c.type not in ("decorator", "comment")]
                nxt = named[0] if named else None
            inner = nxt
        elif inner.type == "expression_statement" and inner.named_children:
            inner = inner.named_children[0]
        else:
            return inner
    return inner


def _name(node: Node, source: bytes) -> str:
    from ..code.languages import text

    return text(node.child_by_field_name("name"), source)


def _comments(node: Node) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "comment":
            out.append((n.start_byte, n.end_byte))
        stack.extend(n.children)
    return tuple(sorted(out))


def _has_methods(node: Node) -> bool:
    body = node.child_by_field_name("body")
    for child in body.named_children if body is not None else ():
        target = _unwrap(child) if child.type == "decorated_definition" else child
        if (
            target is not None
            and target.type in _METHODS
            and target.child_by_field_name("body") is not None
        ):
            return True
    return False


def _decl(inner: Node, fn: Node | None) -> Decl:
    params = body = None
    if fn is not None:
        p = fn.child_by_field_name("parameters") or fn.child_by_field_name("parameter")
        b = fn.child_by_field_name("body")
        params = p.start_byte if p is not None else None
        body = b.start_byte if b is not None else None
    return Decl(
        start=inner.start_byte,
        end=inner.end_byte,
        is_function=fn is not None and params is not None,
        params=params,
        body=body,
        has_methods=inner.type in _CLASSES and _has_methods(inner),
        comments=_comments(inner),
    )


def _candidates(root: Node, source: bytes, name: str) -> list[tuple[Node, Decl]]:
    """(statement, declaration) for every top-level declaration of ``name``."""
    out: list[tuple[Node, Decl]] = []
    nodes: list[Node] = []
    for node in root.named_children:
        # Error recovery may wrap statements in ERROR nodes; look one level inside them.
        nodes.extend(node.named_children if node.type == "ERROR" else [node])
    for node in nodes:
        inner = _unwrap(node)
        if inner is None:
            continue
        if inner.type in _VARS:
            for d in inner.named_children:
                if d.type != "variable_declarator" or _name(d, source) != name:
                    continue
                value = d.child_by_field_name("value")
                fn = value if value is not None and value.type in _FUNCTION_VALUES else None
                out.append((node, _decl(inner, fn)))
            continue
        if _name(inner, source) != name:
            continue
        is_fn = "function" in inner.type or inner.type == "method_definition"
        out.append((node, _decl(inner, inner if is_fn else None)))
    return out


def find(source: bytes, language: str, name: str, line: int | None = None) -> Decl | None:
    """The top-level declaration of ``name``; with ``line`` (1-based), the one whose
    statement covers that line (overloads, redeclarations), else the first."""
    from ..code.languages import parse

    tree = parse(source, "python" if language == "python" else language)
    found = _candidates(tree.root_node, source, name)
    if not found:
        return None
    if line is not None:
        for node, decl in found:
            if node.start_point[0] + 1 <= line <= node.end_point[0] + 1:
                return decl
    return found[0][1]
