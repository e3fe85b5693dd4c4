"""Symbolic string values (route paths, prefixes) and their evaluation across files.

Analyzers do not evaluate: they record what an expression *is*, as JSON, so that facts
stay per-file (and cacheable) while values that come from other files, or from the
environment, are resolved at link time. Expression forms:

    {"lit": "/api"}                               a string literal
    {"concat": [E, E, ...]}                       template string / ``+`` / f-string
    {"ref": "NAME"}                               a module-level name (const or import)
    {"attr": E, "name": "PREFIX"}                 ``settings.PREFIX``, ``config.api.prefix``
    {"object": {"key": E, ...}}                   ``const config = {prefix: '/api'}``, a settings
                                                  class with literal defaults
    {"env": "API_PREFIX", "default": E | null}    ``process.env.X || 'd'``, ``os.getenv('X', 'd')``
    {"unknown": "source text"}                    anything we cannot read statically

A ``ref`` or ``attr`` is resolved by the linker through a callback; an ``env`` resolves
to the value the repository documents (``.env.example``/``.env.sample``), then to the
default written in code; with neither it stays unresolved and renders as ``$NAME``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..record import FrozenRecord, set_field

Expr = dict[str, Any]
ENV_FILES = (".env.example", ".env.sample", ".env.template", ".env.dist", ".env.defaults")
_MAX_DEPTH = 32


class Value(FrozenRecord):
    __slots__ = ("source", "text", "unresolved")

    text: str
    unresolved: bool
    source: str | None  # where a dynamic part came from, for the route's `source`

    def __init__(self, text: str, unresolved: bool = False, source: str | None = None) -> None:
        set_field(self, "text", text)
        set_field(self, "unresolved", unresolved)
        set_field(self, "source", source)

    def __add__(self, other: Value) -> Value:
        sources = [s for s in (self.source, other.source) if s]
        return Value(
            self.text + other.text,
            self.unresolved or other.unresolved,
            "; ".join(dict.fromkeys(sources)) or None,
        )


def lit(text: str) -> Expr:
    return {"lit": text}


def unknown(source_text: str) -> Expr:
    return {"unknown": source_text[:80]}


# A resolver maps a ``ref`` name (or an ``attr`` chain on a resolved base) to another
# expression; None when it knows nothing.
RefResolver = Callable[[str], "Expr | None"]
AttrResolver = Callable[[Expr, str], "Expr | None"]


def evaluate(
    expr: Expr | None,
    resolve_ref: RefResolver,
    env_defaults: Mapping[str, tuple[str, str]],
    resolve_attr: AttrResolver | None = None,
    _depth: int = 0,
) -> Value:
    """Evaluate an expression to text. ``env_defaults``: VAR -> (value, file it came from)."""
    if expr is None:
        return Value("", True, "missing value")
    if _depth > _MAX_DEPTH:
        return Value("$?", True, "reference cycle")

    def ev(e: Expr | None) -> Value:
        return evaluate(e, resolve_ref, env_defaults, resolve_attr, _depth + 1)

    if "lit" in expr:
        return Value(str(expr["lit"]))
    if "concat" in expr:
        out = Value("")
        for part in expr["concat"]:
            out = out + ev(part)
        return out
    if "ref" in expr:
        referenced = resolve_ref(str(expr["ref"]))
        if referenced is None:
            return Value(f"${expr['ref']}", True, f"{expr['ref']} is not a constant")
        return ev(referenced)
    if "attr" in expr:
        name = str(expr["name"])
        base = deref(expr["attr"], resolve_ref)
        target: Expr | None = None
        if base is not None and "object" in base:
            target = base["object"].get(name)
        elif resolve_attr is not None:
            target = resolve_attr(expr["attr"], name)
        if target is None:
            return Value(f"${expr['name']}", True, f"{expr['name']} is not a constant")
        return ev(target)
    if "env" in expr:
        name = str(expr["env"])
        if name in env_defaults:
            value, origin = env_defaults[name]
            return Value(value, False, f"env {name} from {origin}")
        default = expr.get("default")
        if default is not None:
            v = ev(default)
            return Value(v.text, v.unresolved, f"env {name} default in code")
        return Value(f"${name}", True, f"env {name} has no documented default")
    if "object" in expr:
        return Value("$object", True, "an object is not a string")
    if "unknown" in expr:
        shown = str(expr["unknown"]).replace("{", "").replace("}", "")
        return Value(f"${shown}", True, f"dynamic expression {expr['unknown']!r}")
    return Value("$?", True, "unreadable expression")


def deref(expr: Expr | None, resolve_ref: RefResolver) -> Expr | None:
    """Follow ``ref`` and ``attr`` links to the expression they stand for (or None)."""
    for _ in range(_MAX_DEPTH):
        if expr is None:
            return None
        if "ref" in expr:
            expr = resolve_ref(str(expr["ref"]))
        elif "attr" in expr:
            base = deref(expr["attr"], resolve_ref)
            if base is None or "object" not in base:
                return None
            expr = base["object"].get(str(expr["name"]))
        else:
            return expr
    return None


_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


def parse_env_file(text: str) -> dict[str, str]:
    """KEY=value lines of a dotenv file (quotes stripped, comments ignored)."""
    out: dict[str, str] = {}
    for raw in text.splitlines():
        if raw.lstrip().startswith("#"):
            continue
        m = _ENV_LINE.match(raw)
        if not m:
            continue
        value = m.group(2)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        else:
            value = value.split(" #", 1)[0].strip()
        out[m.group(1)] = value
    return out


def env_defaults_from_files(files: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """Merge documented env defaults; earlier names in ENV_FILES win. ``files``: path -> text."""
    out: dict[str, tuple[str, str]] = {}
    ranked = sorted(
        files.items(),
        key=lambda kv: (
            ENV_FILES.index(Path(kv[0]).name) if Path(kv[0]).name in ENV_FILES else 99,
            kv[0].count("/"),
            kv[0],
        ),
    )
    for path, text in ranked:
        for key, value in parse_env_file(text).items():
            out.setdefault(key, (value, path))
    return out
