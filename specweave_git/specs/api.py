"""API documentation in a spec: route and signature headings, code blocks, mentions, tables.

Works on markdown-it tokens, never on raw text, so a ``GET /x`` inside a fence is never a
mention and a ``## GET /x`` inside a fence is never a heading. Items are numbered in
document order; a suppression comment applies to the next item (all symbols of a code
block when that item comes from one).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..model import HTTP_METHODS, Field, Location, Route, Symbol, Warning_, normalise_path
from . import markdown as md
from . import snippets
from .model import DocRoute, DocSymbol, RouteOrigin, Span

if TYPE_CHECKING:
    from markdown_it.token import Token

_METHODS = "|".join(m for m in HTTP_METHODS if m != "ALL")
# Upper-case methods only: "get /users" in prose is English, not an endpoint.
_ROUTE = re.compile(rf"^({_METHODS})\s+(/\S*)(?:\s+HTTP/[\d.]+)?$")
_ROUTE_PREFIX = re.compile(rf"^({_METHODS})\s+(/\S*)(?:\s.*)?$")
_KIND_WORDS = {
    "interface": "interface",
    "type": "type",
    "class": "class",
    "abstract class": "class",
    "enum": "enum",
    "const enum": "enum",
    "namespace": "namespace",
    "function": "function",
    "def": "function",
}
_KIND_HEADING = re.compile(
    r"^(?:export\s+)?(?:declare\s+)?"
    r"(interface|type|abstract class|class|const enum|enum|namespace|function|def)\s+"
    r"([A-Za-z_$][\w$]*)"
    r"\s*(?:<[^>]*>)?\s*((?:extends|implements)\b.*|\(.*\)\s*:?|\{.*|[—–-]\s.*)?$"
)
_SUPPRESS = re.compile(r"<!--\s*specweave-git:\s*ignore\b(.*?)-->", re.DOTALL)
_DESCRIPTION = re.compile(r"\s+[—–-]\s+.*$")

# Table header words naming the columns of a field table.
_NAME_COLS = frozenset(
    {"field", "fields", "name", "property", "prop", "key", "attribute", "member", "column"}
)
_YES = frozenset({"yes", "y", "true", "required", "x", "✓", "✔", "✅", "*", "mandatory"})


@dataclass
class _Item:
    seq: int
    group: int  # items of one code block share a group
    doc: DocSymbol | DocRoute


@dataclass
class _Pending:
    """A heading naming a symbol, waiting for the code block or table that details it."""

    seq: int
    doc: DocSymbol
    used: bool = False


@dataclass
class _State:
    path: str
    lines: list[str]
    language: str | None
    items: list[_Item] = field(default_factory=list)
    suppressions: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)
    pending: _Pending | None = None
    counter: itertools.count[int] = field(default_factory=itertools.count)

    def seq(self) -> int:
        return next(self.counter)

    def add(self, doc: DocSymbol | DocRoute, group: int | None = None) -> None:
        seq = self.seq()
        self.items.append(_Item(seq, seq if group is None else group, doc))

    def flush(self) -> None:
        p = self.pending
        if p is not None and not p.used:
            self.items.append(_Item(p.seq, p.seq, p.doc))
        self.pending = None


def extract(
    path: str, tokens: Sequence[Token], lines: list[str], language: str | None
) -> tuple[list[DocSymbol], list[DocRoute], list[Warning_]]:
    """Documented symbols and routes of one spec (``lines``: the file's lines)."""
    st = _State(path, lines, language)
    heading_inlines: set[int] = set()
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            st.flush()
            heading_inlines.add(i + 1)
            _heading(st, tok, tokens[i + 1])
        elif tok.type == "fence":
            _fence(st, tok)
        elif tok.type == "table_open":
            _table(st, tokens, i)
        elif tok.type == "paragraph_open":
            _broken_table_paragraph(st, tokens[i + 1])
        elif tok.type == "html_block":
            _suppression(st, tok.content)
        elif tok.type == "inline" and i not in heading_inlines:
            _inline(st, tok)
    st.flush()
    _apply_suppressions(st)
    items = sorted(st.items, key=lambda it: it.seq)
    symbols = _dedupe_symbols([it.doc for it in items if isinstance(it.doc, DocSymbol)])
    routes = _dedupe_routes([it.doc for it in items if isinstance(it.doc, DocRoute)])
    return symbols, routes, st.warnings


# ---- headings ------------------------------------------------------------------------


def _heading_candidates(inline: Token) -> list[tuple[str, bool]]:
    """Texts to try for a heading, each with whether it was code: each code span, then
    the whole text without backticks, then that without a trailing ``— description``."""
    out = [
        (c.content.strip(), True)
        for c in inline.children or ()
        if c.type == "code_inline" and c.content.strip()
    ]
    whole = inline.content.replace("`", "").strip()
    out.append((whole, False))
    stripped = _DESCRIPTION.sub("", whole)
    if stripped != whole:
        out.append((stripped, False))
    return out


def _heading(st: _State, tok: Token, inline: Token) -> None:
    line = md.first_line(tok)
    # A setext heading's map includes its underline; the text is what a fixer rewrites.
    end = max(line, md.last_line(tok) - (1 if tok.markup in ("=", "-") else 0))
    span = (line, end)
    raw = inline.content
    for text, code in _heading_candidates(inline):
        m = _ROUTE_PREFIX.match(text)
        if m:
            st.add(_doc_route(st.path, m.group(1), m.group(2), line, "heading", span, raw))
            return
        k = _KIND_HEADING.match(text)
        # `### type safety` is a title; type names are capitalised unless in backticks.
        titled = k is not None and k.group(1) not in ("function", "def") and not code
        if k and titled and not k.group(2)[0].isupper():
            k = None
        if k and not (k.group(1) in ("function", "def") and k.group(3)):
            kind = _KIND_WORDS[k.group(1)]
            lang = "python" if k.group(1) == "def" else (st.language or "")
            sym = Symbol(
                name=k.group(2),
                kind=kind,
                location=Location(st.path, line),
                exported_from=st.path,
                language=lang,
            )
            doc = DocSymbol(sym, "heading", span, raw, partial=True)
            st.pending = _Pending(st.seq(), doc)
            return
        if snippets.signature_name(text, code):
            vpath = f"{st.path}#L{line}"
            found = snippets.heading_function(text, st.language, vpath, code)
            if found is not None:
                sym = found.replace(
                    location=Location(st.path, line), exported_from=st.path, members=()
                )
                st.pending = _Pending(st.seq(), DocSymbol(sym, "heading", span, raw))
                return


# ---- fenced code blocks ------------------------------------------------------------------


def _fence(st: _State, tok: Token) -> None:
    lang = snippets.fence_language(tok.info)
    if lang is None or not tok.content.strip():
        return
    fence_line = md.first_line(tok)
    try:
        snip = snippets.analyze(tok.content, lang, f"{st.path}#L{fence_line}")
    except Exception as e:  # arbitrary doc text must never stop a check
        msg = f"{lang} code block could not be read ({type(e).__name__}: {e})"
        st.warnings.append(Warning_(st.path, fence_line, msg))
        return
    for w in snip.warnings:
        st.warnings.append(
            Warning_(st.path, w.line + fence_line, f"{lang} code block: {w.message}")
        )
    group = st.seq()
    pending = st.pending
    for sym in sorted(snip.symbols, key=lambda s: s.location.line):
        if lang == "python" and sym.kind == "const":
            # Module-level assignments in a Python example are usage, not API.
            continue
        first, last = snip.spans.get(sym.name, (sym.location.line, sym.location.line))
        raw = "\n".join(snip.lines[first - 1 : last])
        span = (first + fence_line, last + fence_line)
        moved = snippets.relocate(sym, st.path, fence_line)
        also: tuple[Span, ...] = ()
        if pending is not None and not pending.used and pending.doc.symbol.name == sym.name:
            # The heading and the declaration under it document one item.
            pending.used = True
            also = (pending.doc.span,)
            doc = DocSymbol(moved, "codeblock", span, raw, also=also)
            st.items.append(_Item(pending.seq, group, doc))
            continue
        st.add(DocSymbol(moved, "codeblock", span, raw), group)
    for route in snip.routes:
        line = route.location.line + fence_line
        raw = snip.lines[route.location.line - 1].strip() if snip.lines else ""
        moved_route = route.replace(location=Location(st.path, line))
        st.add(DocRoute(moved_route, "codeblock", (line, line), raw), group)


# ---- tables ----------------------------------------------------------------------------


def _row_line(st: _State, index: int) -> str:
    line = st.lines[index] if 0 <= index < len(st.lines) else ""
    return line.lstrip(" \t>")


def _table(st: _State, tokens: Sequence[Token], i: int) -> None:
    tok = tokens[i]
    if tok.map is None:
        return
    start, end = tok.map
    header = md.table_cells(_row_line(st, start))
    for row in range(start + 2, end):
        cells = md.table_cells(_row_line(st, row))
        if len(cells) != len(header):
            st.warnings.append(
                Warning_(
                    st.path,
                    row + 1,
                    f"broken table: this row has {len(cells)} cells, the header {len(header)}",
                )
            )
            break
    pending = st.pending
    if pending is None or pending.used or pending.doc.symbol.kind == "function":
        return
    fields = _table_fields(tokens, i)
    if fields is None:
        return
    pending.used = True
    sym = pending.doc.symbol.replace(fields=tuple(fields))
    raw = "\n".join(st.lines[start:end])
    doc = DocSymbol(sym, "table", (start + 1, end), raw, also=(pending.doc.span,))
    st.items.append(_Item(pending.seq, pending.seq, doc))


def _table_rows(tokens: Sequence[Token], i: int) -> list[list[str]]:
    rows: list[list[str]] = []
    for tok in tokens[i + 1 :]:
        if tok.type == "table_close":
            break
        if tok.type == "tr_open":
            rows.append([])
        elif tok.type == "inline" and rows:
            rows[-1].append(tok.content.strip())
    return rows


def _cell(text: str) -> str:
    return text.replace("\\|", "|").replace("`", "").strip().strip("*_").strip()


def _table_fields(tokens: Sequence[Token], i: int) -> list[Field] | None:
    rows = _table_rows(tokens, i)
    if not rows:
        return None
    header = [_cell(h).lower() for h in rows[0]]
    name_col = next((j for j, h in enumerate(header) if h in _NAME_COLS), None)
    if name_col is None:
        return None
    type_col = next((j for j, h in enumerate(header) if h == "type"), None)
    req_col = next((j for j, h in enumerate(header) if h in ("required", "mandatory")), None)
    opt_col = next((j for j, h in enumerate(header) if h == "optional"), None)
    default_col = next((j for j, h in enumerate(header) if h == "default"), None)
    fields: list[Field] = []
    for row in rows[1:]:

        def col(j: int | None, row: list[str] = row) -> str:
            return _cell(row[j]) if j is not None and j < len(row) else ""

        name = col(name_col)
        readonly = name.startswith("readonly ")
        name = name.removeprefix("readonly ").strip()
        optional = name.endswith("?")
        name = name.rstrip("?").strip()
        if not name:
            continue
        if req_col is not None:
            optional = optional or col(req_col).lower() not in _YES
        if opt_col is not None:
            optional = optional or col(opt_col).lower() in _YES
        fields.append(
            Field(
                name=name,
                type=col(type_col) or None,
                optional=optional,
                readonly=readonly,
                default=col(default_col) or None,
            )
        )
    return fields


def _broken_table_paragraph(st: _State, inline: Token) -> None:
    """A header and delimiter row whose cell counts differ: markdown-it reads prose."""
    rows = inline.content.split("\n")
    for j in range(len(rows) - 1):
        head, delim = rows[j], rows[j + 1]
        if "|" in head and "|" in delim and md.is_delimiter_row(delim):
            h, d = len(md.table_cells(head)), len(md.table_cells(delim))
            st.warnings.append(
                Warning_(
                    st.path,
                    md.first_line(inline) + j,
                    f"broken table: the header has {h} cells, the delimiter row {d};"
                    " not read as a table",
                )
            )
            return


# ---- mentions and suppressions ------------------------------------------------------------


def _inline(st: _State, inline: Token) -> None:
    children = inline.children or []
    lines = md.inline_child_lines(inline)
    for child, line in zip(children, lines, strict=True):
        if child.type == "code_inline":
            m = _ROUTE.match(child.content.strip())
            if m:
                raw = child.content.strip()
                st.add(_doc_route(st.path, m.group(1), m.group(2), line, "mention", None, raw))
        elif child.type == "html_inline":
            _suppression(st, child.content)


def _suppression(st: _State, html: str) -> None:
    for m in _SUPPRESS.finditer(html):
        rules = tuple(r for r in re.split(r"[\s,]+", m.group(1).strip()) if r)
        st.suppressions.append((st.seq(), rules or ("all",)))


def _apply_suppressions(st: _State) -> None:
    if not st.suppressions:
        return
    st.items.sort(key=lambda it: it.seq)
    for seq, rules in st.suppressions:
        target = next((it for it in st.items if it.seq > seq), None)
        if target is None:
            continue
        for it in st.items:
            if it.group == target.group or it is target:
                merged = tuple(dict.fromkeys((*it.doc.ignore, *rules)))
                it.doc = it.doc.replace(ignore=merged)


# ---- routes and de-duplication ---------------------------------------------------------------


def _strip_query(path: str) -> str:
    path = path.split("#", 1)[0]
    # `?` after `:param` marks an optional Express parameter; any other `?` starts a query.
    m = re.match(r"(?:[^?:]|:\w+\??|:)*", path)
    return m.group(0) if m else path


def _doc_route(
    path: str, method: str, url: str, line: int, origin: RouteOrigin, span: Span | None, raw: str
) -> DocRoute:
    clean = normalise_path(_strip_query(url))
    route = Route(method=method, path=clean, location=Location(path, line))
    return DocRoute(route, origin, span or (line, line), raw)


_ROUTE_RANK = {"heading": 0, "codeblock": 1, "mention": 2}


def _dedupe_routes(routes: list[DocRoute]) -> list[DocRoute]:
    """One route per method and name-blind path: the heading wins, then the first."""
    groups: dict[str, list[DocRoute]] = {}
    for r in routes:
        groups.setdefault(r.key, []).append(r)
    out: list[DocRoute] = []
    for group in groups.values():
        best = min(group, key=lambda r: (_ROUTE_RANK[r.origin], r.span[0]))
        others = tuple(sorted(r.span for r in group if r is not best))
        out.append(best.replace(also=(*best.also, *others)) if others else best)
    return sorted(out, key=lambda r: r.span[0])


def _dedupe_symbols(symbols: list[DocSymbol]) -> list[DocSymbol]:
    """One symbol per kind and name in a file: the first; the others become ``also``."""
    groups: dict[str, list[DocSymbol]] = {}
    for s in symbols:
        groups.setdefault(s.key, []).append(s)
    out: list[DocSymbol] = []
    for group in groups.values():
        best = group[0]
        others = tuple(sorted(span for s in group[1:] for span in (s.span, *s.also)))
        out.append(best.replace(also=tuple(sorted({*best.also, *others}))) if others else best)
    return sorted(out, key=lambda s: s.span[0])
