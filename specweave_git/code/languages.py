"""Which files are code, and tree-sitter parsers for them (imported only when code changed)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tree_sitter import Node, Parser, Tree

# Longest suffixes first (.d.ts before .ts).
_SUFFIXES: tuple[tuple[str, str], ...] = (
    (".d.ts", "ts"),
    (".d.mts", "ts"),
    (".d.cts", "ts"),
    (".tsx", "tsx"),
    (".ts", "ts"),
    (".mts", "ts"),
    (".cts", "ts"),
    (".jsx", "js"),
    (".js", "js"),
    (".mjs", "js"),
    (".cjs", "js"),
    (".py", "python"),
    (".pyi", "python"),
)
JS_LANGUAGES = ("ts", "tsx", "js")


_BY_EXT = {suffix: lang for suffix, lang in _SUFFIXES if suffix.count(".") == 1}


def language_for(path: str) -> str | None:
    """Language id for a repository path, or None when it is not code we read."""
    dot = path.rfind(".")
    if dot < 0:
        return None
    return _BY_EXT.get(path[dot:].lower())  # .d.ts ends in .ts: same language


def is_declaration_file(path: str) -> bool:
    lower = path.lower()
    return lower.endswith((".d.ts", ".d.mts", ".d.cts"))


@functools.cache
def _language(lang: str) -> Any:
    from tree_sitter import Language

    if lang in ("ts", "tsx"):
        import tree_sitter_typescript

        fn = "language_typescript" if lang == "ts" else "language_tsx"
        return Language(getattr(tree_sitter_typescript, fn)())
    if lang == "js":
        # The JS grammar parses JSX and modern syntax the way Node and Babel see it.
        import tree_sitter_javascript

        return Language(tree_sitter_javascript.language())
    if lang == "python":
        import tree_sitter_python

        return Language(tree_sitter_python.language())
    raise ValueError(f"unknown language {lang!r}")


def ts_language(lang: str) -> Any:
    """The tree_sitter.Language for a language id (cached)."""
    return _language(lang)


@functools.cache
def parser(lang: str) -> Parser:
    from tree_sitter import Parser

    return Parser(_language(lang))


def parse(source: bytes, lang: str) -> Tree:
    return parser(lang).parse(source)


@functools.cache
def query(lang: str, text: str) -> Any:
    """A compiled tree_sitter.Query (cached per language and text)."""
    from tree_sitter import Query

    return Query(_language(lang), text)


def captures(lang: str, query_text: str, node: Node) -> dict[str, list[Node]]:
    """Run a query over ``node`` and return captures by name, each list in document order
    (parents before children). py-tree-sitter's own order is not that, nor stable from
    one run to the next, and facts built in it would differ between identical blobs."""
    from tree_sitter import QueryCursor

    result: dict[str, list[Node]] = QueryCursor(query(lang, query_text)).captures(node)
    for nodes in result.values():
        nodes.sort(key=_document_order)
    return result


def _document_order(node: Node) -> tuple[int, int]:
    return node.start_byte, -node.end_byte


def text(node: Node | None, source: bytes) -> str:
    """The source text of a node ('' for None)."""
    if node is None:
        return ""
    return source[node.start_byte : node.end_byte].decode("utf-8", errors="replace")


def first_error(tree: Tree) -> int | None:
    """1-based line of the first ERROR or MISSING node, or None when the parse is clean."""
    root = tree.root_node
    if not root.has_error:
        return None
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            return node.start_point[0] + 1
        if node.has_error:
            stack.extend(reversed(node.children))
    return root.start_point[0] + 1
