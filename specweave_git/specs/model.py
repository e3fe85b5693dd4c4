"""What a spec documents: symbols, routes, stories, criteria and tasks, each with its lines.

Everything is frozen and converts to and from plain JSON, because a parsed spec is cached
by blob id exactly like code facts. Only the standard library and ``..model`` are imported
here: reading a cached spec must not pay for markdown-it, PyYAML or tree-sitter.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from ..model import Route, Symbol, Warning_
from ..record import FrozenRecord, set_field

SymbolOrigin = Literal["heading", "codeblock", "table"]
RouteOrigin = Literal["heading", "mention", "codeblock"]
TaskStatus = Literal["done", "open", "partial", "unknown"]
Span = tuple[int, int]

# Bump whenever what parse_spec extracts changes: it is part of the spec cache key.
SPEC_PARSER_VERSION = "specs-2"


def _span(v: Any) -> Span:
    return (int(v[0]), int(v[1]))


def _warning_from_json(d: dict[str, Any]) -> Warning_:
    return Warning_(path=d["path"], line=int(d["line"]), message=d["message"])


class DocSymbol(FrozenRecord):
    """A symbol as a spec documents it.

    ``symbol.location`` is the spec path and the line naming the symbol. ``span`` is the
    1-based inclusive line range of the documenting text (a fixer rewrites exactly these
    lines). ``partial`` is true when the spec only names the symbol (``### interface User``
    with neither a code block nor a table after it): compare existence and kind, not
    fields or signature. ``also`` are the spans of further places in the same file that
    document the same kind and name (one item per file, so one finding per file).
    """

    __slots__ = ("also", "ignore", "origin", "partial", "raw", "span", "symbol")

    symbol: Symbol
    origin: SymbolOrigin
    span: Span
    raw: str
    ignore: tuple[str, ...]
    partial: bool
    also: tuple[Span, ...]

    def __init__(
        self,
        symbol: Symbol,
        origin: SymbolOrigin,
        span: Span,
        raw: str,
        ignore: tuple[str, ...] = (),
        partial: bool = False,
        also: tuple[Span, ...] = (),
    ) -> None:
        set_field(self, "symbol", symbol)
        set_field(self, "origin", origin)
        set_field(self, "span", span)
        set_field(self, "raw", raw)
        set_field(self, "ignore", ignore)
        set_field(self, "partial", partial)
        set_field(self, "also", also)

    @property
    def path(self) -> str:
        return self.symbol.location.path

    @property
    def line(self) -> int:
        return self.symbol.location.line

    @property
    def key(self) -> str:
        return f"{self.symbol.kind} {self.symbol.name}"

    def ignores(self, rule: str) -> bool:
        return "all" in self.ignore or rule in self.ignore

    def to_json(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol.to_json(),
            "origin": self.origin,
            "span": list(self.span),
            "raw": self.raw,
            "ignore": list(self.ignore),
            "partial": self.partial,
            "also": [list(s) for s in self.also],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> DocSymbol:
        return cls(
            symbol=Symbol.from_json(d["symbol"]),
            origin=d["origin"],
            span=_span(d["span"]),
            raw=d.get("raw", ""),
            ignore=tuple(d.get("ignore", ())),
            partial=bool(d.get("partial", False)),
            also=tuple(_span(s) for s in d.get("also", ())),
        )


class DocRoute(FrozenRecord):
    """A route as a spec documents it (``route.path`` normalised, ``raw`` as written)."""

    __slots__ = ("also", "ignore", "origin", "raw", "route", "span")

    route: Route
    origin: RouteOrigin
    span: Span
    raw: str
    ignore: tuple[str, ...]
    also: tuple[Span, ...]

    def __init__(
        self,
        route: Route,
        origin: RouteOrigin,
        span: Span,
        raw: str,
        ignore: tuple[str, ...] = (),
        also: tuple[Span, ...] = (),
    ) -> None:
        set_field(self, "route", route)
        set_field(self, "origin", origin)
        set_field(self, "span", span)
        set_field(self, "raw", raw)
        set_field(self, "ignore", ignore)
        set_field(self, "also", also)

    @property
    def path(self) -> str:
        return self.route.location.path

    @property
    def line(self) -> int:
        return self.route.location.line

    @property
    def key(self) -> str:
        return self.route.key

    def ignores(self, rule: str) -> bool:
        return "all" in self.ignore or rule in self.ignore

    def to_json(self) -> dict[str, Any]:
        return {
            "route": self.route.to_json(),
            "origin": self.origin,
            "span": list(self.span),
            "raw": self.raw,
            "ignore": list(self.ignore),
            "also": [list(s) for s in self.also],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> DocRoute:
        return cls(
            route=Route.from_json(d["route"]),
            origin=d["origin"],
            span=_span(d["span"]),
            raw=d.get("raw", ""),
            ignore=tuple(d.get("ignore", ())),
            also=tuple(_span(s) for s in d.get("also", ())),
        )


class Criterion(FrozenRecord):
    """An acceptance criterion ``- [x] **AC-US1-01**: text``."""

    __slots__ = ("done", "id", "line", "text")

    id: str
    text: str
    done: bool
    line: int

    def __init__(self, id: str, text: str, done: bool, line: int) -> None:
        set_field(self, "id", id)
        set_field(self, "text", text)
        set_field(self, "done", done)
        set_field(self, "line", line)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "done": self.done, "line": self.line}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Criterion:
        return cls(id=d["id"], text=d["text"], done=bool(d["done"]), line=int(d["line"]))


class Story(FrozenRecord):
    """A user story ``### US-001: Title`` with its acceptance criteria.

    ``status`` comes from a ``**Status**:`` line in the story's section or, for a living
    docs story file (frontmatter ``id: US-001``), from the frontmatter; ``external`` holds
    tracker ids flattened to ``platform.key`` (``github.issue`` -> ``"618"``).
    """

    __slots__ = ("acceptance", "external", "id", "line", "status", "title")

    id: str
    title: str
    line: int
    acceptance: tuple[Criterion, ...]
    status: str | None
    external: dict[str, str]

    def __init__(
        self,
        id: str,
        title: str,
        line: int,
        acceptance: tuple[Criterion, ...] = (),
        status: str | None = None,
        external: dict[str, str] | None = None,
    ) -> None:
        set_field(self, "id", id)
        set_field(self, "title", title)
        set_field(self, "line", line)
        set_field(self, "acceptance", acceptance)
        set_field(self, "status", status)
        set_field(self, "external", {} if external is None else external)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "line": self.line,
            "acceptance": [c.to_json() for c in self.acceptance],
            "status": self.status,
            "external": dict(self.external),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Story:
        return cls(
            id=d["id"],
            title=d["title"],
            line=int(d["line"]),
            acceptance=tuple(Criterion.from_json(c) for c in d.get("acceptance", ())),
            status=d.get("status"),
            external=dict(d.get("external", {})),
        )


class Task(FrozenRecord):
    """A task ``### T-001: Title`` (``**Status**: [x]``) or ``- [x] **T-001**: Title``."""

    __slots__ = ("acceptance", "id", "line", "status", "title", "user_stories")

    id: str
    title: str
    line: int
    status: TaskStatus
    user_stories: tuple[str, ...]
    acceptance: tuple[str, ...]  # AC ids the task satisfies

    def __init__(
        self,
        id: str,
        title: str,
        line: int,
        status: TaskStatus = "unknown",
        user_stories: tuple[str, ...] = (),
        acceptance: tuple[str, ...] = (),
    ) -> None:
        set_field(self, "id", id)
        set_field(self, "title", title)
        set_field(self, "line", line)
        set_field(self, "status", status)
        set_field(self, "user_stories", user_stories)
        set_field(self, "acceptance", acceptance)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "line": self.line,
            "status": self.status,
            "user_stories": list(self.user_stories),
            "acceptance": list(self.acceptance),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Task:
        return cls(
            id=d["id"],
            title=d["title"],
            line=int(d["line"]),
            status=d.get("status", "unknown"),
            user_stories=tuple(d.get("user_stories", ())),
            acceptance=tuple(d.get("acceptance", ())),
        )


class SpecFile(FrozenRecord):
    """Everything one spec file says.

    ``frontmatter`` is JSON-safe (dates become ISO strings). ``code_globs`` are the
    frontmatter ``code:`` globs that tie this spec to code (the drift linker uses them to
    resolve ambiguous names). ``increment`` is the increment directory name for files under
    ``.specweave/increments/``; ``status`` and ``external`` come from the frontmatter and,
    for an increment's spec.md, from its metadata.json (which wins).
    """

    __slots__ = (
        "code_globs",
        "external",
        "frontmatter",
        "increment",
        "path",
        "routes",
        "status",
        "stories",
        "symbols",
        "tasks",
        "warnings",
    )

    path: str
    frontmatter: dict[str, Any]
    code_globs: tuple[str, ...]
    symbols: tuple[DocSymbol, ...]
    routes: tuple[DocRoute, ...]
    stories: tuple[Story, ...]
    tasks: tuple[Task, ...]
    warnings: tuple[Warning_, ...]
    increment: str | None
    status: str | None
    external: dict[str, str]

    def __init__(
        self,
        path: str,
        frontmatter: dict[str, Any] | None = None,
        code_globs: tuple[str, ...] = (),
        symbols: tuple[DocSymbol, ...] = (),
        routes: tuple[DocRoute, ...] = (),
        stories: tuple[Story, ...] = (),
        tasks: tuple[Task, ...] = (),
        warnings: tuple[Warning_, ...] = (),
        increment: str | None = None,
        status: str | None = None,
        external: dict[str, str] | None = None,
    ) -> None:
        set_field(self, "path", path)
        set_field(self, "frontmatter", {} if frontmatter is None else frontmatter)
        set_field(self, "code_globs", code_globs)
        set_field(self, "symbols", symbols)
        set_field(self, "routes", routes)
        set_field(self, "stories", stories)
        set_field(self, "tasks", tasks)
        set_field(self, "warnings", warnings)
        set_field(self, "increment", increment)
        set_field(self, "status", status)
        set_field(self, "external", {} if external is None else external)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "frontmatter": self.frontmatter,
            "code_globs": list(self.code_globs),
            "symbols": [s.to_json() for s in self.symbols],
            "routes": [r.to_json() for r in self.routes],
            "stories": [s.to_json() for s in self.stories],
            "tasks": [t.to_json() for t in self.tasks],
            "warnings": [w.to_json() for w in self.warnings],
            "increment": self.increment,
            "status": self.status,
            "external": dict(self.external),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SpecFile:
        return cls(
            path=d["path"],
            frontmatter=dict(d.get("frontmatter", {})),
            code_globs=tuple(d.get("code_globs", ())),
            symbols=tuple(DocSymbol.from_json(s) for s in d.get("symbols", ())),
            routes=tuple(DocRoute.from_json(r) for r in d.get("routes", ())),
            stories=tuple(Story.from_json(s) for s in d.get("stories", ())),
            tasks=tuple(Task.from_json(t) for t in d.get("tasks", ())),
            warnings=tuple(_warning_from_json(w) for w in d.get("warnings", ())),
            increment=d.get("increment"),
            status=d.get("status"),
            external=dict(d.get("external", {})),
        )


class IncrementMetadata(FrozenRecord):
    """What an increment's ``metadata.json`` says that specs care about."""

    __slots__ = ("external", "increment", "path", "status", "warnings")

    path: str
    increment: str
    status: str | None
    external: dict[str, str]
    warnings: tuple[Warning_, ...]

    def __init__(
        self,
        path: str,
        increment: str,
        status: str | None = None,
        external: dict[str, str] | None = None,
        warnings: tuple[Warning_, ...] = (),
    ) -> None:
        set_field(self, "path", path)
        set_field(self, "increment", increment)
        set_field(self, "status", status)
        set_field(self, "external", {} if external is None else external)
        set_field(self, "warnings", warnings)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "increment": self.increment,
            "status": self.status,
            "external": dict(self.external),
            "warnings": [w.to_json() for w in self.warnings],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> IncrementMetadata:
        return cls(
            path=d["path"],
            increment=d["increment"],
            status=d.get("status"),
            external=dict(d.get("external", {})),
            warnings=tuple(_warning_from_json(w) for w in d.get("warnings", ())),
        )


class SpecSurface(FrozenRecord):
    """Every spec file of a tree, in path order, with iterators over what they document."""

    __slots__ = ("files",)

    files: tuple[SpecFile, ...]

    def __init__(self, files: tuple[SpecFile, ...] = ()) -> None:
        set_field(self, "files", files)

    def file(self, path: str) -> SpecFile | None:
        return next((f for f in self.files if f.path == path), None)

    def symbols(self) -> Iterator[DocSymbol]:
        for f in self.files:
            yield from f.symbols

    def routes(self) -> Iterator[DocRoute]:
        for f in self.files:
            yield from f.routes

    def stories(self) -> Iterator[tuple[SpecFile, Story]]:
        for f in self.files:
            for s in f.stories:
                yield f, s

    def tasks(self) -> Iterator[tuple[SpecFile, Task]]:
        for f in self.files:
            for t in f.tasks:
                yield f, t

    def warnings(self) -> Iterator[Warning_]:
        for f in self.files:
            yield from f.warnings

    def to_json(self) -> dict[str, Any]:
        return {"files": [f.to_json() for f in self.files]}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SpecSurface:
        return cls(files=tuple(SpecFile.from_json(f) for f in d.get("files", ())))
