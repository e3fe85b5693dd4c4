"""The query-based node scans of the analyzers equal the tree walks they replace."""

from __future__ import annotations

import pytest

from specweave_git.code.js_routes_nodes import SCOPES, scan
from specweave_git.code.languages import captures, parse
from specweave_git.code.py_module import FILE_QUERY, Scopes

# Types the old walkers skipped (no runtime code), and the nodes the route reader reads.
_TYPES = {
    "type_annotation",
    "type_arguments",
    "type_parameters",
    "interface_declaration",
    "type_alias_declaration",
    "asserts_annotation",
    "type_predicate_annotation",
    "opting_type_annotation",
    "omitting_type_annotation",
}
_READ = SCOPES | {
    "variable_declarator",
    "public_field_definition",
    "field_definition",
    "assignment_expression",
    "call_expression",
    "return_statement",
    "export_statement",
}

JS_SOURCES = [
    ("ts", "const app = express();\napp.get('/a', (req, res) => res.send(ok(req)))\n"),
    ("ts", "module.exports = router\nexports.x = function f(a) { return a }\n"),
    ("ts", "class C { r = Router(); m(app: Express) { app.use(this.r) } }\n"),
    ("ts", "type T = typeof import('./x');\nlet v: Array<typeof f> = g<typeof h>(1);\n"),
    ("ts", "interface I { m(a: T): void }\nfunction f<T extends X>(a: T): a is T { g(a) }\n"),
    ("tsx", "export default function Page({ app }) { return <div onClick={() => go(app)} /> }\n"),
    ("js", "function outer(app) {\n  function inner() { app.post('/p', h) }\n  inner()\n}\n"),
    ("js", "if (x) { module.exports = { a: () => 1 } } else { y = class { z() {} } }\n"),
    ("js", "const app = express()\napp.get('/a', (req) => { h(req)\n"),  # error recovery
]


def _walk(root):  # type: ignore[no-untyped-def]
    """Reference: a pre-order walk in Python that skips types, as the reader once did."""
    out = []

    def visit(node, chain):  # type: ignore[no-untyped-def]
        for child in node.named_children:
            t = child.type
            if t in _TYPES:
                continue
            assigns = any(c.type == "assignment_expression" for c in child.named_children)
            if t in _READ or (t == "expression_statement" and assigns):
                out.append((child.id, t, tuple(n.id for n in chain)))
            visit(child, [*chain, child] if t in SCOPES else chain)

    visit(root, [root])
    return out


@pytest.mark.parametrize(("lang", "code"), JS_SOURCES)
def test_js_scan_is_the_walk(lang: str, code: str) -> None:
    source = code.encode()
    root = parse(source, lang).root_node
    got = [(n.id, t, tuple(c.id for c in chain)) for n, t, chain in scan(root, lang)]
    assert got == _walk(root)
    assert len(got) > 1


PY_SOURCES = [
    "def f(a):\n    def g(b):\n        return lambda c: a + b + c\n    return g\n",
    "x = lambda: 0\nclass C:\n    def m(self):\n        y = 1\n        return y\n",
    "lambda: 0\n@app.get('/')\ndef h(q=dep()):\n    global G\n    G = q\n",
    "def f(:\n    x = 1\n",  # error recovery
]


def _outermost(node):  # type: ignore[no-untyped-def]
    outer, cur = None, node.parent
    while cur is not None:
        if cur.type in ("function_definition", "lambda"):
            outer = cur
        cur = cur.parent
    return outer


def _all_nodes(root):  # type: ignore[no-untyped-def]
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.children)


@pytest.mark.parametrize("code", PY_SOURCES)
def test_python_scope_by_range_is_the_parent_walk(code: str) -> None:
    source = code.encode()
    root = parse(source, "python").root_node
    scopes = Scopes(source)
    scopes.load(root)
    walked = Scopes(source)  # not loaded: walks up
    for node in _all_nodes(root):
        assert scopes.scope_node(node) == _outermost(node)
        assert scopes.info(scopes.scope_node(node)) == walked.info(walked.scope_node(node))


@pytest.mark.parametrize(
    ("code", "capture"),
    [
        ("a(b(c(d())))\ne(f())\n", "route_call"),
        ("def f():\n    def g():\n        lambda: 0\n    lambda: 1\n", "fn"),
        ("x.get('/a', y.post(z.put()))\n", "route_call"),
    ],
)
def test_captures_come_in_document_order(code: str, capture: str) -> None:
    root = parse(code.encode(), "python").root_node
    query = FILE_QUERY + "(call) @route_call\n"
    for _ in range(3):  # py-tree-sitter's own order varies from one run to the next
        nodes = captures("python", query, root)[capture]
        assert len(nodes) > 1
        assert nodes == sorted(nodes, key=lambda n: (n.start_byte, -n.end_byte))
