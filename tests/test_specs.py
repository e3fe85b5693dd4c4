"""Docs side, API documentation: headings, code blocks, mentions, tables, suppressions."""

from __future__ import annotations

import json

import pytest

from specweave_git.specs.model import SpecFile
from specweave_git.specs.parse import parse_spec

PATH = "docs/api.md"


def spec(text: str, path: str = PATH) -> SpecFile:
    return parse_spec(path, text)


def symbols(f: SpecFile) -> list[tuple[str, str, str, int, tuple[int, int]]]:
    return [(s.origin, s.symbol.kind, s.symbol.name, s.line, s.span) for s in f.symbols]


def routes(f: SpecFile) -> list[tuple[str, str, str, int]]:
    return [(r.origin, r.route.method, r.route.path, r.line) for r in f.routes]


def warnings(f: SpecFile) -> list[tuple[int, str]]:
    return [(w.line, w.message) for w in f.warnings]


# ---- routes: headings and mentions ---------------------------------------------------------

ROUTE_CASES = [
    ("## GET /api/users/:id\n", [("heading", "GET", "/api/users/{id}", 1)]),
    ("# T\n\n## `GET /api/users/:id`\n", [("heading", "GET", "/api/users/{id}", 3)]),
    ("## GET /api/users/:id — Fetch one user\n", [("heading", "GET", "/api/users/{id}", 1)]),
    ("## GET `/api/users/{id}`\n", [("heading", "GET", "/api/users/{id}", 1)]),
    ("GET /api/x\n==========\n", [("heading", "GET", "/api/x", 1)]),
    (
        "Use `DELETE /api/users/<int:id>` to remove.\n",
        [("mention", "DELETE", "/api/users/{id}", 1)],
    ),
    ("- one\n- call `PATCH /api/users/:id`\n", [("mention", "PATCH", "/api/users/{id}", 2)]),
    (
        "| Endpoint | What |\n|---|---|\n| `GET /a` | list |\n| `POST /a` | create |\n",
        [("mention", "GET", "/a", 3), ("mention", "POST", "/a", 4)],
    ),
    (
        "A paragraph\nthat spans\nthree lines with `PUT /api/x/:id`.\n",
        [("mention", "PUT", "/api/x/{id}", 3)],
    ),
    ("`GET /api/users?limit=10`\n", [("mention", "GET", "/api/users", 1)]),
    ("`GET /api/users/:id?`\n", [("mention", "GET", "/api/users/{id}", 1)]),
    ("`GET /api/health HTTP/1.1`\n", [("mention", "GET", "/api/health", 1)]),
    # not routes: lower-case method, no leading slash, not in a code span, a heading in prose
    ("`get /api/users`\n", []),
    ("`GET users`\n", []),
    ("GET /api/users in plain prose\n", []),
    ("## Getting started\n\n## get /x\n", []),
    # inside a fence: neither a heading nor a mention
    ("```md\n## GET /in/fence\nsee `GET /in/fence`\n```\n", []),
    ("```\nGET /raw\n```\n\n    GET /indented/code\n", []),
]


@pytest.mark.parametrize(("text", "expected"), ROUTE_CASES)
def test_routes(text: str, expected: list[tuple[str, str, str, int]]) -> None:
    assert routes(spec(text)) == expected


def test_mention_of_a_heading_route_is_not_a_second_route() -> None:
    f = spec("## GET /api/users/:userId\n\nReturns one user; see `GET /api/users/:id`.\n")
    assert routes(f) == [("heading", "GET", "/api/users/{userId}", 1)]
    assert f.routes[0].also == ((3, 3),)


def test_repeated_mentions_keep_the_first_and_list_the_others() -> None:
    f = spec("`GET /a`\n\n- `GET /a`\n- `POST /a`\n")
    assert routes(f) == [("mention", "GET", "/a", 1), ("mention", "POST", "/a", 4)]
    assert f.routes[0].also == ((3, 3),)
    assert f.routes[0].raw == "GET /a"


# ---- symbols: headings ----------------------------------------------------------------------

HEADING_CASES = [
    ("### createUser(name: string): User\n", [("heading", "function", "createUser", 1, (1, 1))]),
    ("### `createUser(name: string): User`\n", [("heading", "function", "createUser", 1, (1, 1))]),
    ("### `getUser(id)` — fetch one\n", [("heading", "function", "getUser", 1, (1, 1))]),
    ("### function createUser(name)\n", [("heading", "function", "createUser", 1, (1, 1))]),
    ("### create_user(name: str) -> User\n", [("heading", "function", "create_user", 1, (1, 1))]),
    ("### def create_user(name)\n", [("heading", "function", "create_user", 1, (1, 1))]),
    ("### interface User\n", [("heading", "interface", "User", 1, (1, 1))]),
    ("### `interface User`\n", [("heading", "interface", "User", 1, (1, 1))]),
    ("### type UserId\n", [("heading", "type", "UserId", 1, (1, 1))]),
    ("### class UserService\n", [("heading", "class", "UserService", 1, (1, 1))]),
    ("### enum Role\n", [("heading", "enum", "Role", 1, (1, 1))]),
    ("### class Repo(Base)\n", [("heading", "class", "Repo", 1, (1, 1))]),
    # titles, not API
    ("## Overview\n", []),
    ("## Installation (optional)\n", []),
    ("## Setup(Linux)\n", []),
    ("### class diagram of the system\n", []),
    ("### type safety\n", []),
    ("### Type Safety\n", []),
    ("### US-001: Create users (P1)\n", []),
    ("### T-001: createUser(name) helper\n", []),
]


@pytest.mark.parametrize(("text", "expected"), HEADING_CASES)
def test_heading_symbols(
    text: str, expected: list[tuple[str, str, str, int, tuple[int, int]]]
) -> None:
    assert symbols(spec(text)) == expected


def test_heading_signature_is_parsed_by_the_analyzer() -> None:
    f = spec("# API\n\n### createUser(name: string, age?: number): Promise<User>\n")
    sym = f.symbols[0].symbol
    assert [(p.name, p.type, p.optional) for p in sym.params] == [
        ("name", "string", False),
        ("age", "number", True),
    ]
    assert sym.returns == "Promise<User>"
    assert sym.location.path == PATH
    assert f.symbols[0].partial is False


def test_python_heading_signature() -> None:
    f = spec("### create_user(name: str, *, admin: bool = False) -> User\n")
    sym = f.symbols[0].symbol
    assert sym.language == "python"
    assert [(p.name, p.kind, p.default) for p in sym.params] == [
        ("name", "normal", None),
        ("admin", "keyword-only", "False"),
    ]
    assert sym.returns == "User"


@pytest.mark.parametrize(
    ("frontmatter", "language"),
    [("language: python\n", "python"), ("language: typescript\n", "ts"), ("", "ts")],
)
def test_frontmatter_language_decides_ambiguous_heading_signatures(
    frontmatter: str, language: str
) -> None:
    text = f"---\n{frontmatter}---\n### make(x)\n" if frontmatter else "### make(x)\n"
    assert spec(text).symbols[0].symbol.language == language


def test_name_only_heading_is_partial() -> None:
    f = spec("### interface User\n\nA user of the system.\n")
    assert f.symbols[0].partial is True
    assert f.symbols[0].symbol.fields == ()


# ---- symbols: fenced code blocks ---------------------------------------------------------------

FENCE_CASES = [
    (
        "# T\n\n```ts\nfunction createUser(name: string): User {\n  return x;\n}\n```\n",
        [("codeblock", "function", "createUser", 4, (4, 6))],
    ),
    (
        "```typescript\nexport interface User {\n  id: string;\n}\ntype Id = string;\n```\n",
        [
            ("codeblock", "interface", "User", 2, (2, 4)),
            ("codeblock", "type", "Id", 5, (5, 5)),
        ],
    ),
    (
        "```js\nclass UserService {\n  create(name) {}\n}\n```\n",
        [("codeblock", "class", "UserService", 2, (2, 4))],
    ),
    (
        "```tsx\nenum Role { Admin, Member }\n```\n",
        [("codeblock", "enum", "Role", 2, (2, 2))],
    ),
    (
        "```python\n@dataclass\nclass User:\n    id: str\n\n"
        "def get_user(id: str) -> User: ...\n```\n",
        [
            ("codeblock", "class", "User", 3, (2, 4)),
            ("codeblock", "function", "get_user", 6, (6, 6)),
        ],
    ),
    # usage examples declare nothing
    ("```ts\nconst user = await createUser('bob');\n```\n", []),
    ("```python\nuser = create_user('bob')\n```\n", []),
    (
        "```ts\nexport const MAX_USERS: number = 10;\n```\n",
        [("codeblock", "const", "MAX_USERS", 2, (2, 2))],
    ),
    # no language, or a language we do not analyse
    ("```\nfunction f(): void {}\n```\n", []),
    ("```bash\nfunction f() { echo; }\n```\n", []),
    # an indented fence inside a list item keeps the file's line numbers
    (
        "- step one\n\n  ```ts\n  function f(a: string): void {}\n  ```\n",
        [("codeblock", "function", "f", 4, (4, 4))],
    ),
]


@pytest.mark.parametrize(("text", "expected"), FENCE_CASES)
def test_fenced_code_symbols(
    text: str, expected: list[tuple[str, str, str, int, tuple[int, int]]]
) -> None:
    assert symbols(spec(text)) == expected


def test_fenced_declaration_has_its_analyzer_detail() -> None:
    f = spec("```ts\ninterface User {\n  id: string;\n  nick?: string;\n}\n```\n")
    fields = [(x.name, x.type, x.optional) for x in f.symbols[0].symbol.fields]
    assert fields == [("id", "string", False), ("nick", "string", True)]
    assert f.symbols[0].raw == "interface User {\n  id: string;\n  nick?: string;\n}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "```js\nrouter.get('/api/users/:id', getUser);\napp.post('/api/users', create);\n```\n",
            [("codeblock", "GET", "/api/users/{id}", 2), ("codeblock", "POST", "/api/users", 3)],
        ),
        (
            "# API\n\n```python\n@app.get('/items/{item_id}')\n"
            "def read_item(item_id: int): ...\n```\n",
            [("codeblock", "GET", "/items/{item_id}", 4)],
        ),
        (
            "```python\n@bp.route('/items/<int:id>', methods=['PUT'])\ndef put(id): ...\n```\n",
            [("codeblock", "PUT", "/items/{id}", 2)],
        ),
    ],
)
def test_fenced_code_routes(text: str, expected: list[tuple[str, str, str, int]]) -> None:
    assert routes(spec(text)) == expected


def test_syntax_error_in_a_code_block_is_a_warning_at_its_line() -> None:
    f = spec("# T\n\n```ts\nexport const x = 1;\nfunction broken(\n```\n")
    assert [line for line, _ in warnings(f)] == [5]
    assert "code block" in f.warnings[0].message
    assert symbols(f) == [("codeblock", "const", "x", 4, (4, 4))]


# ---- heading + detail ------------------------------------------------------------------------


def test_heading_followed_by_its_declaration_is_one_item() -> None:
    text = "### interface User\n\nThe user.\n\n```ts\ninterface User {\n  id: string;\n}\n```\n"
    f = spec(text)
    assert symbols(f) == [("codeblock", "interface", "User", 6, (6, 8))]
    assert f.symbols[0].also == ((1, 1),)
    assert f.symbols[0].partial is False


def test_heading_followed_by_an_unrelated_block_stays_a_heading() -> None:
    text = "### interface User\n\n```ts\nconst u: User = load();\n```\n"
    assert symbols(spec(text)) == [("heading", "interface", "User", 1, (1, 1))]


TABLE = """### type User

| Field | Type | Required | Description |
|-------|------|----------|-------------|
| `id` | `string` | yes | key |
| `email` | `string \\| null` | no | |
| nick? | string | | |
| readonly `createdAt` | `Date` | ✓ | |
"""


def test_heading_followed_by_a_field_table() -> None:
    f = spec(TABLE)
    doc = f.symbols[0]
    assert (doc.origin, doc.symbol.kind, doc.symbol.name, doc.line, doc.span) == (
        "table",
        "type",
        "User",
        1,
        (3, 8),
    )
    assert [(x.name, x.type, x.optional, x.readonly) for x in doc.symbol.fields] == [
        ("id", "string", False, False),
        ("email", "string | null", True, False),
        ("nick", "string", True, False),
        ("createdAt", "Date", False, True),
    ]
    assert doc.raw.startswith("| Field | Type |")
    assert f.warnings == ()


def test_table_with_optional_column_and_no_name_column() -> None:
    f = spec("### interface A\n\n| name | type | optional |\n|--|--|--|\n| a | string | yes |\n")
    assert [(x.name, x.optional) for x in f.symbols[0].symbol.fields] == [("a", True)]
    g = spec("### interface A\n\n| Status | Meaning |\n|--|--|\n| 1 | ok |\n")
    assert (g.symbols[0].origin, g.symbols[0].partial) == ("heading", True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "| a | b |\n|---|---|\n| 1 | 2 | 3 |\n",
            [(3, "broken table: this row has 3 cells, the header 2")],
        ),
        (
            "x\n\n| a | b |\n|---|---|\n| 1 |\n| 1 | 2 |\n",
            [(5, "broken table: this row has 1 cells, the header 2")],
        ),
        (
            "intro\n\n| a | b | c |\n|---|---|\n| 1 | 2 | 3 |\n",
            [(3, "broken table: the header has 3 cells, the delimiter row 2; not read as a table")],
        ),
        ("| a \\| b | c |\n|---|---|\n| 1 | 2 |\n", []),
        ("| a | b |\n|---|---|\n| 1 | 2 |\n", []),
    ],
)
def test_broken_tables_are_warnings(text: str, expected: list[tuple[int, str]]) -> None:
    f = spec(text)
    assert warnings(f) == expected
    assert f.symbols == ()


def test_broken_field_table_still_reads_its_fields_and_warns() -> None:
    f = spec("### interface A\n\n| name | type |\n|--|--|\n| a | string | extra |\n| b |\n")
    assert warnings(f) == [(5, "broken table: this row has 3 cells, the header 2")]
    assert [x.name for x in f.symbols[0].symbol.fields] == ["a", "b"]


# ---- suppressions ------------------------------------------------------------------------------

SUPPRESSION_CASES = [
    ("<!-- specweave-git: ignore route-missing -->\n## GET /a\n", [("GET /a", ("route-missing",))]),
    (
        "<!-- specweave-git: ignore -->\n## GET /a\n\n## GET /b\n",
        [("GET /a", ("all",)), ("GET /b", ())],
    ),
    (
        "<!-- specweave-git: ignore route-missing, route-param-renamed -->\n\n`GET /a`\n",
        [("GET /a", ("route-missing", "route-param-renamed"))],
    ),
    (
        "Text <!-- specweave-git: ignore route-missing --> then `GET /a` and `GET /b`.\n",
        [
            ("GET /a", ("route-missing",)),
            ("GET /b", ()),
        ],
    ),
    # a comment after the item does not apply to it
    ("## GET /a\n<!-- specweave-git: ignore -->\n", [("GET /a", ())]),
    # a comment inside a fence is code, not a suppression
    ("```md\n<!-- specweave-git: ignore -->\n```\n## GET /a\n", [("GET /a", ())]),
    # other comments are not suppressions
    ("<!-- TODO: ignore this -->\n## GET /a\n", [("GET /a", ())]),
]


@pytest.mark.parametrize(("text", "expected"), SUPPRESSION_CASES)
def test_route_suppressions(text: str, expected: list[tuple[str, tuple[str, ...]]]) -> None:
    f = spec(text)
    assert [(f"{r.route.method} {r.route.path}", r.ignore) for r in f.routes] == expected


def test_suppression_before_a_code_block_covers_its_symbols() -> None:
    text = (
        "<!-- specweave-git: ignore symbol-missing -->\n"
        "```ts\ninterface A { a: string }\ninterface B { b: string }\n```\n\n"
        "```ts\ninterface C {}\n```\n"
    )
    f = spec(text)
    assert [(s.symbol.name, s.ignore) for s in f.symbols] == [
        ("A", ("symbol-missing",)),
        ("B", ("symbol-missing",)),
        ("C", ()),
    ]
    assert f.symbols[0].ignores("symbol-missing") and not f.symbols[0].ignores("param-removed")


def test_suppression_before_heading_applies_to_the_merged_declaration() -> None:
    text = (
        "<!-- specweave-git: ignore field-removed -->\n"
        "### interface U\n\n```ts\ninterface U {}\n```\n"
    )
    f = spec(text)
    assert [(s.origin, s.ignore) for s in f.symbols] == [("codeblock", ("field-removed",))]


# ---- lines: CRLF, frontmatter -------------------------------------------------------------------

DOC = """---
title: Users
---

# Users API

## GET /api/users/:id

```ts
function getUser(id: string): User;
```

See `POST /api/users`.
"""


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_numbers_do_not_depend_on_newlines(newline: str) -> None:
    f = spec(DOC.replace("\n", newline))
    assert routes(f) == [
        ("heading", "GET", "/api/users/{id}", 7),
        ("mention", "POST", "/api/users", 13),
    ]
    assert symbols(f) == [("codeblock", "function", "getUser", 10, (10, 10))]
    assert f.frontmatter == {"title": "Users"}


def test_byte_order_mark_is_ignored() -> None:
    f = spec("\ufeff" + DOC)
    assert f.frontmatter == {"title": "Users"}
    assert routes(f)[0][3] == 7


def test_spec_file_round_trips_through_json() -> None:
    f = spec(DOC + TABLE + "\n<!-- specweave-git: ignore -->\n`DELETE /x`\n")
    again = SpecFile.from_json(json.loads(json.dumps(f.to_json())))
    assert again == f
    assert len(f.symbols) == 2 and len(f.routes) == 3


# ---- never a crash -------------------------------------------------------------------------------

NASTY = [
    "",
    "\n",
    "#",
    "---",
    "---\n---",
    "```ts\nfunction f(a: string): void {}\n",  # a fence never closed runs to the end
    "```ts\nfunction (\n```",
    "```python\ndef f(:\n```",
    "```ts\n\x00\x01\x02\n```",
    "| |\n|-|\n",
    "<!-- specweave-git: ignore",
    "### `",
    "## GET /",
    "### f(",
    "### interface",
    "### ()",
    "### US-001:",
    "- [x] **AC-US1-01**",
    "### T-001:\n**Status**:",
    "- " * 60 + "`GET /deep`",
    "> " * 40 + "## GET /quoted",
    "```ts\nexport * from './x';\nexport { a as b } from './y';\nexport default class {}\n```",
    "```js\nmodule.exports = { f() {} };\n```",
]


@pytest.mark.parametrize("text", NASTY)
def test_bad_input_never_raises(text: str) -> None:
    f = spec(text)
    n = text.count("\n") + 1
    assert all(1 <= w.line <= n + 1 and w.path == PATH for w in f.warnings)
    assert all(1 <= s.span[0] <= s.span[1] <= n for s in f.symbols)
    assert all(1 <= r.span[0] <= n for r in f.routes)
