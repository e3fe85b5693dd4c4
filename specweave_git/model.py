"""The surface model shared by the code side and the docs side (DESIGN §4).

``code`` and ``specs`` both produce these objects, so ``drift`` can compare them
exactly. Everything is frozen, slotted and converts to/from plain JSON (the parse
cache stores it).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from .record import FrozenRecord, set_field

SymbolKind = Literal[
    "function", "class", "interface", "type", "enum", "const", "method", "namespace"
]
SYMBOL_KINDS: tuple[str, ...] = (
    "function",
    "class",
    "interface",
    "type",
    "enum",
    "const",
    "method",
    "namespace",
)
HTTP_METHODS: tuple[str, ...] = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ALL")


class Skipped(FrozenRecord):
    """A path left out (of a change set, of the code or spec selection) and why."""

    __slots__ = ("path", "reason")

    path: str
    reason: str

    def __init__(self, path: str, reason: str) -> None:
        set_field(self, "path", path)
        set_field(self, "reason", reason)


class Location(FrozenRecord):
    __slots__ = ("line", "path")

    path: str  # relative to the repository root, forward slashes
    line: int  # 1-based

    def __init__(self, path: str, line: int) -> None:
        set_field(self, "path", path)
        set_field(self, "line", line)

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Location:
        return cls(path=d["path"], line=int(d["line"]))


class Param(FrozenRecord):
    """One parameter. ``kind`` keeps Python's parameter kinds; TS/JS use normal/rest."""

    __slots__ = ("default", "kind", "name", "optional", "rest", "type")

    name: str
    optional: bool
    rest: bool
    type: str | None
    default: str | None
    # normal | positional-only | keyword-only | var-positional | var-keyword
    kind: str

    def __init__(
        self,
        name: str,
        optional: bool = False,
        rest: bool = False,
        type: str | None = None,
        default: str | None = None,
        kind: str = "normal",
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "optional", optional)
        set_field(self, "rest", rest)
        set_field(self, "type", type)
        set_field(self, "default", default)
        set_field(self, "kind", kind)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "optional": self.optional,
            "rest": self.rest,
            "type": self.type,
            "default": self.default,
            "kind": self.kind,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Param:
        return cls(
            name=d["name"],
            optional=bool(d.get("optional", False)),
            rest=bool(d.get("rest", False)),
            type=d.get("type"),
            default=d.get("default"),
            kind=d.get("kind", "normal"),
        )


class Signature(FrozenRecord):
    __slots__ = ("params", "returns")

    params: tuple[Param, ...]
    returns: str | None

    def __init__(self, params: tuple[Param, ...] = (), returns: str | None = None) -> None:
        set_field(self, "params", params)
        set_field(self, "returns", returns)

    def to_json(self) -> dict[str, Any]:
        return {"params": [p.to_json() for p in self.params], "returns": self.returns}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Signature:
        return cls(
            params=tuple(Param.from_json(p) for p in d.get("params", ())),
            returns=d.get("returns"),
        )


class Field(FrozenRecord):
    """A field of an interface, type literal, class, dataclass, TypedDict or model."""

    __slots__ = ("default", "name", "optional", "readonly", "type")

    name: str
    type: str | None
    optional: bool
    readonly: bool
    default: str | None

    def __init__(
        self,
        name: str,
        type: str | None = None,
        optional: bool = False,
        readonly: bool = False,
        default: str | None = None,
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "type", type)
        set_field(self, "optional", optional)
        set_field(self, "readonly", readonly)
        set_field(self, "default", default)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "optional": self.optional,
            "readonly": self.readonly,
            "default": self.default,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Field:
        return cls(
            name=d["name"],
            type=d.get("type"),
            optional=bool(d.get("optional", False)),
            readonly=bool(d.get("readonly", False)),
            default=d.get("default"),
        )


class Symbol(FrozenRecord):
    """An exported (public) symbol.

    ``signatures`` holds every visible signature: one for a plain function, several for
    TS overloads (the implementation signature is not visible and is left out), the
    constructor for a class. ``members`` are public methods (kind ``method``) of a class.
    ``type_text`` is the declared type of a const, or the right-hand side of a type alias.
    """

    __slots__ = (
        "default_export",
        "exported_from",
        "fields",
        "kind",
        "language",
        "location",
        "members",
        "name",
        "signatures",
        "type_text",
    )

    name: str
    kind: str
    location: Location
    exported_from: str  # module path the symbol is exported from (may differ from location.path)
    signatures: tuple[Signature, ...]
    fields: tuple[Field, ...]
    members: tuple[Symbol, ...]
    type_text: str | None
    language: str  # ts | tsx | js | python
    default_export: bool

    def __init__(
        self,
        name: str,
        kind: str,
        location: Location,
        exported_from: str,
        signatures: tuple[Signature, ...] = (),
        fields: tuple[Field, ...] = (),
        members: tuple[Symbol, ...] = (),
        type_text: str | None = None,
        language: str = "",
        default_export: bool = False,
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "kind", kind)
        set_field(self, "location", location)
        set_field(self, "exported_from", exported_from)
        set_field(self, "signatures", signatures)
        set_field(self, "fields", fields)
        set_field(self, "members", members)
        set_field(self, "type_text", type_text)
        set_field(self, "language", language)
        set_field(self, "default_export", default_export)

    @property
    def params(self) -> tuple[Param, ...]:
        return self.signatures[0].params if self.signatures else ()

    @property
    def returns(self) -> str | None:
        return self.signatures[0].returns if self.signatures else None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "file": self.location.path,
            "line": self.location.line,
            "exported_from": self.exported_from,
            "language": self.language,
            "default_export": self.default_export,
            "signatures": [s.to_json() for s in self.signatures],
            "fields": [f.to_json() for f in self.fields],
            "members": [m.to_json() for m in self.members],
            "type_text": self.type_text,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Symbol:
        return cls(
            name=d["name"],
            kind=d["kind"],
            location=Location(d["file"], int(d["line"])),
            exported_from=d.get("exported_from", d["file"]),
            signatures=tuple(Signature.from_json(s) for s in d.get("signatures", ())),
            fields=tuple(Field.from_json(f) for f in d.get("fields", ())),
            members=tuple(Symbol.from_json(m) for m in d.get("members", ())),
            type_text=d.get("type_text"),
            language=d.get("language", ""),
            default_export=bool(d.get("default_export", False)),
        )


_PARAM_RES = (
    re.compile(r"<(?:[A-Za-z_][A-Za-z0-9_]*:)?([A-Za-z_][A-Za-z0-9_]*)>"),  # Flask <int:id>
    re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}"),  # FastAPI {id} / {path:path}
    re.compile(r"(?<![A-Za-z0-9_]):([A-Za-z_][A-Za-z0-9_]*)\??(?:\([^)]*\))?"),  # Express :id
)


def normalise_path(path: str) -> str:
    """``/users/:id`` , ``/users/{id}`` , ``/users/<int:id>`` -> ``/users/{id}``.

    Collapses duplicate slashes, ensures a leading slash and drops a trailing one.
    """
    p = path.strip()
    for rx in _PARAM_RES:
        p = rx.sub(lambda m: "{" + m.group(1) + "}", p)
    p = re.sub(r"/{2,}", "/", p)
    if not p.startswith("/"):
        p = "/" + p
    if len(p) > 1 and p.endswith("/"):
        p = p.rstrip("/") or "/"
    return p


def path_key(path: str) -> str:
    """Name-blind form of a normalised path: ``/users/{id}`` -> ``/users/{}``."""
    return re.sub(r"\{[^}]*\}", "{}", normalise_path(path))


def display_path(path: str) -> str:
    """``/users/{id}`` -> ``/users/:id`` (the Express-style form people write in docs)."""
    return re.sub(r"\{([^}]*)\}", r":\1", normalise_path(path))


class Route(FrozenRecord):
    """An HTTP route as served. ``path`` is normalised (``{id}``)."""

    __slots__ = (
        "framework",
        "handler",
        "location",
        "method",
        "notes",
        "path",
        "source",
        "unresolved",
    )

    method: str
    path: str
    location: Location
    handler: str | None
    framework: str
    unresolved: bool
    # where a dynamic prefix came from, e.g. "env API_PREFIX default in .env.example"
    source: str | None
    notes: tuple[str, ...]

    def __init__(
        self,
        method: str,
        path: str,
        location: Location,
        handler: str | None = None,
        framework: str = "",
        unresolved: bool = False,
        source: str | None = None,
        notes: tuple[str, ...] = (),
    ) -> None:
        set_field(self, "method", method)
        set_field(self, "path", path)
        set_field(self, "location", location)
        set_field(self, "handler", handler)
        set_field(self, "framework", framework)
        set_field(self, "unresolved", unresolved)
        set_field(self, "source", source)
        set_field(self, "notes", notes)

    @property
    def key(self) -> str:
        return f"{self.method} {path_key(self.path)}"

    @property
    def path_display(self) -> str:
        return display_path(self.path)

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "key": self.key,
            "path_display": self.path_display,
            "file": self.location.path,
            "line": self.location.line,
            "handler": self.handler,
            "framework": self.framework,
            "unresolved": self.unresolved,
            "source": self.source,
            "notes": list(self.notes),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Route:
        return cls(
            method=d["method"],
            path=d["path"],
            location=Location(d["file"], int(d["line"])),
            handler=d.get("handler"),
            framework=d.get("framework", ""),
            unresolved=bool(d.get("unresolved", False)),
            source=d.get("source"),
            notes=tuple(d.get("notes", ())),
        )


class Warning_(FrozenRecord):
    """A non-fatal problem found while reading a file (syntax error, skipped file...)."""

    __slots__ = ("line", "message", "path")

    path: str
    line: int
    message: str

    def __init__(self, path: str, line: int, message: str) -> None:
        set_field(self, "path", path)
        set_field(self, "line", line)
        set_field(self, "message", message)

    def render(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "message": self.message}


class Surface(FrozenRecord):
    __slots__ = ("routes", "symbols", "warnings")

    symbols: tuple[Symbol, ...]
    routes: tuple[Route, ...]
    warnings: tuple[Warning_, ...]

    def __init__(
        self,
        symbols: tuple[Symbol, ...] = (),
        routes: tuple[Route, ...] = (),
        warnings: tuple[Warning_, ...] = (),
    ) -> None:
        set_field(self, "symbols", symbols)
        set_field(self, "routes", routes)
        set_field(self, "warnings", warnings)

    def to_json(self) -> dict[str, Any]:
        return {
            "symbols": [s.to_json() for s in self.symbols],
            "routes": [r.to_json() for r in self.routes],
        }
