"""Checking a config document: JSON syntax, the schema, and paths that leave the repository."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError, Problem
from . import schema as schema_mod

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]

PathParts = tuple[str | int, ...]

# Where the schema keeps repository-relative globs (checked for escapes after the schema).
DISCREPANCY: PathParts = ("sync", "orchestration", "discrepancy")


def pointer(parts: Iterable[str | int]) -> str:
    """RFC 6901 JSON pointer; the document root is shown as ``/``."""
    text = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return text or "/"


def dotted(parts: Iterable[str | int]) -> str:
    return ".".join(str(p) for p in parts)


class _DupDict(dict[str, Any]):
    """A parsed JSON object that had repeated keys (json keeps the last silently)."""

    duplicates: list[str]


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    dups: list[str] = []
    for key, _ in pairs:
        if key in seen and key not in dups:
            dups.append(key)
        seen.add(key)
    if not dups:
        return dict(pairs)
    result = _DupDict(pairs)
    result.duplicates = dups
    return result


def _duplicate_problems(file: str, value: Any, parts: PathParts = ()) -> Iterator[Problem]:
    if isinstance(value, _DupDict):
        for key in value.duplicates:
            yield Problem(file, pointer((*parts, key)), "duplicate key (only the last one counts)")
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from _duplicate_problems(file, sub, (*parts, key))
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            yield from _duplicate_problems(file, sub, (*parts, i))


def decode(file: str, data: bytes) -> str:
    try:
        # utf-8-sig: editors on Windows write a BOM; SpecWeave's own reader tolerates it.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ConfigError([Problem(file, f"byte {e.start}", "not valid UTF-8")]) from None


def parse(file: str, data: bytes, *, strict: bool = True) -> dict[str, Any]:
    """Parse config bytes; ``strict`` also reports repeated keys. Root must be an object."""
    text = decode(file, data)
    try:
        value = json.loads(text, object_pairs_hook=_pairs) if strict else json.loads(text)
    except json.JSONDecodeError as e:
        raise ConfigError(
            [Problem(file, f"line {e.lineno} column {e.colno}", f"invalid JSON: {e.msg}")]
        ) from None
    if not isinstance(value, dict):
        raise ConfigError(
            [Problem(file, "/", f"expected a JSON object, got {json_type(value)}")]
        ) from None
    if strict:
        dups = list(_duplicate_problems(file, value))
        if dups:
            raise ConfigError(dups)
    return value


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _got(value: Any) -> str:
    """``got string "yes"``; containers and null by type only."""
    kind = json_type(value)
    if value is None or isinstance(value, (dict, list)):
        return f"got {kind}"
    return f"got {kind} {_short(value)}"


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _suggest(word: str, choices: Iterable[Any]) -> str:
    import difflib  # only when there is a problem to explain

    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.8)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _problems_of(file: str, error: ValidationError) -> Iterator[Problem]:
    """Turn one jsonschema error into located, readable problems."""
    parts: PathParts = tuple(error.absolute_path)
    kind = error.validator
    value = error.instance
    rule = error.validator_value
    node = error.schema if isinstance(error.schema, dict) else {}

    if "propertyNames" in error.absolute_schema_path:
        # jsonschema reports the object; the offending key is the instance.
        choices = rule if kind == "enum" else []
        shown = ", ".join(choices[:8]) + (", ..." if len(choices) > 8 else "")
        expected = f"; expected one of: {shown}" if choices else ""
        if kind == "minLength":
            yield Problem(file, pointer((*parts, str(value))), "key must not be empty")
            return
        yield Problem(
            file,
            pointer((*parts, str(value))),
            f"unknown key {value!r}{_suggest(str(value), choices)}{expected}",
        )
        return
    if kind == "additionalProperties" and isinstance(value, dict):
        known = list(node.get("properties", {}))
        for key in value:
            if key not in known:
                yield Problem(file, pointer((*parts, key)), f"unknown key{_suggest(key, known)}")
        return
    if kind == "required" and isinstance(value, dict):
        in_then = "then" in error.absolute_schema_path
        for key in rule:
            if key in value:
                continue
            why = f"required when {dotted(parts)}.enabled is true" if in_then else "required"
            yield Problem(file, pointer((*parts, key)), why)
        return
    if kind in ("anyOf", "oneOf") and error.context:
        yield from _best_of(file, error.context, parts, value)
        return
    yield Problem(file, pointer(parts), _message(kind, rule, value, node, error.message))


def _best_of(
    file: str, context: list[ValidationError], parts: PathParts, value: Any
) -> Iterator[Problem]:
    """For anyOf: report the branch the value got furthest into, else what was expected."""
    depth = max(len(e.absolute_path) for e in context)
    deepest = [e for e in context if len(e.absolute_path) == depth]
    if any(e.validator != "type" for e in deepest):
        # a branch whose type matched explains the problem better than "expected string"
        deepest = [e for e in deepest if e.validator != "type"]
    if depth == len(parts) and all(e.validator == "type" for e in deepest):
        kinds = sorted({str(e.validator_value) for e in deepest})
        yield Problem(
            file,
            pointer(parts),
            f"expected {' or '.join(kinds)}, {_got(value)}",
        )
        return
    for e in deepest:
        yield from _problems_of(file, e)


def _message(kind: Any, rule: Any, value: Any, node: dict[str, Any], fallback: str) -> str:
    if kind == "type":
        expected = " or ".join(rule) if isinstance(rule, list) else str(rule)
        return f"expected {expected}, {_got(value)}"
    if kind == "enum":
        return (
            f"{_short(value)} is not one of: {', '.join(str(c) for c in rule)}"
            f"{_suggest(str(value), rule)}"
        )
    if kind == "minimum":
        return f"must be at least {rule}, got {_short(value)}"
    if kind == "maximum":
        return f"must be at most {rule}, got {_short(value)}"
    if kind == "minLength":
        return "must not be empty" if rule == 1 else f"must be at least {rule} characters"
    if kind == "minItems":
        return "must not be empty" if rule == 1 else f"needs at least {rule} items"
    if kind == "uniqueItems":
        seen: list[Any] = []
        repeated = None
        for item in value:
            if item in seen:
                repeated = item
                break
            seen.append(item)
        return f"items must be unique ({_short(repeated)} is repeated)"
    if kind == "pattern":
        what = node.get("title", f"value (pattern {rule})")
        return f"{_short(value)} is not a valid {what}"
    return fallback


_ABSOLUTE = re.compile(r"^(?:/|[A-Za-z]:|\\\\)")


def escape_reason(path: str) -> str | None:
    """Why a repository-relative glob points outside the repository, or None if it does not.

    ``**`` may match zero directories, so ``**/..`` climbs out of the root; ``a/../b``
    stays inside and is allowed.
    """
    text = path.replace("\\", "/")
    if text.startswith("!"):  # gitignore-style negation: the rest is still a path
        text = text[1:]
    if _ABSOLUTE.match(text) or _ABSOLUTE.match(path):
        return "absolute paths are not allowed"
    if text.startswith("~"):
        return "home-relative paths are not allowed"
    depth = 0
    for segment in text.split("/"):
        if segment in ("", ".", "**"):
            continue
        depth += -1 if segment == ".." else 1
        if depth < 0:
            return "escapes the repository"
    return None


def _repo_paths(doc: dict[str, Any]) -> Iterator[tuple[PathParts, str]]:
    """Every repository-relative path the owned sections hold, with where it sits."""
    node: Any = doc
    for part in DISCREPANCY:
        node = node.get(part) if isinstance(node, dict) else None
    if not isinstance(node, dict):
        return
    for key in ("ignorePaths", "specGlobs", "codeGlobs"):
        value = node.get(key)
        base = (*DISCREPANCY, key)
        if isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, str):
                    yield (*base, i), item
        elif isinstance(value, dict) and key == "codeGlobs":
            for spec_glob, code in value.items():
                yield (*base, spec_glob), spec_glob
                if isinstance(code, list):
                    for i, item in enumerate(code):
                        if isinstance(item, str):
                            yield (*base, spec_glob, i), item


def path_problems(file: str, doc: dict[str, Any]) -> list[Problem]:
    problems = []
    for parts, path in _repo_paths(doc):
        reason = escape_reason(path)
        if reason:
            problems.append(
                Problem(
                    file,
                    pointer(parts),
                    f"{_short(path)}: {reason} (paths are relative to the repository root)",
                )
            )
    return problems


def problems(file: str, doc: dict[str, Any]) -> list[Problem]:
    """Every problem of a parsed document, in a stable order (imports jsonschema)."""
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

    validator = Draft202012Validator(schema_mod.schema())
    found: list[Problem] = []
    for error in validator.iter_errors(doc):
        found.extend(_problems_of(file, error))
    found.extend(path_problems(file, doc))
    unique: dict[tuple[str, str], Problem] = {}
    for p in found:
        unique.setdefault((p.pointer, p.message), p)
    return sorted(unique.values(), key=lambda p: (p.pointer, p.message))


def check(file: str, doc: dict[str, Any]) -> None:
    found = problems(file, doc)
    if found:
        raise ConfigError(found)
