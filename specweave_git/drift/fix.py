"""Rewrite documented text from the code: route paths, heading signatures, code-block
declarations. Pure: spec text and findings in, new spec text out (disk side: fixio.py)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from ..model import Route, Symbol
from . import decl as decls
from .model import RULES, Discrepancy, severity_rank
from .textedit import SpecText

# Rules a rewrite from the code settles. The trivial ones are the rule table's `fixable`;
# `--fix=minor` adds the minor rules whose rewrite is the same (signature, declaration).
MINOR_REWRITES = frozenset({"param-added-optional", "field-added-optional"})
SYMBOL_RULES = frozenset(
    {
        "param-renamed",
        "signature-format",
        "param-added-optional",
        "param-added-required",
        "param-removed",
        "param-type-changed",
        "param-optionality-changed",
        "return-type-changed",
        "field-added-optional",
        "field-added-required",
        "field-removed",
        "field-type-changed",
    }
)
LEVELS = ("trivial", "minor")

CodeSource = Callable[[str], "bytes | None"]
Edit = tuple[int, int, list[str]]  # (first line, last line, new lines)


def rewritable(rule: str, level: str) -> bool:
    """Whether ``--fix=level`` may rewrite findings of ``rule`` at all."""
    meta = RULES.get(rule)
    if meta is None:
        return False
    return meta.fixable or (level == "minor" and rule in MINOR_REWRITES)


def eligible(d: Discrepancy, level: str, review: Iterable[str] = ()) -> bool:
    """A new finding ``--fix=level`` rewrites: a rewritable rule at or below the level,
    of a severity the config does not reserve for review."""
    return (
        d.status == "new"
        and d.target is not None
        and d.spec is not None
        and rewritable(d.rule, level)
        and severity_rank(d.severity) <= severity_rank(level)
        and d.severity not in set(review)
    )


class SpecFixer:
    """Edits to one spec's text, collected finding by finding, applied together."""

    def __init__(self, text: str, code_source: CodeSource) -> None:
        self.st = SpecText(text)
        self.code_source = code_source
        self.edits: dict[tuple[int, int], list[str]] = {}
        self.fixed: list[str] = []  # fingerprints
        self.warnings: list[str] = []
        self._sources: dict[str, bytes | None] = {}

    def add(self, d: Discrepancy) -> bool:
        """Plan the rewrite that settles ``d``; False (with a warning) when it cannot."""
        edits, why = self._edits(d)
        if not edits:
            where = f"{d.spec.path}:{d.spec.line}" if d.spec else d.subject
            self.warnings.append(f"{where}: {d.rule} {d.subject} not fixed: {why}")
            return False
        for start, end, lines in edits:
            for (s, e), other in self.edits.items():
                if (s, e) == (start, end) and other == lines:
                    continue
                if s <= end and start <= e:
                    where = f"{d.spec.path}:{start}" if d.spec else d.subject
                    self.warnings.append(
                        f"{where}: {d.rule} {d.subject} not fixed: overlaps another fix"
                    )
                    return False
        for start, end, lines in edits:
            self.edits[(start, end)] = lines
        self.fixed.append(d.fingerprint)
        return True

    def text(self) -> str:
        for (start, end), lines in sorted(self.edits.items(), reverse=True):
            self.st.replace(start, end, lines)
        self.edits = {}
        return self.st.text()

    # --- per finding --------------------------------------------------------------------

    def _edits(self, d: Discrepancy) -> tuple[list[Edit], str]:
        t = d.target
        if t is None or not t.spans:
            return [], "nothing in the spec to rewrite"
        if isinstance(t.doc, Route) and isinstance(t.code, Route):
            return self._route_edits(t.spans, t.doc, t.code)
        if isinstance(t.doc, Symbol) and isinstance(t.code, Symbol):
            return self._symbol_edits(t.spans, t.doc, t.code)
        return [], "no code counterpart"

    def _route_edits(
        self, spans: tuple[tuple[int, int], ...], doc: Route, code: Route
    ) -> tuple[list[Edit], str]:
        old_names = re.findall(r"\{([^}]*)\}", doc.path)
        new_names = re.findall(r"\{([^}]*)\}", code.path)
        if len(old_names) != len(new_names) or code.unresolved:
            return [], "the code path's parameters do not line up with the documented ones"
        edits: list[Edit] = []
        for i, (start, end) in enumerate(spans):
            if end > len(self.st):
                continue
            in_code = self.st.fence_at(start) is not None
            lines = [self.st.line(n) for n in range(start, end + 1)]
            new = [
                rename_route_params(line, doc.method, doc.path, new_names, in_code=in_code)
                for line in lines
            ]
            if new != lines:
                edits.append((start, end, new))
            elif i == 0:
                return [], f"documented path {doc.path_display} not found on its line"
        return edits, ""

    def _code(self, path: str) -> bytes | None:
        if path not in self._sources:
            self._sources[path] = self.code_source(path)
        return self._sources[path]

    def _symbol_edits(
        self, spans: tuple[tuple[int, int], ...], doc: Symbol, code: Symbol
    ) -> tuple[list[Edit], str]:
        source = self._code(code.location.path)
        if source is None:
            return [], f"{code.location.path} could not be read"
        cdecl = decls.find(source, code.language or "ts", code.name, code.location.line)
        if cdecl is None:
            return [], f"declaration of {code.name} not found in {code.location.path}"
        edits: list[Edit] = []
        for i, (start, end) in enumerate(spans):
            if end > len(self.st):
                continue
            if self.st.fence_at(start) is not None:
                edit, why = self._block_edit(start, end, doc.name, source, cdecl, code)
            elif start == end:  # an ATX or setext heading's text line
                edit, why = self._heading_edit(start, doc.name, source, cdecl, code)
            else:
                edit, why = None, "a table is not rewritten; update it by hand"
            if edit is not None:
                edits.append(edit)
            elif i == 0:
                return [], why
        return edits, ""

    def _heading_edit(
        self, line_no: int, name: str, source: bytes, cdecl: decls.Decl, code: Symbol
    ) -> tuple[Edit | None, str]:
        if not cdecl.is_function or cdecl.params is None:
            return None, "the heading names no signature"
        if any(cdecl.params <= s < cdecl.head_end for s, _ in cdecl.comments):
            return None, "the code's signature has comments; rewrite the heading by hand"
        core = signature_core(source, cdecl, arrow=False)
        line = self.st.line(line_no)
        new = rewrite_heading_signature(line, name, core, python=code.language == "python")
        if new is None:
            return None, f"signature of {name} not found in the heading"
        if new == line:
            return None, "the heading already reads as the code"
        return (line_no, line_no, [new]), ""

    def _block_edit(
        self,
        start: int,
        end: int,
        name: str,
        source: bytes,
        cdecl: decls.Decl,
        code: Symbol,
    ) -> tuple[Edit | None, str]:
        from ..specs.snippets import fence_language

        fence = self.st.fence_at(start)
        assert fence is not None
        prefix, language = fence[2], fence_language(fence[3])
        if language is None:
            return None, "unknown code block language"
        stripped: list[str] = []
        for n in range(start, end + 1):
            line = self.st.line(n)
            if line.startswith(prefix):
                stripped.append(line[len(prefix) :])
            elif not line.strip() or prefix.startswith(line):
                stripped.append("")
            else:
                return None, "the code block's indentation is irregular"
        doc_src = "\n".join(stripped).encode("utf-8")
        ddecl = decls.find(doc_src, language, name)
        if ddecl is None:
            return None, f"declaration of {name} not found in the code block"
        if ddecl.is_function and cdecl.is_function and ddecl.params is not None:
            doc_core = _core(doc_src[ddecl.params : ddecl.head_end].decode(), ddecl.body is None)
            arrow = doc_core.endswith("=>")
            code_core = signature_core(source, cdecl, arrow=arrow)
            new_src = (
                doc_src[: ddecl.params].decode()
                + code_core
                + doc_src[ddecl.params + len(doc_core.encode()) :].decode()
            )
        elif not ddecl.is_function and not cdecl.is_function:
            if cdecl.has_methods:
                return None, "a class with method bodies is not copied into a spec"
            new_src = (
                doc_src[: ddecl.start].decode()
                + source[cdecl.start : cdecl.end].decode("utf-8", "replace")
                + doc_src[ddecl.end :].decode()
            )
        else:
            return None, "the code block declares it in another form than the code"
        new_lines = [prefix + ln if ln else prefix.rstrip() for ln in new_src.split("\n")]
        if new_lines == [self.st.line(n) for n in range(start, end + 1)]:
            return None, "the code block already reads as the code"
        return (start, end, new_lines), ""


# --- text helpers -----------------------------------------------------------------------


def _core(text: str, bodiless: bool) -> str:
    """A signature's text without trailing space, and without its `;` when it has no body."""
    t = text.rstrip()
    if bodiless and t.endswith(";"):
        t = t[:-1].rstrip()
    return t


def signature_core(source: bytes, cdecl: decls.Decl, *, arrow: bool) -> str:
    """The code's parameter list and return annotation, as the code writes them."""
    assert cdecl.params is not None
    text = source[cdecl.params : cdecl.head_end].decode("utf-8", "replace")
    core = _core(text, cdecl.body is None)
    if core.endswith("=>") and not arrow:
        core = core[:-2].rstrip()
    elif arrow and not core.endswith("=>"):
        core += " =>"
    if not core.startswith("("):
        # `x => ...`: a lone arrow parameter has no parentheses.
        m = re.match(r"[\w$]+", core)
        if m:
            core = f"({m.group(0)})" + core[m.end() :]
    return core


def _matching(text: str, open_at: int) -> int | None:
    depth = 0
    for i in range(open_at, len(text)):
        ch = text[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return i
    return None


_DESCRIPTION = re.compile(r"\s+[—–-]\s")


def one_line(core: str, python: bool) -> str:
    """A multi-line signature on one line: `(\\n  a: T,\\n)` -> `(a: T)`."""
    if python and core.endswith(":"):
        core = core[:-1].rstrip()
    close = _matching(core, 0) if core.startswith("(") else None
    if close is None:
        return re.sub(r"\s+", " ", core).strip()
    params = re.sub(r"\s+", " ", core[1:close]).strip().rstrip(",").rstrip()
    rest = re.sub(r"\s+", " ", core[close + 1 :]).strip()
    if rest.startswith(":"):
        rest = ": " + rest[1:].lstrip()
    elif rest.startswith("->"):
        rest = " -> " + rest[2:].lstrip()
    elif rest:
        rest = " " + rest
    return f"({params}){rest}"


def rewrite_heading_signature(line: str, name: str, core: str, *, python: bool) -> str | None:
    """The heading line with ``name(...)`` (and its return type, when it has one)
    rewritten from the code's signature ``core``; None when no signature is found."""
    m = re.search(rf"(?<![\w$]){re.escape(name)}\s*(?:<[^()]*>)?\s*\(", line)
    if m is None:
        return None
    open_at = m.end() - 1
    close = _matching(line, open_at)
    if close is None:
        return None
    rendered = one_line(core, python)
    rclose = _matching(rendered, 0)
    assert rclose is not None
    params, returns = rendered[: rclose + 1], rendered[rclose + 1 :]
    in_code = line[:open_at].count("`") % 2 == 1
    if in_code and "`" in line[close:]:
        limit = line.index("`", close)
    else:
        desc = _DESCRIPTION.search(line, close + 1)
        trailer = re.search(r"(?:\s+#+)?\s*$", line)
        limit = desc.start() if desc else (trailer.start() if trailer else len(line))
    after = line[close + 1 : limit]
    if re.match(r"\s*(?::|->)\s*\S", after):
        end = limit
        replacement = params + returns
    else:
        end = close + 1  # the doc leaves the return type out: so does the rewrite
        replacement = params
    return line[:open_at] + replacement + line[end:]


def _param_alternatives(name: str) -> str:
    n = re.escape(name)
    return rf"(:{n}\??(?:\([^)]*\))?|\{{{n}(?::[^}}]*)?\}}|<(?:[A-Za-z_]\w*:)?{n}>)"


def path_pattern(segments: list[str]) -> tuple[str, int]:
    """A regex for a normalised path written in any parameter style; its group count."""
    parts: list[str] = []
    groups = 0
    for seg in segments:
        pieces = re.split(r"(\{[^}]*\})", seg)
        out = ""
        for piece in pieces:
            if piece.startswith("{") and piece.endswith("}"):
                out += _param_alternatives(piece[1:-1])
                groups += 1
            else:
                out += re.escape(piece)
        parts.append(out)
    return "/" + "/".join(parts) + r"(?!/?[\w{<:])", groups


def _renamed(occurrence: str, old: str, new: str) -> str:
    if occurrence.startswith(":"):
        return ":" + new + occurrence[1 + len(old) :]
    if occurrence.startswith("{"):
        return "{" + new + occurrence[1 + len(old) :]
    if ":" in occurrence:  # <int:id>
        return occurrence[: occurrence.rindex(":") + 1] + new + ">"
    return "<" + new + ">"


def rename_route_params(
    line: str, method: str, doc_path: str, new_names: list[str], *, in_code: bool
) -> str:
    """``line`` with the documented path's parameters renamed, in the style it uses.

    Outside code the path must follow its method (``GET /users/:id``); in a code block
    the method is a call or decorator and the path may lack a mounted prefix, so the
    longest suffix holding a parameter is matched instead.
    """
    segments = [s for s in doc_path.split("/") if s]
    old_names = re.findall(r"\{([^}]*)\}", doc_path)
    tries: list[tuple[str, int]] = []
    if in_code:
        for i in range(len(segments)):
            pattern, groups = path_pattern(segments[i:])
            if groups:
                tries.append((r"(?<=[\"'`])" + pattern, len(old_names) - groups))
    else:
        pattern, _ = path_pattern(segments)
        tries.append((rf"(?<![\w]){method}\s+" + pattern, 0))
    for pattern, offset in tries:
        rx = re.compile(pattern)
        if not rx.search(line):
            continue

        def sub(m: re.Match[str], offset: int = offset) -> str:
            out = ""
            pos = m.start()
            for g in range(1, (m.lastindex or 0) + 1):
                occ = m.group(g)
                out += line[pos : m.start(g)]
                k = offset + g - 1
                out += _renamed(occ, old_names[k], new_names[k])
                pos = m.end(g)
            return out + line[pos : m.end()]

        return rx.sub(sub, line)
    return line
