"""Re-serialise an edited JSON document, copying every unchanged value's original text."""

from __future__ import annotations

import json
import re
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

_WS = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null")

Path_ = tuple[str | int, ...]


def spans(text: str) -> dict[Path_, tuple[int, int]]:
    """(start, end) of every value of a valid JSON text, keyed by its path."""
    out: dict[Path_, tuple[int, int]] = {}

    def ws(i: int) -> int:
        m = _WS.match(text, i)
        return m.end() if m else i

    def value(i: int, path: Path_) -> int:
        i = ws(i)
        start, c = i, text[i]
        if c in "{[":
            close = "}" if c == "{" else "]"
            i = ws(i + 1)
            index = 0
            while text[i] != close:
                if c == "{":
                    key, i = scanstring(text, i + 1)
                    i = ws(i) + 1  # the colon
                    i = ws(value(i, (*path, key)))
                else:
                    i = ws(value(i, (*path, index)))
                    index += 1
                if text[i] == ",":
                    i = ws(i + 1)
            end = i + 1
        elif c == '"':
            _, end = scanstring(text, i + 1)
        else:
            m = _SCALAR.match(text, i)
            if m is None:
                raise ValueError(f"not JSON at offset {i}")
            end = m.end()
        out[path] = (start, end)
        return end

    value(0, ())
    return out


def _at(doc: Any, path: Path_) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def render(text: str, old: Any, new: Any, *, indent: str = "  ", newline: str = "\n") -> str:
    """``new`` as JSON text in which every value equal to ``old``'s at the same path keeps
    its original spelling (compact arrays, escapes, number formats). Changed containers
    are written with ``indent``; text before and after the root value is kept."""
    where = spans(text)
    _missing = object()

    def unchanged(path: Path_, value: Any) -> bool:
        if path not in where:
            return False
        try:
            before = _at(old, path)
        except (KeyError, IndexError, TypeError):
            before = _missing
        # json.dumps tells true from 1 and keeps key order, which == does not
        return before is not _missing and json.dumps(before) == json.dumps(value)

    def emit(path: Path_, value: Any, level: int) -> str:
        if unchanged(path, value):
            start, end = where[path]
            return text[start:end]
        inner = newline + indent * (level + 1)
        if isinstance(value, dict) and value:
            items = [
                f"{json.dumps(k, ensure_ascii=False)}: {emit((*path, k), v, level + 1)}"
                for k, v in value.items()
            ]
            return "{" + inner + ("," + inner).join(items) + newline + indent * level + "}"
        if isinstance(value, list) and value:
            items = [emit((*path, i), v, level + 1) for i, v in enumerate(value)]
            return "[" + inner + ("," + inner).join(items) + newline + indent * level + "]"
        return json.dumps(value, ensure_ascii=False)

    start, end = where[()]
    return text[:start] + emit((), new, 0) + text[end:]
