"""Code in docs -> the code analyzers: fenced blocks and heading signatures, alone.

A snippet is fed to the same analyzer as repository code under a virtual path and linked
alone. In docs people write ``function createUser(...)`` or ``interface User {...}`` without
``export``, yet mean the public API, so top-level declarations of TS/JS snippets are given
an ``export`` (found with tree-sitter, inserted on the declaration's own line so every line
number stays put). Variables are left alone: ``const user = await createUser()`` in a usage
example documents no symbol; ``export const`` and ``declare const`` still count.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..model import Location, Route, Symbol, Warning_

if TYPE_CHECKING:
    from tree_sitter import Node

log = logging.getLogger(__name__)

# Fence info string (first word, lower case) -> analyzer language.
FENCE_LANGUAGES: dict[str, str] = {
    "ts": "ts",
    "typescript": "ts",
    "mts": "ts",
    "cts": "ts",
    "tsx": "tsx",
    "js": "js",
    "javascript": "js",
    "jsx": "js",
    "mjs": "js",
    "cjs": "js",
    "node": "js",
    "py": "python",
    "python": "python",
    "python3": "python",
    "py3": "python",
    "pyi": "python",
}
_SUFFIX = {"ts": ".ts", "tsx": ".tsx", "js": ".js", "python": ".py"}

# Top-level TS/JS statements that declare API and get an `export` when they lack one.
_AUTO_EXPORT = frozenset(
    {
        "function_declaration",
        "generator_function_declaration",
        "function_signature",
        "class_declaration",
        "abstract_class_declaration",
        "interface_declaration",
        "type_alias_declaration",
        "enum_declaration",
        "ambient_declaration",
        "module",
        "internal_module",
    }
)
_PY_DEFS = frozenset({"function_definition", "class_definition", "decorated_definition"})


def fence_language(info: str) -> str | None:
    """Analyzer language of a fence info string (```` ```ts title="a.ts" ```` -> ``ts``)."""
    word = info.strip().split(maxsplit=1)[0] if info.strip() else ""
    word = word.strip("{}.").lower()
    return FENCE_LANGUAGES.get(word)


@dataclass
class Snippet:
    """What a snippet declares, with lines relative to the snippet (1-based)."""

    symbols: list[Symbol] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)
    # name -> (first line, last line) of its top-level declaration(s) in the snippet
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    # 1-based snippet line -> the text of that line
    lines: list[str] = field(default_factory=list)


def _analyzer(language: str) -> Any:
    if language == "python":
        from ..code import py_analyzer

        return py_analyzer
    from ..code import js_analyzer

    return js_analyzer


def _children(root: Node) -> list[Node]:
    # Error recovery may wrap statements in ERROR nodes; look one level inside them.
    out: list[Node] = []
    for node in root.named_children:
        if node.type == "ERROR":
            out.extend(node.named_children)
        else:
            out.append(node)
    return out


_VAR_DECLS = ("lexical_declaration", "variable_declaration")
_NAMED_DECLS = _AUTO_EXPORT | _PY_DEFS | {"class", "variable_declarator"}


def _decl_names(node: Node, source: bytes) -> list[str]:
    """Names a top-level statement declares (functions, classes, types, variables)."""
    from ..code.languages import text

    inner: Node | None = node
    for _ in range(4):
        if inner is None:
            return []
        if inner.type in ("export_statement", "ambient_declaration", "decorated_definition"):
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
            break
    if inner is None:
        return []
    if inner.type in _VAR_DECLS:
        decls = [c for c in inner.named_children if c.type == "variable_declarator"]
        return [text(d.child_by_field_name("name"), source) for d in decls]
    if inner.type not in _NAMED_DECLS:
        return []
    name = inner.child_by_field_name("name")
    return [text(name, source)] if name is not None else []


def _prepare(source: bytes, language: str) -> tuple[bytes, dict[str, tuple[int, int]]]:
    """Add ``export`` to top-level TS/JS declarations; collect declaration line spans."""
    from ..code.languages import parse

    tree = parse(source, language)
    spans: dict[str, tuple[int, int]] = {}
    inserts: list[int] = []
    for node in _children(tree.root_node):
        for name in _decl_names(node, source):
            start, end = node.start_point[0] + 1, node.end_point[0] + 1
            old = spans.get(name)
            spans[name] = (min(start, old[0]), max(end, old[1])) if old else (start, end)
        if language == "python":
            continue
        target = node
        if node.type == "expression_statement" and node.named_children:
            target = node.named_children[0]  # `namespace X {}` parses as an expression
        if target.type in _AUTO_EXPORT:
            # Decorators stay in front: `@Injectable() export class X` is the valid order.
            first = next((c for c in target.children if c.type != "decorator"), target)
            inserts.append(first.start_byte)
    out = source
    for at in sorted(inserts, reverse=True):
        out = out[:at] + b"export " + out[at:]
    return out, spans


# `router.get(...)` in a doc means that route, though the snippet never creates `router`.
_RECEIVER = re.compile(
    r"(?:^|[^\w.$])(app|router|api|server|fastify|bp|blueprint)\s*\.\s*"
    r"(get|post|put|patch|delete|head|options|all|route|use|register|include_router)\s*\(",
    re.M,
)


def _declares(code: str, name: str) -> bool:
    n = re.escape(name)
    return (
        re.search(
            rf"\b(?:const|let|var|import|as|def|function)\s+{n}\b|^\s*{n}\s*(?::[^=\n]*)?=(?!=)"
            rf"|[{{,]\s*{n}\s*[,}}]",
            code,
            re.M,
        )
        is not None
    )


def preamble(code: str, language: str) -> str:
    """One line declaring the route receivers a snippet uses without creating them.

    Each becomes an application (not a router that nothing mounts), so its routes are
    read as written. Empty when the snippet creates everything it uses.
    """
    used = sorted({m.group(1) for m in _RECEIVER.finditer(code)})
    missing = [n for n in used if not _declares(code, n)]
    if not missing:
        return ""
    if language == "python":
        flask = ".route(" in code or "Blueprint" in code
        cls, mod, arg = ("Flask", "flask", "__name__") if flask else ("FastAPI", "fastapi", "")
        decls = "; ".join(f"{n} = {cls}({arg})" for n in missing)
        return f"from {mod} import {cls}; {decls}\n"
    parts = []
    if any(n != "fastify" for n in missing):
        parts.append('import express from "express";')
    if "fastify" in missing:
        parts.append('import Fastify from "fastify";')
    for n in missing:
        parts.append(f"const {n} = {'Fastify' if n == 'fastify' else 'express'}();")
    return " ".join(parts) + "\n"


def analyze(code: str, language: str, vpath: str) -> Snippet:
    """Symbols and routes a snippet declares, linked alone (lines relative to the snippet)."""
    prepared, spans = _prepare(code.encode("utf-8"), language)
    pre = preamble(code, language)
    shift = pre.count("\n")
    path = vpath + _SUFFIX[language]
    analyzer = _analyzer(language)
    facts = analyzer.analyze(path, pre.encode("utf-8") + prepared, language)
    symbols, routes, warnings = analyzer.link({path: facts}, {})
    # Drop what the preamble itself declares; move the rest back to the snippet's lines.
    return Snippet(
        symbols=[relocate(s, path, -shift) for s in symbols if s.location.line > shift],
        routes=[
            r.replace(location=Location(path, r.location.line - shift))
            for r in routes
            if r.location.line > shift
        ],
        warnings=[w.replace(line=max(w.line - shift, 1)) for w in warnings if w.path == path],
        spans=spans,
        lines=code.split("\n"),
    )


def relocate(symbol: Symbol, path: str, offset: int) -> Symbol:
    """The symbol (and its members) moved to ``path``, lines shifted by ``offset``."""
    return symbol.replace(
        location=Location(path, symbol.location.line + offset),
        exported_from=path,
        members=tuple(relocate(m, path, offset) for m in symbol.members),
    )


# ---- heading signatures ------------------------------------------------------------

_IDENT = r"[A-Za-z_$][\w$]*"
_SIG_SHAPE = re.compile(rf"^(?:async\s+)?(?:function\s+|def\s+)?({_IDENT})(?:<[^()]*>)?\(")
_PY_HINTS = re.compile(
    r"->|^\s*(?:async\s+)?def\s|\*\*\w|\bself\b|:\s*(?:str|int|float|bool|bytes|dict|list|"
    r"tuple|set|Optional|Union|None)\b|\b(?:Optional|List|Dict)\["
)
_TS_HINTS = re.compile(
    r"\b(?:string|number|boolean|void|unknown|never|any|undefined|Promise<|Array<|Record<)"
    r"|\)\s*:\s*\S|\?\s*:|=>|^\s*(?:async\s+)?function\s"
)


def signature_name(text: str, code: bool = False) -> str | None:
    """The function name when ``text`` has the shape of a signature ``name(...)``.

    Outside backticks a heading must look like code, not a title: ``Installation
    (optional)`` and ``Setup(Linux)`` are prose, so a capitalised name needs types
    (``:`` / ``->``) or an explicit ``function`` / ``def``.
    """
    t = text.strip()
    m = _SIG_SHAPE.match(t)
    if m is None or not (t.endswith(")") or _has_return(t)):
        return None
    name = m.group(1)
    keyword = t.startswith(("function ", "def ", "async "))
    typed = ":" in t or "->" in t
    if not (code or keyword or typed or name[0].islower() or "_" in name):
        return None
    return name


def _has_return(text: str) -> bool:
    return bool(re.search(r"\)\s*(?::|->)\s*\S", text))


def sniff_language(text: str) -> str:
    """``python`` or ``ts`` for a signature written without a fence to say which."""
    py = len(_PY_HINTS.findall(text))
    ts = len(_TS_HINTS.findall(text))
    return "python" if py > ts else "ts"


def heading_function(
    text: str, language: str | None, vpath: str, code: bool = False
) -> Symbol | None:
    """A function symbol for a heading signature, or None when it does not parse cleanly.

    ``createUser(name: string): User`` is read as ``export declare function ...;`` and
    ``create_user(name: str) -> User`` as ``def create_user(name: str) -> User: ...``.
    ``language`` (from the spec's frontmatter) wins over sniffing; when the first choice
    does not parse, the other language is tried.
    """
    sig = text.strip().rstrip(";").strip()
    name = signature_name(sig, code)
    if name is None:
        return None
    sig = re.sub(r"^(?:async\s+)?(?:function|def)\s+", "", sig)
    is_async = bool(re.match(r"^async\s", text.strip()))
    first = "python" if language == "python" else "ts" if language else sniff_language(sig)
    for lang in (first, "ts" if first == "python" else "python"):
        if lang == "python":
            src = f"{'async ' if is_async else ''}def {sig}: ...\n"
        else:
            src = f"export declare function {sig};\n"
        try:
            snip = analyze(src, lang, vpath)
        except Exception:  # a heading that breaks an analyzer is prose, not a signature
            log.debug("heading %r not read as a %s signature", text, lang, exc_info=True)
            continue
        found = [s for s in snip.symbols if s.name == name and s.kind == "function"]
        if not snip.warnings and len(found) == 1:
            return found[0]
    return None
