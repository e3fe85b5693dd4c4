"""Python: scopes, expressions -> ``values.Expr``, and a module's imports and bindings."""

from __future__ import annotations

import ast
import re
from bisect import bisect_right
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .languages import captures, text
from .values import Expr, lit, unknown

if TYPE_CHECKING:
    from tree_sitter import Node

# Constructors whose result serves routes: class name -> (framework, kind). Only counted
# when the name comes from one of FRAMEWORK_MODULES (an import), so a project's own
# `Blueprint` class is not mistaken for Flask's.
RECEIVER_CLASSES: dict[str, tuple[str, str]] = {
    "FastAPI": ("fastapi", "app"),
    "APIRouter": ("fastapi", "router"),
    "Flask": ("flask", "app"),
    "APIFlask": ("flask", "app"),
    "Quart": ("flask", "app"),
    "Blueprint": ("flask", "router"),
    "APIBlueprint": ("flask", "router"),
}
FRAMEWORK_MODULES = ("fastapi", "flask", "apiflask", "flask_smorest", "quart")
_ENV_GETTERS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault"})


def norm_space(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def norm_type(s: str) -> str:
    """Type text with whitespace collapsed, no padding inside brackets, no trailing comma."""
    t = norm_space(s)
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "'\"" and t.count(t[0]) == 2:
        t = t[1:-1]  # a forward reference "User" is the type User
    t = re.sub(r"([\[(]) ", r"\1", t)
    t = re.sub(r" ([\])])", r"\1", t)
    return re.sub(r",\s*([\])])", r"\1", t)


def string_literal(node: Node | None, source: bytes) -> str | None:
    """Value of a plain (non-f) string or implicit concatenation of them, else None."""
    if node is None:
        return None
    if node.type == "concatenated_string":
        parts = [string_literal(c, source) for c in node.named_children]
        return None if any(p is None for p in parts) else "".join(p or "" for p in parts)
    if node.type != "string" or any(c.type == "interpolation" for c in node.named_children):
        return None
    try:
        value = ast.literal_eval(text(node, source))
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


def string_list(node: Node | None, source: bytes) -> list[str] | None:
    """``["GET", "POST"]`` / tuple / set of string literals, else None."""
    if node is None:
        return None
    if node.type == "parenthesized_expression" and node.named_children:
        node = node.named_children[0]
    if node.type in ("string", "concatenated_string"):
        one = string_literal(node, source)
        return None if one is None else [one]
    if node.type not in ("list", "tuple", "set"):
        return None
    out = [string_literal(c, source) for c in node.named_children]
    return None if any(v is None for v in out) else [v for v in out if v is not None]


def call_args(call: Node) -> tuple[list[Node], dict[str, Node]]:
    """Positional and keyword argument nodes of a call."""
    args = call.child_by_field_name("arguments")
    pos: list[Node] = []
    kw: dict[str, Node] = {}
    if args is None or args.type != "argument_list":
        return pos, kw
    for a in args.named_children:
        if a.type == "keyword_argument":
            name, value = a.child_by_field_name("name"), a.child_by_field_name("value")
            if name is not None and value is not None and name.text is not None:
                kw[name.text.decode()] = value
        elif a.type not in ("comment", "list_splat", "dictionary_splat"):
            pos.append(a)
    return pos, kw


def arg(call: Node, index: int, *names: str) -> Node | None:
    pos, kw = call_args(call)
    for n in names:
        if n in kw:
            return kw[n]
    return pos[index] if index < len(pos) else None


def dotted(node: Node | None, source: bytes) -> str:
    """``a.b.c`` for identifier/attribute chains, else ''."""
    if node is None:
        return ""
    if node.type == "identifier":
        return text(node, source)
    if node.type == "attribute":
        base = dotted(node.child_by_field_name("object"), source)
        attr = node.child_by_field_name("attribute")
        return f"{base}.{text(attr, source)}" if base else ""
    return ""


_LOCALS_QUERY = """
(assignment left: (identifier) @n)
(assignment left: (pattern_list (identifier) @n))
(assignment left: (tuple_pattern (identifier) @n))
(augmented_assignment left: (identifier) @n)
(for_statement left: (identifier) @n)
(named_expression name: (identifier) @n)
(as_pattern_target (identifier) @n)
(parameters (identifier) @n)
(default_parameter name: (identifier) @n)
(typed_default_parameter name: (identifier) @n)
(typed_parameter (identifier) @n)
(list_splat_pattern (identifier) @n)
(dictionary_splat_pattern (identifier) @n)
(import_from_statement name: (dotted_name . (identifier) @n))
(aliased_import alias: (identifier) @n)
(import_statement name: (dotted_name . (identifier) @n))
"""


class Scopes:
    """Which function a node belongs to, and the names local to each function.

    A scope is the outermost function (``create_app``, ``Api.setup``): helpers nested in a
    factory share its scope, which is how Flask's tutorial factory is written. A name local
    to scope ``f`` is written ``f:name`` in facts so it never clashes with a module name.

    ``load`` runs the file's one query (FILE_QUERY): its captures serve the module and
    route readers and give each outermost function its local names, so the tree is
    traversed once instead of once per reader and once more per function.
    """

    def __init__(self, source: bytes) -> None:
        self.source = source
        self._locals: dict[int, tuple[str, frozenset[str]]] = {}
        self.caps: dict[str, list[Node]] | None = None
        # Outermost functions (and lambdas) in document order, their start bytes, and the
        # local and global name nodes inside each (by index in that list).
        self._outer: list[Node] = []
        self._starts: list[int] = []
        self._names: dict[int, tuple[list[Node], list[Node]]] = {}

    def load(self, root: Node) -> dict[str, list[Node]]:
        if self.caps is None:
            self.caps = captures("python", FILE_QUERY, root)
            end = -1
            for fn in self.caps.get("fn", ()):
                if fn.start_byte >= end:  # not inside the previous outermost function
                    self._outer.append(fn)
                    self._starts.append(fn.start_byte)
                    end = fn.end_byte
            for kind in ("local", "global"):
                for n in self.caps.get(kind, ()):
                    i = self._outer_index(n)
                    if i is not None:
                        self._names.setdefault(i, ([], []))[kind == "global"].append(n)
        return self.caps

    def _outer_index(self, node: Node) -> int | None:
        """Index of the outermost function strictly containing ``node``, if any."""
        i = bisect_right(self._starts, node.start_byte) - 1
        if i < 0:
            return None
        fn = self._outer[i]
        if node.end_byte > fn.end_byte or (
            fn.start_byte == node.start_byte and fn.end_byte == node.end_byte
        ):
            return None  # after it, or the function itself
        return i

    def scope_node(self, node: Node) -> Node | None:
        if self.caps is None:  # not loaded: walk up
            outer: Node | None = None
            cur = node.parent
            while cur is not None:
                if cur.type in ("function_definition", "lambda"):
                    outer = cur
                cur = cur.parent
            return outer
        i = self._outer_index(node)
        return None if i is None else self._outer[i]

    def in_class_body(self, node: Node) -> bool:
        """True when the nearest enclosing definition is a class (a class-level statement)."""
        cur = node.parent
        while cur is not None:
            if cur.type == "class_definition":
                return True
            if cur.type in ("function_definition", "lambda"):
                return False
            cur = cur.parent
        return False

    def info(self, fn: Node | None) -> tuple[str, frozenset[str]] | None:
        if fn is None:
            return None
        cached = self._locals.get(fn.id)
        if cached is None:
            name = text(fn.child_by_field_name("name"), self.source) or "lambda"
            cls = fn.parent
            while cls is not None and cls.type != "class_definition":
                cls = cls.parent
            if cls is not None:
                name = f"{text(cls.child_by_field_name('name'), self.source)}.{name}"
            local_nodes, global_nodes = self._name_nodes(fn)
            names = {text(n, self.source) for n in local_nodes}
            names -= {text(n, self.source) for n in global_nodes}
            cached = (name, frozenset(names))
            self._locals[fn.id] = cached
        return cached

    def _name_nodes(self, fn: Node) -> tuple[list[Node], list[Node]]:
        """Name nodes bound in ``fn`` (_LOCALS_QUERY) and declared ``global`` there."""
        if self.caps is not None:
            i = bisect_right(self._starts, fn.start_byte) - 1
            if i >= 0 and self._outer[i] == fn:  # an outermost function: already found
                return self._names.get(i, ([], []))
        found = captures("python", _LOCALS_QUERY, fn)
        globals_ = captures("python", _GLOBALS_QUERY, fn).get("n", [])
        return [n for nodes in found.values() for n in nodes], globals_

    def qualify(self, node: Node, name: str) -> str:
        info = self.info(self.scope_node(node))
        if info is not None and name in info[1]:
            return f"{info[0]}:{name}"
        return name

    def scope_name(self, node: Node) -> str | None:
        info = self.info(self.scope_node(node))
        return info[0] if info else None


_GLOBALS_QUERY = "(global_statement (identifier) @n)"


class Converter:
    """Expression nodes -> ``values.Expr`` for one file."""

    def __init__(self, source: bytes, scopes: Scopes, imports: dict[str, dict[str, Any]]):
        self.source = source
        self.scopes = scopes
        self.imports = imports
        self.class_cache: dict[int, dict[str, Any]] = {}  # class node id -> class facts

    def imported_from(self, name: str) -> str | None:
        imp = self.imports.get(name)
        if imp is None:
            return None
        module = str(imp["module"])
        return f"{module}.{imp['name']}" if imp.get("name") else module

    def canonical(self, node: Node | None) -> str:
        """``getenv`` imported from os -> ``os.getenv``; ``fa.FastAPI`` -> ``fastapi.FastAPI``."""
        d = dotted(node, self.source)
        if not d:
            return ""
        head, _, rest = d.partition(".")
        origin = self.imported_from(head)
        if origin is None:
            return d
        return f"{origin}.{rest}" if rest else origin

    def receiver_kind(self, callee: Node | None) -> tuple[str, str] | None:
        full = self.canonical(callee)
        module, _, cls = full.rpartition(".")
        if cls in RECEIVER_CLASSES and module.split(".")[0] in FRAMEWORK_MODULES:
            return RECEIVER_CLASSES[cls]
        return None

    def env_call(self, node: Node) -> Expr | None:
        fn = self.canonical(node.child_by_field_name("function"))
        if fn in _ENV_GETTERS or fn == "decouple.config":
            name = string_literal(arg(node, 0, "key"), self.source)
            if name is None:
                return None
            default = arg(node, 1, "default")
            return {"env": name, "default": None if default is None else self.expr(default)}
        return None

    def expr(self, node: Node | None) -> Expr:
        """The symbolic value of an expression (strings, refs, env reads, calls by name)."""
        if node is None:
            return unknown("")
        t = node.type
        if t in ("string", "concatenated_string"):
            value = string_literal(node, self.source)
            if value is not None:
                return lit(value)
            return {"concat": list(self._fstring_parts(node))}
        if t == "identifier":
            return {"ref": self.scopes.qualify(node, text(node, self.source))}
        if t == "attribute":
            obj = node.child_by_field_name("object")
            name = text(node.child_by_field_name("attribute"), self.source)
            return {"attr": self.expr(obj), "name": name}
        if t == "parenthesized_expression" and node.named_children:
            return self.expr(node.named_children[0])
        if t == "call":
            return self._call(node)
        if t == "subscript":
            base = node.child_by_field_name("value")
            key = string_literal(node.child_by_field_name("subscript"), self.source)
            if key is not None and self.canonical(base) == "os.environ":
                return {"env": key, "default": None}
            if key is not None:  # CONFIG["prefix"] on a dict literal
                return {"attr": self.expr(base), "name": key}
        if t == "dictionary":
            entries: dict[str, Expr] = {}
            for pair in node.named_children:
                k = string_literal(pair.child_by_field_name("key"), self.source)
                if pair.type == "pair" and k is not None:
                    entries[k] = self.expr(pair.child_by_field_name("value"))
            return {"object": entries}
        if t == "binary_operator":
            op = node.child_by_field_name("operator")
            if op is not None and op.type == "+":
                left = self.expr(node.child_by_field_name("left"))
                right = self.expr(node.child_by_field_name("right"))
                return {"concat": [left, right]}
        if t == "boolean_operator":
            left = self.expr(node.child_by_field_name("left"))
            op = node.child_by_field_name("operator")
            if op is not None and op.type == "or" and "env" in left and left["default"] is None:
                return {"env": left["env"], "default": self.expr(node.child_by_field_name("right"))}
        if t in ("list", "tuple") and node.named_children:
            # Only receivers use alternatives (`for bp in (a.bp, b.bp)`); as text it is unknown.
            return {"any": [self.expr(c) for c in node.named_children]}
        return unknown(norm_space(text(node, self.source)))

    def _call(self, node: Node) -> Expr:
        env = self.env_call(node)
        if env is not None:
            return env
        callee = node.child_by_field_name("function")
        kind = self.receiver_kind(callee)
        if kind is not None:
            return {"receiver": self.receiver(node, *kind)}
        if callee is not None and dotted(callee, self.source) == "str":
            return self.expr(arg(node, 0))
        if callee is not None and callee.type == "identifier":
            return {"ref": self.scopes.qualify(callee, text(callee, self.source)) + "()"}
        if callee is not None and callee.type == "attribute":
            obj = callee.child_by_field_name("object")
            name = text(callee.child_by_field_name("attribute"), self.source)
            return {"attr": self.expr(obj), "name": name + "()"}
        return unknown(norm_space(text(node, self.source)))

    def receiver(self, call: Node, framework: str, kind: str) -> dict[str, Any]:
        prefix_node: Node | None = None
        if framework == "fastapi" and kind == "router":
            prefix_node = arg(call, 99, "prefix")
        elif framework == "flask" and kind == "router":
            prefix_node = arg(call, 5, "url_prefix")
        prefix = None
        if prefix_node is not None and prefix_node.type != "none":
            prefix = self.expr(prefix_node)
        return {
            "framework": framework,
            "kind": kind,
            "prefix": prefix,
            "line": call.start_point[0] + 1,
        }

    def _fstring_parts(self, node: Node) -> Iterator[Expr]:
        strings = node.named_children if node.type == "concatenated_string" else [node]
        for s in strings:
            value = string_literal(s, self.source)
            if value is not None:
                yield lit(value)
                continue
            for part in s.named_children:
                if part.type == "string_content":
                    yield lit(text(part, self.source))
                elif part.type == "interpolation":
                    yield self.expr(part.child_by_field_name("expression"))


def _import_records(node: Node, source: bytes) -> Iterator[tuple[str | None, dict[str, Any]]]:
    """(bound name, record) for an import statement; name None for ``from m import *``."""
    if node.type == "import_statement":
        for item in node.children_by_field_name("name"):
            if item.type == "aliased_import":
                module = text(item.child_by_field_name("name"), source)
                alias = text(item.child_by_field_name("alias"), source)
                yield alias, {"module": module, "level": 0, "name": None}
            else:
                head = text(item, source).split(".")[0]
                yield head, {"module": head, "level": 0, "name": None}
        return
    mod = node.child_by_field_name("module_name")
    level, module = 0, ""
    if mod is not None and mod.type == "relative_import":
        prefix = next((c for c in mod.children if c.type == "import_prefix"), None)
        level = len(text(prefix, source).strip())
        rest = next((c for c in mod.named_children if c.type == "dotted_name"), None)
        module = text(rest, source)
    else:
        module = text(mod, source)
    if any(c.type == "wildcard_import" for c in node.children):
        yield None, {"module": module, "level": level, "name": None}
        return
    for item in node.children_by_field_name("name"):
        if item.type == "aliased_import":
            name = text(item.child_by_field_name("name"), source)
            alias = text(item.child_by_field_name("alias"), source)
        else:
            name = alias = text(item, source)
        yield alias, {"module": module, "level": level, "name": name}


def _set_bind(binds: dict[str, Expr], key: str, value: Expr) -> None:
    # A name once bound to an app/router stays that receiver (`app = Middleware(app)` wraps
    # it for serving but the routes were declared on the receiver); an unreadable value
    # never hides a readable one (conditional definitions).
    old = binds.get(key)
    if old is not None and ("receiver" in old or ("unknown" in value and "unknown" not in old)):
        return
    binds[key] = value


_MODULE_QUERY = """
(import_statement) @import
(import_from_statement) @import
(assignment) @assign
(augmented_assignment) @augassign
(for_statement) @for
(return_statement) @return
(call function: (attribute object: (identifier) @obj attribute: (identifier) @meth)) @call
"""


# Calls that may be routes or registrations (py_routes), by method name.
_ROUTE_PATTERN = """
(call function: (attribute attribute: (identifier) @route_meth
  (#any-of? @route_meth "get" "post" "put" "patch" "delete" "head" "options" "trace" "route"
                        "api_route" "add_api_route" "add_url_rule" "include_router"
                        "register_blueprint" "mount"))) @route_call
"""
# Calls whose arguments may carry a receiver into a function (`register_routes(app)`).
_ARG_CALL_PATTERN = """
(call function: [(identifier) (attribute object: (identifier))]
      arguments: (argument_list (identifier))) @arg_call
(call function: [(identifier) (attribute object: (identifier))]
      arguments: (argument_list (keyword_argument value: (identifier)))) @arg_call
"""
# Everything the Python readers look for, in one query: one traversal of the tree.
FILE_QUERY = (
    _MODULE_QUERY
    + _ROUTE_PATTERN
    + _ARG_CALL_PATTERN
    + _LOCALS_QUERY.replace("@n", "@local")
    + _GLOBALS_QUERY.replace("@n", "@global")
    + "\n[(function_definition) (lambda)] @fn\n"
)


def module_facts(root: Node, source: bytes, scopes: Scopes) -> tuple[dict[str, Any], Converter]:
    """Imports, bindings (module-level and per-function ``f:name``), ``__all__``."""
    imports: dict[str, dict[str, Any]] = {}
    stars: list[dict[str, Any]] = []
    caps = scopes.load(root)
    for node in caps.get("import", []):
        if scopes.in_class_body(node):
            continue
        for name, record in _import_records(node, source):
            if name is None:
                if scopes.scope_node(node) is None:
                    stars.append(record)
            else:
                imports.setdefault(scopes.qualify(node, name), record)
    conv = Converter(source, scopes, imports)
    binds: dict[str, Expr] = {}
    all_names: list[str] | None = None
    all_dynamic = False

    def add_all(node: Node | None) -> None:
        nonlocal all_names, all_dynamic
        if node is not None and node.type == "binary_operator":
            add_all(node.child_by_field_name("left"))
            add_all(node.child_by_field_name("right"))
            return
        names = string_list(node, source)
        all_names = all_names if all_names is not None else []
        if names is None:
            all_dynamic = True
        else:
            all_names.extend(n for n in names if n not in all_names)

    for node in sorted(caps.get("assign", []), key=lambda n: n.start_byte):
        if scopes.in_class_body(node) or (node.parent and node.parent.type == "assignment"):
            continue
        right = node.child_by_field_name("right")
        targets = [node.child_by_field_name("left")]
        while right is not None and right.type == "assignment":  # a = b = value
            targets.append(right.child_by_field_name("left"))
            right = right.child_by_field_name("right")
        if right is None:
            continue
        for left in targets:
            if left is None or left.type != "identifier":
                continue
            name = text(left, source)
            if name == "__all__" and scopes.scope_node(node) is None:
                all_names = None
                add_all(right)
            else:
                _set_bind(binds, scopes.qualify(left, name), conv.expr(right))
    for node in caps.get("augassign", []):
        left = node.child_by_field_name("left")
        if text(left, source) == "__all__" and scopes.scope_node(node) is None:
            add_all(node.child_by_field_name("right"))
    for call in caps.get("call", []):
        pair = (text(call.child_by_field_name("function"), source), scopes.scope_node(call))
        if pair[1] is None and pair[0] in ("__all__.extend", "__all__.append"):
            add_all(arg(call, 0))
    for node in caps.get("for", []):
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is not None and left.type == "identifier" and not scopes.in_class_body(node):
            value = conv.expr(right)
            if "any" in value:
                _set_bind(binds, scopes.qualify(left, text(left, source)), value)
    _returns(caps.get("return", []), scopes, conv, binds)
    from .py_classes import class_objects

    for key, obj in class_objects(root, source, conv).items():
        _set_bind(binds, key, obj)
    defined = sorted(
        {k for k in binds if ":" not in k and not k.endswith("()")}
        | {text(d.child_by_field_name("name"), source) for d in top_level_defs(root)}
    )
    facts = {
        "imports": imports,
        "star_imports": stars,
        "binds": binds,
        "defined": defined,
        "all": all_names,
        "all_dynamic": all_dynamic,
    }
    return facts, conv


def _returns(nodes: list[Node], scopes: Scopes, conv: Converter, binds: dict[str, Expr]) -> None:
    """``f()`` -> what module-level function f returns (factories, cached settings)."""
    by_fn: dict[str, list[Expr]] = {}
    for node in nodes:
        fn = node.parent
        while fn is not None and fn.type not in ("function_definition", "lambda"):
            fn = fn.parent
        if fn is None or fn != scopes.scope_node(node) or scopes.in_class_body(fn):
            continue
        value = node.named_children[0] if node.named_children else None
        if value is None or value.type == "none":
            continue
        name = text(fn.child_by_field_name("name"), conv.source)
        by_fn.setdefault(name, []).append(conv.expr(value))
    for name, values in by_fn.items():
        unique = [v for i, v in enumerate(values) if v not in values[:i]]
        binds[f"{name}()"] = unique[0] if len(unique) == 1 else {"any": unique}


def top_level_defs(root: Node) -> Iterator[Node]:
    """Module-level function/class definitions, also inside if/try/with blocks."""
    stack = list(reversed(root.named_children))
    while stack:
        node = stack.pop()
        t = node.type
        if t == "decorated_definition":
            d = node.child_by_field_name("definition")
            if d is not None:
                yield d
        elif t in ("function_definition", "class_definition"):
            yield node
        elif t in (
            "if_statement",
            "elif_clause",
            "else_clause",
            "try_statement",
            "except_clause",
            "finally_clause",
            "with_statement",
            "block",
        ):
            stack.extend(reversed(node.named_children))
