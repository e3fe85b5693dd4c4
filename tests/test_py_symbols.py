"""Python public symbols: signatures, class fields/members, exports through ``__all__``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from specweave_git.code import py_analyzer
from specweave_git.model import Param, Signature, Symbol

FIXTURES = Path(__file__).parent / "fixtures"


def symbols(files: dict[str, str]) -> list[Symbol]:
    facts = {p: py_analyzer.analyze(p, s.encode(), "python") for p, s in files.items()}
    facts = json.loads(json.dumps(facts))  # what the cache gives back
    syms, _, _ = py_analyzer.link(facts, {})
    return syms


def _param(p: Param) -> str:
    star = {"var-positional": "*", "var-keyword": "**"}.get(p.kind, "")
    out = star + p.name + (f": {p.type}" if p.type else "")
    if p.default is not None:
        out += f" = {p.default}"
    elif p.optional and not p.rest:
        out += "?"
    return out


def _sig(s: Signature) -> str:
    parts: list[str] = []
    kinds = [p.kind for p in s.params]
    for i, p in enumerate(s.params):
        if p.kind == "keyword-only" and "var-positional" not in kinds and "*" not in parts:
            parts.append("*")
        parts.append(_param(p))
        if p.kind == "positional-only" and (i + 1 == len(kinds) or kinds[i + 1] != p.kind):
            parts.append("/")
    return f"({', '.join(parts)})" + (f" -> {s.returns}" if s.returns else "")


def render(sym: Symbol) -> set[str]:
    """One line per signature, field and member: easy to read in a table."""
    out = {f"{sym.kind} {sym.name}{_sig(s)}" for s in sym.signatures} or {f"{sym.kind} {sym.name}"}
    for f in sym.fields:
        flags = ("?" if f.optional else "") + (" ro" if f.readonly else "")
        default = f" = {f.default}" if f.default is not None else ""
        out.add(f"{sym.name}.{f.name}{flags}: {f.type}{default}")
    for m in sym.members:
        out |= {f"{sym.name}.{line}" for line in render(m)}
    return out


def rendered(files: dict[str, str]) -> set[str]:
    return {line for s in symbols(files) for line in render(s)}


SIGNATURES = [
    ("def f(a, b=1): ...", {"function f(a, b = 1)"}, "plain"),
    (
        "def f(a: int, /, b: str = 'x', *args: int, c, d: bool = False, **kw: Any) -> int: ...",
        {"function f(a: int, /, b: str = 'x', *args: int, c, d: bool = False, **kw: Any) -> int"},
        "all-kinds",
    ),
    ("def f(a, *, b, c=None): ...", {"function f(a, *, b, c = None)"}, "keyword-only"),
    ("def f(a, b, /): ...", {"function f(a, b, /)"}, "positional-only"),
    (
        "async def f(x: Dict[\n    str,\n    int,\n]) -> Optional[  'User'  ]: ...",
        {"function f(x: Dict[str, int]) -> Optional['User']"},
        "async-and-whitespace-normalised",
    ),
    ("def f(x: 'User') -> \"User\": ...", {"function f(x: User) -> User"}, "forward-reference"),
    (
        "from typing import overload\n@overload\ndef f(a: int) -> int: ...\n"
        "@overload\ndef f(a: str) -> str: ...\ndef f(a): return a\n",
        {"function f(a: int) -> int", "function f(a: str) -> str"},
        "overloads",
    ),
    (
        "import functools\n@functools.lru_cache(maxsize=None)\n@app.get('/x')\n"
        "def f(q: int = 1) -> str: ...",
        {"function f(q: int = 1) -> str"},
        "decorated-keeps-own-signature",
    ),
    ("def _private(): ...\nclass _Hidden: ...\nx = 1\n", set(), "private-and-constants-skipped"),
    (
        "try:\n    from fast import speedup\nexcept ImportError:\n    def speedup(x): ...\n"
        "if True:\n    class Late: ...\n",
        {"function speedup(x)", "class Late()"},
        "definitions-in-blocks",
    ),
]


@pytest.mark.parametrize(
    ("source", "expected"), [c[:2] for c in SIGNATURES], ids=[c[2] for c in SIGNATURES]
)
def test_function_signatures(source: str, expected: set[str]) -> None:
    assert rendered({"m.py": source}) == expected


CLASSES = [
    (
        "from dataclasses import dataclass, field, KW_ONLY, InitVar\nfrom typing import ClassVar\n"
        "@dataclass(frozen=True)\nclass P:\n    x: int\n    y: str = 'a'\n"
        "    tags: list[str] = field(default_factory=list)\n"
        "    hidden: int = field(default=0, init=False)\n"
        "    count: ClassVar[int] = 0\n    seed: InitVar[int] = 1\n"
        "    _: KW_ONLY\n    flag: bool = False\n",
        {
            "class P(x: int, y: str = 'a', tags: list[str] = <factory>, seed: int = 1, "
            "*, flag: bool = False)",
            "P.x ro: int",
            "P.y? ro: str = 'a'",
            "P.tags? ro: list[str] = <factory>",
            "P.hidden? ro: int = 0",
            "P.flag? ro: bool = False",
        },
        "dataclass",
    ),
    (
        "import dataclasses\n@dataclasses.dataclass(kw_only=True)\nclass Base:\n    a: int\n"
        "@dataclasses.dataclass\nclass Child(Base):\n    b: str = ''\n"
        "class Plain(Base):\n    c: int = 3\n",
        {
            "class Base(*, a: int)",
            "Base.a: int",
            "class Child(b: str = '', *, a: int)",
            "Child.a: int",
            "Child.b?: str = ''",
            "class Plain(*, a: int)",
            "Plain.a: int",
            "Plain.c?: int = 3",
        },
        "dataclass-inheritance-and-kw-only",
    ),
    (
        "import attrs, attr\n@attrs.define\nclass A:\n    x: int\n    _y: int = 0\n"
        "@attr.s\nclass B:\n    z = attr.ib(default=1)\n",
        {"class A(x: int, y: int = 0)", "A.x: int", "class B(z = 1)", "B.z?: None = 1"},
        "attrs",
    ),
    (
        "from typing import TypedDict, NotRequired, Required\n"
        "class Movie(TypedDict, total=False):\n    title: Required[str]\n    year: int\n"
        "class Book(TypedDict):\n    title: str\n    isbn: NotRequired[str]\n",
        {
            "interface Movie",
            "Movie.title: str",
            "Movie.year?: int",
            "interface Book",
            "Book.title: str",
            "Book.isbn?: str",
        },
        "typeddict",
    ),
    (
        "from typing import Optional\nfrom pydantic import BaseModel, Field\n"
        "class UserBase(BaseModel):\n    email: str\n    name: Optional[str]\n"
        "    age: int | None = None\n    score: float = Field(0.5, ge=0)\n"
        "    ident: str = Field(..., min_length=3)\n    _cache: dict = {}\n"
        "    model_config = {'extra': 'forbid'}\n"
        "class UserCreate(UserBase):\n    password: str\n",
        {
            "class UserBase(*, email: str, name: Optional[str]?, age: int | None = None, "
            "score: float = 0.5, ident: str)",
            "UserBase.email: str",
            "UserBase.name?: Optional[str]",
            "UserBase.age?: int | None = None",
            "UserBase.score?: float = 0.5",
            "UserBase.ident: str",
            "class UserCreate(*, email: str, name: Optional[str]?, age: int | None = None, "
            "score: float = 0.5, ident: str, password: str)",
            "UserCreate.email: str",
            "UserCreate.name?: Optional[str]",
            "UserCreate.age?: int | None = None",
            "UserCreate.score?: float = 0.5",
            "UserCreate.ident: str",
            "UserCreate.password: str",
        },
        "pydantic-models-and-inheritance",
    ),
    (
        "from typing import NamedTuple\nclass Pt(NamedTuple):\n    x: float\n    y: float = 0.0\n",
        {"class Pt(x: float, y: float = 0.0)", "Pt.x: float", "Pt.y?: float = 0.0"},
        "namedtuple",
    ),
    (
        "from typing import Protocol\n"
        "class Store(Protocol):\n    def get(self, k: str) -> str: ...\n",
        {"interface Store", "Store.method get(k: str) -> str"},
        "protocol",
    ),
    (
        "import enum\nclass Color(enum.Enum):\n    RED = 'red'\n    BLUE = 'blue'\n"
        "    def label(self) -> str: ...\n",
        {
            "enum Color",
            "Color.RED ro: None = 'red'",
            "Color.BLUE ro: None = 'blue'",
            "Color.method label() -> str",
        },
        "enum",
    ),
    (
        "from typing import overload\nclass Svc:\n    limit: int = 5\n"
        "    def __init__(self, db, /, *, timeout: float = 1.0) -> None: ...\n"
        "    def run(self, n: int) -> None: ...\n    async def arun(self): ...\n"
        "    @staticmethod\n    def make(a): ...\n    @classmethod\n    def build(cls, b): ...\n"
        "    @property\n    def name(self) -> str: ...\n"
        "    @property\n    def size(self) -> int: ...\n"
        "    @size.setter\n    def size(self, v): ...\n"
        "    def _hidden(self): ...\n    def __repr__(self): ...\n"
        "    @overload\n    def get(self, k: int) -> int: ...\n"
        "    @overload\n    def get(self, k: str) -> str: ...\n    def get(self, k): ...\n",
        {
            "class Svc(db, /, *, timeout: float = 1.0) -> None",
            "Svc.limit?: int = 5",
            "Svc.name ro: str",
            "Svc.size: int",
            "Svc.method run(n: int) -> None",
            "Svc.method arun()",
            "Svc.method make(a)",
            "Svc.method build(b)",
            "Svc.method get(k: int) -> int",
            "Svc.method get(k: str) -> str",
        },
        "plain-class-init-methods-properties",
    ),
    (
        "class E(Exception):\n    pass\nclass Empty:\n    pass\n",
        {"class E", "class Empty()"},
        "constructor-unknown-vs-empty",
    ),
]


@pytest.mark.parametrize(
    ("source", "expected"), [c[:2] for c in CLASSES], ids=[c[2] for c in CLASSES]
)
def test_classes(source: str, expected: set[str]) -> None:
    assert rendered({"m.py": source}) == expected


EXPORTS = [
    (
        {"pkg/__init__.py": "from .models import User\n", "pkg/models.py": "class User: ...\n"},
        {("User", "pkg/models.py", "pkg/models.py")},
        "import-without-all-reported-at-definition",
    ),
    (
        {
            "pkg/__init__.py": "from .models import User, Item as Thing\n"
            "__all__ = ['User', 'Thing']\n",
            "pkg/models.py": "class User: ...\nclass Item: ...\n",
        },
        {
            ("User", "pkg/models.py", "pkg/__init__.py"),
            ("Thing", "pkg/models.py", "pkg/__init__.py"),
            ("Item", "pkg/models.py", "pkg/models.py"),
        },
        "all-re-export-wins-once",
    ),
    (
        {
            "m.py": "__all__ = ('a',)\n__all__ += ['_b']\n__all__.append('C')\n"
            "def a(): ...\ndef _b(): ...\nclass C: ...\ndef d(): ...\n"
        },
        {("a", "m.py", "m.py"), ("_b", "m.py", "m.py"), ("C", "m.py", "m.py")},
        "all-forms-win-over-underscore",
    ),
    (
        {
            "src/lib/__init__.py": "from lib._impl import run\nfrom lib import sub\n"
            "__all__ = ['run', 'sub', 'VERSION']\nVERSION = '1'\n",
            "src/lib/_impl.py": "__all__ = ['run']\ndef run(x): ...\ndef helper(): ...\n",
            "src/lib/sub.py": "def s(): ...\n",
        },
        {
            ("run", "src/lib/_impl.py", "src/lib/__init__.py"),
            ("s", "src/lib/sub.py", "src/lib/sub.py"),
        },
        "src-layout-absolute-import-modules-and-constants-skipped",
    ),
    (
        {
            "pkg/__init__.py": "from .a import *\n__all__ = ['f']\n",
            "pkg/a.py": "def f(): ...\ndef _g(): ...\n",
        },
        {("f", "pkg/a.py", "pkg/__init__.py")},
        "star-import-re-export",
    ),
    (
        {"m.py": "def f(x): ...\n", "m.pyi": "def f(x: int) -> str: ...\n"},
        {("f", "m.pyi", "m.pyi")},
        "stub-is-the-declared-api",
    ),
]


@pytest.mark.parametrize(
    ("files", "expected"), [c[:2] for c in EXPORTS], ids=[c[2] for c in EXPORTS]
)
def test_exports(files: dict[str, str], expected: set[tuple[str, str, str]]) -> None:
    syms = symbols(files)
    assert {(s.name, s.location.path, s.exported_from) for s in syms} == expected
    assert len(syms) == len(expected)


def test_syntax_error_keeps_readable_definitions() -> None:
    facts = py_analyzer.analyze("m.py", b"def ok(a: int) -> int: ...\nclass X(:\n", "python")
    syms, _, warnings = py_analyzer.link({"m.py": facts}, {})
    assert "function ok(a: int) -> int" in {line for s in syms for line in render(s)}
    assert [w.render() for w in warnings] == ["m.py:2: syntax error; read what could be read"]


def test_symbols_json_round_trip_and_locations() -> None:
    syms = symbols({"a/b.py": "\n\nclass K:\n    def m(self, x=1): ...\n"})
    assert [(s.name, s.location.line, s.language, s.members[0].location.line) for s in syms] == [
        ("K", 3, "python", 4)
    ]
    assert Symbol.from_json(syms[0].to_json()) == syms[0]


def test_fastapi_fixture_models() -> None:
    root = FIXTURES / "fastapi-app"
    files = {p.relative_to(root).as_posix(): p.read_text() for p in root.rglob("models.py")}
    assert rendered(files) == {
        "class UserBase(*, email: EmailStr, full_name: Optional[str] = None, "
        "is_active: bool = True)",
        "UserBase.email: EmailStr",
        "UserBase.full_name?: Optional[str] = None",
        "UserBase.is_active?: bool = True",
        "class UserCreate(*, email: EmailStr, full_name: Optional[str] = None, "
        "is_active: bool = True, password: str)",
        "UserCreate.email: EmailStr",
        "UserCreate.full_name?: Optional[str] = None",
        "UserCreate.is_active?: bool = True",
        "UserCreate.password: str",
        "class UserPublic(*, email: EmailStr, full_name: Optional[str] = None, "
        "is_active: bool = True, id: int)",
        "UserPublic.email: EmailStr",
        "UserPublic.full_name?: Optional[str] = None",
        "UserPublic.is_active?: bool = True",
        "UserPublic.id: int",
    }
