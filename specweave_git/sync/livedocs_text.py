"""Living docs text surgery: slugs, YAML scalars, generated regions and owned frontmatter keys.

Everything here works on the file's own text, line endings included, so what lies outside
the generated regions and the owned frontmatter keys comes back byte for byte.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

BEGIN = "<!-- specweave:generated:begin {} -->"
END = "<!-- specweave:generated:end {} -->"
_MARKER = re.compile(r"^[ \t]*<!--\s*specweave:generated:(begin|end)\s+([\w.-]+)\s*-->[ \t]*$")
_FM_OPEN = re.compile(r"---[ \t]*")
_FM_CLOSE = re.compile(r"(---|\.\.\.)[ \t]*")
_TOP_KEY = re.compile(r"^([A-Za-z_][\w.-]*)[ \t]*:(?:[ \t]|$)")
_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*")
SLUG_MAX = 60


def slugify(title: str, max_len: int = SLUG_MAX) -> str:
    """``"Crème brûlée: v2 (beta)!"`` -> ``"creme-brulee-v2-beta"``; ``"story"`` when empty.

    Accents are folded to ASCII (NFKD, combining marks dropped, ``ß`` -> ``ss``); every
    other run of non ``[a-z0-9]`` becomes one hyphen; a long slug is cut at a hyphen.
    """
    folded = unicodedata.normalize("NFKD", title.casefold())
    ascii_ = "".join(c for c in folded if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-")
    if len(slug) > max_len:
        cut = slug.rfind("-", 0, max_len + 1)
        slug = slug[: cut if cut > max_len // 2 else max_len].strip("-")
    return slug or "story"


def split_lines(text: str) -> list[str]:
    """Lines with their endings (``\\n`` only splits, so a CR stays on its line)."""
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _bare(line: str) -> str:
    return line.rstrip("\r\n")


def newline_of(text: str) -> str:
    """The file's dominant line ending (CRLF when most lines end so)."""
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"


def with_newline(text: str, newline: str) -> str:
    """``text`` written with LF, re-ended with ``newline``."""
    return text if newline == "\n" else text.replace("\n", newline)


# ---- YAML scalars ---------------------------------------------------------------------


def _yaml_loads(text: str) -> Any:
    import yaml  # only when frontmatter is written

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader


def yaml_scalar(value: str, *, date: bool = False) -> str:
    """A YAML scalar reading back as ``value``: plain when unambiguous, else double-quoted.

    ``date`` writes ``2026-01-01`` plain, as SpecWeave does (YAML reads it as a date).
    """
    if date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value
    if _PLAIN.fullmatch(value) and _yaml_loads(value) == value:
        return value
    # A JSON string is a valid YAML double-quoted scalar (same escapes).
    return json.dumps(value, ensure_ascii=False)


def yaml_value(value: str | Sequence[str], *, date: bool = False) -> str:
    if isinstance(value, str):
        return yaml_scalar(value, date=date)
    return "[" + ", ".join(yaml_scalar(v) for v in value) + "]"


# ---- frontmatter ----------------------------------------------------------------------


class FrontmatterLines:
    """A file cut into frontmatter lines (without the fences) and the rest, all verbatim."""

    __slots__ = ("body", "close", "open", "yaml")

    def __init__(self, open: str, yaml: list[str], close: str, body: str) -> None:
        self.open = open
        self.yaml = yaml
        self.close = close
        self.body = body

    def join(self) -> str:
        return self.open + "".join(self.yaml) + self.close + self.body


def cut_frontmatter(text: str) -> FrontmatterLines | None:
    """The frontmatter fences and lines of ``text``; None when it has none."""
    lines = split_lines(text)
    if not lines or not _FM_OPEN.fullmatch(_bare(lines[0])):
        return None
    for i in range(1, len(lines)):
        if _FM_CLOSE.fullmatch(_bare(lines[i])):
            return FrontmatterLines(lines[0], lines[1:i], lines[i], "".join(lines[i + 1 :]))
    return None


def _key_blocks(yaml: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Top-level key -> (first line, end line) of its block in the frontmatter lines.

    A block is the key line and the lines under it: indented, or a ``- item`` of a block
    sequence (YAML allows those at the key's own indentation). Blank lines belong to it
    only when more of it follows; a column-0 comment ends it (the comment stays put).
    """
    blocks: dict[str, tuple[int, int]] = {}
    i = 0
    while i < len(yaml):
        m = _TOP_KEY.match(yaml[i])
        if m is None:
            i += 1
            continue
        end = j = i + 1
        while j < len(yaml):
            line = _bare(yaml[j])
            if line.startswith((" ", "\t", "-")) and line.strip():
                end = j + 1
            elif line.strip():
                break
            j += 1
        blocks.setdefault(m.group(1), (i, end))
        i = end
    return blocks


def set_keys(
    yaml: Sequence[str], values: Mapping[str, str], order: Sequence[str], newline: str
) -> list[str]:
    """The frontmatter lines with each key of ``values`` (rendered YAML) set.

    A key already there has its block replaced in place; a missing one is inserted after
    the last owned key present, in ``order``. Every other line is kept as it is.
    """
    out = list(yaml)
    blocks = _key_blocks(out)
    # Replace from the bottom so earlier line numbers stay valid.
    for key in sorted((k for k in values if k in blocks), key=lambda k: -blocks[k][0]):
        start, end = blocks[key]
        out[start:end] = [f"{key}: {values[key]}{newline}"]
    blocks = _key_blocks(out)
    missing = [k for k in order if k in values and k not in blocks]
    if missing:
        present = [blocks[k][1] for k in order if k in blocks]
        at = max(present) if present else 0
        if at and not out[at - 1].endswith("\n"):
            out[at - 1] += newline
        out[at:at] = [f"{k}: {values[k]}{newline}" for k in missing]
    return out


# ---- generated regions ----------------------------------------------------------------


def region(name: str, content: str) -> str:
    """A generated region around ``content`` (LF text ending with a newline)."""
    return f"{BEGIN.format(name)}\n{content}{END.format(name)}\n"


def find_regions(text: str) -> tuple[dict[str, tuple[int, int]], str | None]:
    """Section -> (begin line, end line) of its markers, and what is wrong with them."""
    spans: dict[str, tuple[int, int]] = {}
    open_: tuple[str, int] | None = None
    for i, line in enumerate(split_lines(text)):
        m = _MARKER.match(_bare(line))
        if m is None:
            continue
        kind, name = m.group(1), m.group(2)
        if kind == "begin":
            if open_ is not None:
                return spans, f"line {i + 1}: `begin {name}` inside the `{open_[0]}` region"
            if name in spans:
                return spans, f"line {i + 1}: a second `{name}` region"
            open_ = (name, i)
        elif open_ is None or open_[0] != name:
            return spans, f"line {i + 1}: `end {name}` without its begin marker"
        else:
            spans[name] = (open_[1], i)
            open_ = None
    if open_ is not None:
        return spans, f"line {open_[1] + 1}: `begin {open_[0]}` has no end marker"
    return spans, None


def splice(text: str, sections: Mapping[str, str], newline: str) -> tuple[str | None, str]:
    """``text`` with each named region's content replaced (markers and the rest kept).

    Returns (new text, "") or (None, why) when a region is missing or its markers are
    broken: then the caller leaves the file alone.
    """
    spans, problem = find_regions(text)
    if problem:
        return None, f"generated-region markers are broken ({problem})"
    missing = [name for name in sections if name not in spans]
    if missing:
        return None, "generated-region markers are missing for " + ", ".join(missing)
    lines = split_lines(text)
    for name in sorted(sections, key=lambda n: -spans[n][0]):
        begin, end = spans[name]
        content = with_newline(sections[name], newline)
        lines[begin + 1 : end] = [content] if content else []
    return "".join(lines), ""
