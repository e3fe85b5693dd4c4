"""Tree-sitter node helpers for the JS/TS route analyzer (js_routes)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from .languages import captures, text, ts_language

if TYPE_CHECKING:
    from tree_sitter import Node

FUNCTIONS = {
    "function_declaration",
    "function_expression",
    "function",
    "arrow_function",
    "generator_function_declaration",
    "generator_function",
    "method_definition",
}
SCOPES = FUNCTIONS | {"class_declaration", "class"}
# What the route reader looks at: scopes, declarations and the statements/calls it reads.
_CANDIDATES = SCOPES | {
    "variable_declarator",
    "public_field_definition",
    "field_definition",
    "assignment_expression",
    "call_expression",
    "return_statement",
    "export_statement",
}
_STATEMENTS = ("expression_statement", "export_statement")
WRAPPERS = {
    "parenthesized_expression",
    "await_expression",
    "as_expression",
    "satisfies_expression",
    "non_null_expression",
    "type_assertion",
}


def strip(node: Node | None) -> Node | None:
    while node is not None and node.type in WRAPPERS:
        inner = [c for c in node.named_children if c.type not in ("type_annotation",)]
        node = inner[0] if inner else None
    return node


def line_of(node: Node) -> int:
    return int(node.start_point[0]) + 1


def node_key(node: Node) -> tuple[int, int, str]:
    return (node.start_byte, node.end_byte, node.type)


def string_of(node: Node | None, source: bytes) -> str | None:
    node = strip(node)
    if node is None:
        return None
    if node.type == "string":
        return "".join(text(c, source) for c in node.named_children if c.type != "comment")
    if node.type == "template_string" and not any(
        c.type == "template_substitution" for c in node.named_children
    ):
        return text(node, source)[1:-1]
    return None


def call_args(call: Node) -> list[Node]:
    args = call.child_by_field_name("arguments")
    if args is None:
        return []
    return [a for a in args.named_children if a.type != "comment"]


def require_spec(node: Node | None, source: bytes) -> str | None:
    """``require('x')`` / ``import('x')`` -> 'x'."""
    node = strip(node)
    if node is None or node.type != "call_expression":
        return None
    fn = node.child_by_field_name("function")
    if fn is None or not (fn.type == "import" or text(fn, source) == "require"):
        return None
    args = call_args(node)
    return string_of(args[0], source) if len(args) == 1 else None


def params_of(fn: Node) -> list[tuple[str, str | None]]:
    """(name, type text) of each parameter ('' for destructured ones)."""
    single = fn.child_by_field_name("parameter")
    if single is not None:
        return [(single.text.decode() if single.text else "", None)]
    params = fn.child_by_field_name("parameters")
    out: list[tuple[str, str | None]] = []
    for p in params.named_children if params is not None else ():
        if p.type == "comment":
            continue
        node, typ = p, None
        if p.type in ("required_parameter", "optional_parameter"):
            node = p.child_by_field_name("pattern") or p
            t = p.child_by_field_name("type")
            typ = t.text.decode().lstrip(":").strip() if t is not None and t.text else None
        if node.type == "assignment_pattern":
            node = node.child_by_field_name("left") or node
        out.append((node.text.decode() if node.type == "identifier" and node.text else "", typ))
    return out


# (node, type, enclosing scopes: the root, then functions and classes outermost first)
Item = tuple["Node", str, tuple["Node", ...]]


@functools.cache
def _scan_query(language: str) -> str:
    lang = ts_language(language)
    kinds = " ".join(f"({k})" for k in sorted(_CANDIDATES) if lang.id_for_node_kind(k, True))
    # Only an assignment statement can be a CommonJS export.
    out = f"[{kinds}] @n\n(expression_statement (assignment_expression)) @n\n"
    if lang.id_for_node_kind("type_query", True):
        # Types hold no runtime code; the one call-shaped node a type can hold is the
        # operand of `typeof` (`typeof import('./x')`), which is no call.
        out += "(type_query (call_expression) @skip)\n"
    return out


def scan(root: Node, language: str) -> list[Item]:
    """The nodes the route reader looks at, in document order, with their scope chains.

    One tree-sitter query finds them; the chains come from byte ranges, which nest. The
    three walks in Python this replaced cost 2.3 times the parse of the files; the query
    and the reading of what it finds cost 1.3 times (benchmarks/surface_throughput.py).
    """
    caps = captures(language, _scan_query(language), root)
    skip = {n.id for n in caps.get("skip", ())}
    keyed = []
    for i, n in enumerate(caps.get("n", ())):
        t = n.type
        # A statement and the expression it wraps can share a range: the statement first.
        keyed.append((n.start_byte, -n.end_byte, 0 if t in _STATEMENTS else 1, i, n, t))
    keyed.sort()
    items: list[Item] = []
    chain: tuple[Node, ...] = (root,)
    ends: list[int] = []
    for start, neg_end, _rank, _i, node, t in keyed:
        while ends and ends[-1] <= start:
            ends.pop()
            chain = chain[:-1]
        if skip and node.id in skip:
            continue
        items.append((node, t, chain))
        if t in SCOPES:
            chain = (*chain, node)
            ends.append(-neg_end)
    return items


def pairs(obj: Node, source: bytes) -> dict[str, Node]:
    out: dict[str, Node] = {}
    for p in obj.named_children:
        if p.type == "pair":
            key = p.child_by_field_name("key")
            value = p.child_by_field_name("value")
            if key is None or value is None:
                continue
            k = string_of(key, source) if key.type == "string" else text(key, source)
            out[k or ""] = value
        elif p.type == "shorthand_property_identifier":
            out[text(p, source)] = p
        elif p.type == "method_definition":
            name = p.child_by_field_name("name")
            if name is not None:
                out[text(name, source)] = p
    return out


def handler_name(node: Node | None, source: bytes) -> str | None:
    node = strip(node)
    if node is None:
        return None
    if node.type in ("identifier", "member_expression"):
        return text(node, source)
    if node.type in FUNCTIONS:
        name = node.child_by_field_name("name")
        return text(name, source) if name is not None else None
    if node.type == "call_expression":
        # `asyncHandler(getUser)`, `wrap(controller.list)`: the wrapped function names it.
        args = call_args(node)
        if len(args) == 1:
            return handler_name(args[0], source)
    return None


def object_handler(obj: Node, source: bytes) -> str | None:
    h = pairs(obj, source).get("handler")
    if h is None:
        return None
    if h.type == "method_definition":
        return "handler"
    return handler_name(h, source)


def dir_of(node: Node | None, source: bytes) -> str | None:
    """The directory an autoload ``dir`` option names, relative to the file's directory."""
    node = strip(node)
    if node is None:
        return None
    if node.type == "call_expression":
        fn = text(node.child_by_field_name("function"), source)
        args = [strip(a) for a in call_args(node)]
        if fn.endswith(("join", "resolve")) and args:
            first = args[0]
            head = text(first, source) if first is not None else ""
            if head in ("__dirname", "import.meta.dirname"):
                parts = [string_of(a, source) for a in args[1:]]
                if all(p is not None for p in parts):
                    return "/".join(p.strip("/") for p in parts if p)
            return None
        if fn == "fileURLToPath" and args:
            return dir_of(args[0], source)
        return None
    if node.type == "new_expression":
        new_args = call_args(node)
        if new_args and "import.meta.url" in text(node, source):
            return string_of(new_args[0], source)
        return None
    if node.type == "template_string":
        raw = text(node, source)[1:-1]
        for head in ("${__dirname}", "${import.meta.dirname}"):
            if raw.startswith(head) and "${" not in raw[len(head) :]:
                return raw[len(head) :].strip("/")
    if node.type == "binary_expression":
        left = text(node.child_by_field_name("left"), source)
        right = string_of(node.child_by_field_name("right"), source)
        if left == "__dirname" and right is not None:
            return right.strip("/")
    return None


class Imports:
    """What the file imports from which package: only to recognise framework factories."""

    def __init__(self, source: bytes) -> None:
        self.src = source
        self.imports: dict[str, tuple[str, str]] = {}  # local -> (module, imported name)

    def read(self, root: Node, declarators: list[Node]) -> None:
        """Import statements of ``root``, then ``declarators`` (``const x = require()``)."""
        for node in root.named_children:
            if node.type == "import_statement":
                src = node.child_by_field_name("source")
                module = string_of(src, self.src) if src is not None else None
                req = next(
                    (c for c in node.named_children if c.type == "import_require_clause"), None
                )
                if req is not None:
                    ident = req.named_children[0]
                    module = string_of(req.child_by_field_name("source"), self.src)
                    if module:
                        self.imports[text(ident, self.src)] = (module, "*")
                    continue
                if not module:
                    continue
                for clause in (c for c in node.named_children if c.type == "import_clause"):
                    self._clause(clause, module)
        for decl in declarators:
            name = decl.child_by_field_name("name")
            value = strip(decl.child_by_field_name("value"))
            if name is None or value is None:
                continue
            prop = None
            if value.type == "member_expression":
                prop = text(value.child_by_field_name("property"), self.src)
                value = strip(value.child_by_field_name("object"))
            module = require_spec(value, self.src)
            if module is None:
                continue
            if name.type == "identifier":
                self.imports[text(name, self.src)] = (module, prop or "*")
            elif name.type == "object_pattern":
                for p in name.named_children:
                    if p.type == "shorthand_property_identifier_pattern":
                        self.imports[text(p, self.src)] = (module, text(p, self.src))
                    elif p.type == "pair_pattern":
                        key = text(p.child_by_field_name("key"), self.src)
                        val = p.child_by_field_name("value")
                        if val is not None and val.type == "identifier":
                            self.imports[text(val, self.src)] = (module, key)

    def _clause(self, clause: Node, module: str) -> None:
        for c in clause.named_children:
            if c.type == "identifier":
                self.imports[text(c, self.src)] = (module, "default")
            elif c.type == "namespace_import":
                ident = c.named_children[-1]
                self.imports[text(ident, self.src)] = (module, "*")
            elif c.type == "named_imports":
                for spec in c.named_children:
                    if spec.type != "import_specifier":
                        continue
                    name = text(spec.child_by_field_name("name"), self.src)
                    alias = spec.child_by_field_name("alias")
                    self.imports[text(alias, self.src) if alias else name] = (module, name)

    def imported(self, local: str) -> tuple[str, str] | None:
        return self.imports.get(local)

    def is_module(
        self, node: Node | None, modules: tuple[str, ...], fallback: tuple[str, ...]
    ) -> bool:
        """Is ``node`` the module object (default/namespace import) of one of ``modules``?"""
        node = strip(node)
        if node is None:
            return False
        spec = require_spec(node, self.src)
        if spec is not None:
            return spec in modules
        if node.type != "identifier":
            return False
        name = text(node, self.src)
        imp = self.imported(name)
        if imp is not None:
            return imp[0] in modules and imp[1] in ("default", "*", modules[0])
        return name in fallback

    def is_named(self, node: Node | None, modules: tuple[str, ...], names: tuple[str, ...]) -> bool:
        node = strip(node)
        if node is None or node.type != "identifier":
            return False
        imp = self.imported(text(node, self.src))
        if imp is None:
            return text(node, self.src) in names
        return imp[0] in modules and imp[1] in names
