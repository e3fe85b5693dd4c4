"""markdown-it-py with line maps: tokens, the source line of inline children, tables."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR -> LF, one for one, so line numbers stay those of the file."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


@functools.cache
def _md() -> MarkdownIt:
    # Imported here: markdown-it costs ~100 ms and is needed only when a spec changed.
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table")


def parse(text: str) -> list[Token]:
    return _md().parse(text)


def first_line(token: Token) -> int:
    """1-based first line of a block token (0 when markdown-it gave it no map)."""
    return token.map[0] + 1 if token.map else 0


def last_line(token: Token) -> int:
    """1-based last line of a block token (its map end is exclusive and 0-based)."""
    return token.map[1] if token.map else 0


def inline_child_lines(inline: Token) -> list[int]:
    """The 1-based source line of each child of an inline token.

    A paragraph's inline token spans several lines; every newline in it is a ``softbreak``
    or ``hardbreak`` child (code spans fold theirs into spaces, html_inline keeps them).
    """
    line = first_line(inline)
    out: list[int] = []
    for child in inline.children or ():
        out.append(line)
        if child.type in ("softbreak", "hardbreak"):
            line += 1
        elif child.type in ("html_inline", "text"):
            line += child.content.count("\n")
    return out


_ESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def table_cells(line: str) -> list[str]:
    """Cells of one table row as GFM splits them (unescaped pipes, outer pipes optional)."""
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    return [c.strip() for c in _ESCAPED_PIPE.split(s)]


_DELIMITER_ROW = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")


def is_delimiter_row(line: str) -> bool:
    return "-" in line and _DELIMITER_ROW.match(line) is not None


def plain_text(inline: Token) -> str:
    """The text of an inline token with markup dropped and code spans kept as their text."""
    parts: list[str] = []
    for child in inline.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts).strip()
