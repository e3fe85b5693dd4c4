"""A spec file as lines with their own endings: replace line spans, keep every other byte."""

from __future__ import annotations

import re
from collections.abc import Iterable

_LINE = re.compile(r"([^\r\n]*)(\r\n|\r|\n|$)")
_FENCE_OPEN = re.compile(r"^([ \t]*(?:>[ \t]?)*[ \t]*)(`{3,}|~{3,})(.*)$")
_HEADING = re.compile(r"^\ufeff?[ \t]{0,3}#{1,6}(?:[ \t]|$)")


def split_lines(text: str) -> tuple[list[str], list[str]]:
    """Lines without endings and their endings ('' for a last line without one).

    Line numbers are those of the spec parser, which turns CRLF and lone CR into LF.
    """
    contents: list[str] = []
    endings: list[str] = []
    pos = 0
    while pos < len(text):
        m = _LINE.match(text, pos)
        assert m is not None  # the pattern matches the empty string
        contents.append(m.group(1))
        endings.append(m.group(2))
        pos = m.end()
    return contents, endings


class SpecText:
    """Line-addressed text (1-based) that remembers each line's ending."""

    def __init__(self, text: str) -> None:
        self.lines, self.endings = split_lines(text)
        crlf = sum(1 for e in self.endings if e == "\r\n")
        lf = sum(1 for e in self.endings if e == "\n")
        # New lines take the file's own convention (CRLF files stay CRLF).
        self.eol = "\r\n" if crlf > lf else "\n"
        self._fences: list[tuple[int, int, str, str]] | None = None

    def __len__(self) -> int:
        return len(self.lines)

    def line(self, n: int) -> str:
        return self.lines[n - 1]

    def text(self) -> str:
        return "".join(c + e for c, e in zip(self.lines, self.endings, strict=True))

    def replace(self, start: int, end: int, new_lines: list[str]) -> None:
        """Lines ``start..end`` (1-based, inclusive) become ``new_lines``; the last new line
        keeps the old last line's ending, the others get the file's own."""
        last_ending = self.endings[end - 1]
        endings = [self.eol] * (len(new_lines) - 1) + [last_ending]
        self.lines[start - 1 : end] = new_lines
        self.endings[start - 1 : end] = endings
        self._fences = None

    def append_block(self, block: Iterable[str], at: int | None = None) -> None:
        """Insert lines as a block separated by one blank line, before line ``at`` (1-based)
        or at the end of the file."""
        new = list(block)
        if at is None:
            if self.lines and self.endings[-1] == "":
                self.endings[-1] = self.eol  # the file had no trailing newline
            if self.lines and self.lines[-1].strip():
                new = ["", *new]
            self.lines.extend(new)
            self.endings.extend([self.eol] * len(new))
        else:
            if at > 1 and self.lines[at - 2].strip():
                new = ["", *new]
            if self.lines[at - 1].strip():
                new = [*new, ""]
            self.lines[at - 1 : at - 1] = new
            self.endings[at - 1 : at - 1] = [self.eol] * len(new)
        self._fences = None

    def fences(self) -> list[tuple[int, int, str, str]]:
        """(opening line, closing line, prefix, info) of every fenced code block."""
        if self._fences is not None:
            return self._fences
        out: list[tuple[int, int, str, str]] = []
        n = 0
        while n < len(self.lines):
            m = _FENCE_OPEN.match(self.lines[n])
            if m is None or (m.group(2)[0] == "`" and "`" in m.group(3)):
                n += 1
                continue
            prefix, marker = m.group(1), m.group(2)
            close = n + 1
            while close < len(self.lines):
                body = self.lines[close][len(prefix) :].strip()
                if body.startswith(marker[0] * len(marker)) and not body.strip(marker[0]):
                    break
                close += 1
            out.append((n + 1, close + 1, prefix, m.group(3).strip()))
            n = close + 1
        self._fences = out
        return out

    def fence_at(self, line: int) -> tuple[int, int, str, str] | None:
        """The fenced block whose content holds ``line``, or None."""
        for fence in self.fences():
            if fence[0] < line < fence[1]:
                return fence
        return None

    def is_heading(self, line: int) -> bool:
        return self.fence_at(line) is None and _HEADING.match(self.line(line)) is not None


def heading_level(line: str) -> int:
    m = re.match(r"^\ufeff?[ \t]{0,3}(#{1,6})(?:[ \t]|$)", line)
    return len(m.group(1)) if m else 0
