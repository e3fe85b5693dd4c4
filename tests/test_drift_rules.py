"""Every drift rule as a table row: code before, code after, the spec, the findings expected.

Each row is a real repository: the *before* code and its spec are committed, the *after*
files are staged and checked with ``check --staged``, then committed and checked again as
the range ``--base HEAD~1``. Both scopes must report exactly the expected
``(rule, severity)`` pairs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from specweave_git.cli.main import main
from specweave_git.drift.model import RULES

from .conftest import Repo

SPEC = ".specweave/increments/0001-x/spec.md"
DOCS = "docs/api.md"
Files = dict[str, "str | None"]  # None deletes the file
Pair = tuple[str, str]  # (rule, severity)


@dataclass(frozen=True)
class Base:
    """One example project: its language, its code and the spec documenting that code."""

    language: str
    files: Files
    spec: str
    spec_path: str = SPEC

    def edit(self, path: str, old: str, new: str) -> Files:
        """The file at ``path`` with one text replaced (which must be there)."""
        text = self.files[path]
        assert text is not None and old in text, (path, old)
        return {path: text.replace(old, new)}


def row(id: str, base: Base, after: Files, *expected: Pair, before: Files | None = None) -> Any:
    files_before = {**base.files, **(before or {})}
    return pytest.param(base.language, files_before, after, base.spec, set(expected), id=id)


# ---------------------------------------------------------------- TypeScript (Express)

TS_APP = """import express from "express";
import { usersRouter } from "./routes/users";

const app = express();
app.use("/api", usersRouter);
"""

TS_ROUTES = """import { Router } from "express";
import { createUser, getUser } from "../services/users";

export const usersRouter = Router();

usersRouter.get("/users/:id", (req, res) => res.json(getUser(req.params.id)));
usersRouter.put("/users/:id", (req, res) => res.json(createUser(req.body.name, 1)));
"""

TS_SVC = """export interface User {
  id: string;
  name: string;
  role: "admin" | "member";
}

export function createUser(name: string, age: number): User {
  return { id: "1", name, role: "member" };
}

export function getUser(id: string): User | undefined {
  return undefined;
}

export function listUsers(limit: number | null): User[] {
  return [];
}

export class UserService {
  constructor(db: string) {}
}
"""

TS_SPEC = """# Users API

## GET /api/users/:id

Returns one user.

## PUT /api/users/:id

Replaces a user.

### createUser(name: string, age: number): User

### getUser(id: string): User | undefined

### class UserService

```ts
interface User {
  id: string;
  name: string;
  role: "admin" | "member";
}
```
"""

TS = Base(
    "ts",
    {"src/app.ts": TS_APP, "src/routes/users.ts": TS_ROUTES, "src/services/users.ts": TS_SVC},
    TS_SPEC,
)
TS_R, TS_S = "src/routes/users.ts", "src/services/users.ts"
CREATE = "createUser(name: string, age: number): User {"
ROLE = '  role: "admin" | "member";\n'
GET_ROUTE = 'get("/users/:id", (req, res) => res.json(getUser(req.params.id)))'
GET_USER = "export function getUser(id: string): User | undefined {\n  return undefined;\n}\n"
LEGACY = {
    "src/legacy/users.ts": "export function createUser(name: string): string {\n  return name;\n}\n"
}
TOUCH_ROUTES = TS.edit(TS_R, "getUser(req.params.id)", "getUser(String(req.params.id))")


def ts_create(signature: str) -> Files:
    return TS.edit(TS_S, CREATE, f"createUser({signature} {{")


def ts_add(code: str) -> Files:
    return TS.edit(TS_S, "export class", f"{code}\n\nexport class")


# fmt: off
TS_ROWS = [
    # routes
    row("ts-route-unresolved", TS,
        TS.edit("src/app.ts", 'app.use("/api", usersRouter);',
                "app.use(process.env.API_PREFIX, usersRouter);"),
        ("route-unresolved", "minor")),
    row("ts-route-documentation-removed", TS,
        {SPEC: TS_SPEC.replace("## PUT /api/users/:id\n\nReplaces a user.\n", "")},
        ("route-undocumented", "major")),
    row("ts-symbol-documentation-removed", TS,
        {SPEC: TS_SPEC.replace("### getUser(id: string): User | undefined\n", "")},
        ("symbol-undocumented", "major")),
    row("ts-route-missing", TS, TS.edit(TS_R, TS_ROUTES.splitlines()[-1], ""),
        ("route-missing", "breaking")),
    row("ts-route-unimplemented", TS, {SPEC: TS_SPEC + "\n## DELETE /api/users/:id\n"},
        ("route-unimplemented", "major")),
    row("ts-route-undocumented", TS,
        TS.edit(TS_R, "usersRouter.put(",
                'usersRouter.delete("/users/:id", (req, res) => res.end());\nusersRouter.put('),
        ("route-undocumented", "major")),
    row("ts-route-method-changed", TS, TS.edit(TS_R, "usersRouter.put(", "usersRouter.patch("),
        ("route-method-changed", "breaking")),
    row("ts-route-param-renamed", TS,
        TS.edit(TS_R, GET_ROUTE, GET_ROUTE.replace("id", "userId")),
        ("route-param-renamed", "trivial")),
    # symbols
    row("ts-symbol-missing", TS, TS.edit(TS_S, GET_USER, ""), ("symbol-missing", "breaking")),
    row("ts-symbol-renamed", TS, TS.edit(TS_S, "function getUser(", "function fetchUser("),
        ("symbol-missing", "breaking"), ("symbol-undocumented", "major")),
    row("ts-symbol-undocumented-function", TS,
        ts_add("export function deleteUser(id: string): boolean {\n  return true;\n}"),
        ("symbol-undocumented", "major")),
    row("ts-symbol-undocumented-class", TS, ts_add("export class UserCache {}"),
        ("symbol-undocumented", "major")),
    row("ts-symbol-undocumented-type", TS,
        ts_add("export type UserId = string;\n\nexport interface Page {\n  next: string;\n}"),
        ("symbol-undocumented", "minor")),
    row("ts-symbol-kind-changed", TS,
        TS.edit(TS_S, "export class UserService {\n  constructor(db: string) {}\n}",
                "export function UserService(db: string): void {}"),
        ("symbol-kind-changed", "major")),
    row("ts-symbol-ambiguous", TS, LEGACY, ("symbol-ambiguous", "minor")),
    # parameters and return types
    row("ts-param-added-required", TS, ts_create("name: string, age: number, email: string): User"),
        ("param-added-required", "breaking")),
    row("ts-param-added-optional", TS,
        ts_create("name: string, age: number, email?: string): User"),
        ("param-added-optional", "minor")),
    row("ts-param-added-rest", TS, ts_create("name: string, age: number, ...tags: string[]): User"),
        ("param-added-optional", "minor")),
    row("ts-param-removed", TS, ts_create("name: string): User"), ("param-removed", "breaking")),
    row("ts-param-renamed", TS, ts_create("name: string, years: number): User"),
        ("param-renamed", "trivial")),
    row("ts-param-type-changed", TS, ts_create("name: string, age: string): User"),
        ("param-type-changed", "major")),
    row("ts-param-optionality-changed", TS, ts_create("name: string, age?: number): User"),
        ("param-optionality-changed", "major")),
    row("ts-param-default-makes-optional", TS, ts_create("name: string, age: number = 18): User"),
        ("param-optionality-changed", "major")),
    row("ts-return-type-changed", TS, ts_create("name: string, age: number): Promise<User>"),
        ("return-type-changed", "breaking")),
    row("ts-signature-format-beside-a-type-change", TS,
        TS.edit(TS_S, "getUser(id: string): User | undefined",
                "getUser(id: number): undefined | User"),
        ("param-type-changed", "major"), ("signature-format", "trivial")),
    row("ts-signature-format-in-new-spec-text", TS,
        {SPEC: TS_SPEC + "\n### listUsers(limit: null|number): User[]\n"},
        ("signature-format", "trivial")),
    # fields
    row("ts-field-removed", TS, TS.edit(TS_S, "  name: string;\n", ""),
        ("field-removed", "breaking")),
    row("ts-field-added-required", TS, TS.edit(TS_S, ROLE, ROLE + "  email: string;\n"),
        ("field-added-required", "major")),
    row("ts-field-added-optional", TS, TS.edit(TS_S, ROLE, ROLE + "  email?: string;\n"),
        ("field-added-optional", "minor")),
    row("ts-field-type-changed", TS,
        TS.edit(TS_S, ROLE, '  role: "admin" | "member" | "guest";\n'),
        ("field-type-changed", "major")),
    # nothing to report
    row("ts-whitespace-only", TS,
        {TS_S: TS_SVC.replace("\n\n", "\n\n\n").replace("  ", "    "),
         TS_R: TS_ROUTES.replace("(req, res) =>", "(req,  res)  =>")}),
    row("ts-comment-only", TS,
        TS.edit(TS_S, "export function createUser(",
                "/** Creates a user. */\n// TODO: validate\nexport function createUser(")),
    row("ts-reformat-signature-line-breaks", TS,
        ts_create("\n  name: string,\n  age: number,\n): User")),
    row("ts-reformat-quotes", TS,
        {TS_S: TS_SVC.replace('"', "'"), TS_R: TS_ROUTES.replace('"', "'")}),
    row("ts-reformat-union-order", TS,
        {TS_S: TS_SVC.replace('"admin" | "member"', '"member" | "admin"')
         .replace("User | undefined", "undefined | User")}),
    row("ts-reformat-trailing-comma", TS,
        TS.edit(TS_S, "listUsers(limit: number | null)", "listUsers(limit: number | null,)")),
    row("ts-file-moved", TS,
        {TS_S: None, "src/services/user-service.ts": TS_SVC,
         TS_R: TS_ROUTES.replace("../services/users", "../services/user-service")}),
    row("ts-undocumented-export-in-untouched-file", TS, TOUCH_ROUTES),
    row("ts-undocumented-export-removed", TS,
        TS.edit(TS_S, "export function listUsers(limit: number | null): User[] {\n"
                      "  return [];\n}\n", "")),
    row("ts-pre-existing-drift-in-untouched-file", TS, TOUCH_ROUTES,
        before=ts_create("name: string, age: string): User")),
    # createUser was ambiguous before: only what this change did to User is reported
    row("ts-pre-existing-ambiguity-beside-a-change", TS,
        TS.edit(TS_S, ROLE, ROLE + "  email?: string;\n"), ("field-added-optional", "minor"),
        before=LEGACY),
]
# fmt: on

# ---------------------------------------------------------------- JavaScript (CommonJS)

JS_SERVER = """const express = require("express");
const { createOrder } = require("./orders");

const app = express();
app.get("/api/orders/:id", (req, res) => res.json({ id: req.params.id }));
app.post("/api/orders", (req, res) => res.status(201).json(createOrder(req.body.items)));

module.exports = app;
"""

JS_ORDERS = """class OrderStore {
  cache = new Map();
  size = 0;

  constructor(db) {
    this.db = db;
  }
}

function createOrder(items, note) {
  return { items, note, total: 0 };
}

function cancelOrder(id) {
  return id;
}

module.exports = { createOrder, cancelOrder, OrderStore };
"""

JS_SPEC = """# Orders

## GET /api/orders/:id

Creating an order is `POST /api/orders` with the items.

### createOrder(items, note)

### cancelOrder(id)

```js
class OrderStore {
  cache = new Map();
  size = 0;

  constructor(db) {}
}
```
"""

JS = Base("js", {"src/server.js": JS_SERVER, "src/orders.js": JS_ORDERS}, JS_SPEC)
JS_O, JS_S = "src/orders.js", "src/server.js"
JS_CREATE = "function createOrder(items, note) {"
JS_EXPORTS = "module.exports = { createOrder,"


def js_create(params: str) -> Files:
    return JS.edit(JS_O, JS_CREATE, f"function createOrder({params}) {{")


# fmt: off
JS_ROWS = [
    row("js-route-missing", JS, JS.edit(JS_S, "app.post(", "// app.post("),
        ("route-missing", "breaking")),
    row("js-route-unimplemented", JS,
        {SPEC: JS_SPEC + "\nRefunds: `POST /api/orders/:id/refund`.\n"},
        ("route-unimplemented", "major")),
    row("js-route-undocumented", JS,
        JS.edit(JS_S, "\nmodule.exports",
                'app.delete("/api/orders/:id", (req, res) => res.end());\n\nmodule.exports'),
        ("route-undocumented", "major")),
    row("js-route-method-changed", JS, JS.edit(JS_S, "app.post(", "app.put("),
        ("route-method-changed", "breaking")),
    row("js-route-param-renamed", JS,
        JS.edit(JS_S, '"/api/orders/:id", (req, res) => res.json({ id: req.params.id })',
                '"/api/orders/:orderId", (req, res) => res.json({ id: req.params.orderId })'),
        ("route-param-renamed", "trivial")),
    row("js-symbol-missing", JS,
        JS.edit(JS_O, "{ createOrder, cancelOrder, OrderStore }", "{ createOrder, OrderStore }"),
        ("symbol-missing", "breaking")),
    row("js-symbol-undocumented-function", JS,
        JS.edit(JS_O, JS_EXPORTS, "function refund(id, amount) {\n  return amount;\n}\n\n"
                                  "module.exports = { refund, createOrder,"),
        ("symbol-undocumented", "major")),
    row("js-symbol-undocumented-class", JS,
        JS.edit(JS_O, JS_EXPORTS, "class Invoice {}\n\nmodule.exports = { Invoice, createOrder,"),
        ("symbol-undocumented", "major")),
    row("js-symbol-kind-changed", JS,
        JS.edit(JS_O, "function cancelOrder(id) {\n  return id;\n}",
                "class cancelOrder {\n  constructor(id) {\n    this.id = id;\n  }\n}"),
        ("symbol-kind-changed", "major")),
    row("js-symbol-ambiguous", JS,
        {"src/legacy.js": "exports.cancelOrder = function (id) {\n  return id;\n};\n"},
        ("symbol-ambiguous", "minor")),
    row("js-param-added-required", JS, js_create("items, note, customer"),
        ("param-added-required", "breaking")),
    row("js-param-added-optional", JS, js_create('items, note, currency = "EUR"'),
        ("param-added-optional", "minor")),
    row("js-param-removed", JS, js_create("items"), ("param-removed", "breaking")),
    row("js-param-renamed", JS, js_create("items, comment"), ("param-renamed", "trivial")),
    row("js-param-optionality-changed", JS, js_create('items, note = ""'),
        ("param-optionality-changed", "major")),
    row("js-constructor-param-added", JS,
        JS.edit(JS_O, "constructor(db) {", "constructor(db, clock) {"),
        ("param-added-required", "breaking")),
    row("js-field-removed", JS, JS.edit(JS_O, "  size = 0;\n", ""), ("field-removed", "breaking")),
    # A JS class field always exists once constructed: there is no `?` to make it optional.
    row("js-field-added", JS, JS.edit(JS_O, "  size = 0;\n", "  size = 0;\n  label = null;\n"),
        ("field-added-required", "major")),
    # No types in JavaScript: param-type-changed, return-type-changed and
    # field-type-changed cannot fire, whatever the values become.
    row("js-no-type-rules", JS,
        {JS_O: JS_ORDERS.replace("  size = 0;\n", '  size = "none";\n')
         .replace("return { items, note, total: 0 };", "return Promise.resolve([items, note]);")}),
    row("js-whitespace-and-comments", JS,
        {JS_O: "// orders\n" + JS_ORDERS.replace("\n\n", "\n\n\n")
         .replace(JS_CREATE, "/**\n * Creates an order.\n */\n" + JS_CREATE)}),
    row("js-reformat", JS,
        {JS_O: JS_ORDERS.replace(JS_CREATE, "function createOrder(\n  items,\n  note,\n) {")
         .replace("{ createOrder, cancelOrder, OrderStore }",
                  "{\n  createOrder,\n  cancelOrder,\n  OrderStore,\n}"),
         JS_S: JS_SERVER.replace('"', "'")}),
    row("js-pre-existing-drift-in-untouched-file", JS,
        JS.edit(JS_S, "res.json({ id: req.params.id })", "res.json({ id: Number(req.params.id) })"),
        before=js_create("items")),
]
# fmt: on

# ---------------------------------------------------------------- Python (FastAPI, pydantic)

PY_MAIN = """from fastapi import APIRouter, FastAPI

router = APIRouter(prefix="/api/users")


@router.get("/{user_id}")
def read_user(user_id: str) -> dict:
    return {}


@router.put("/{user_id}")
def replace_user(user_id: str) -> dict:
    return {}


app = FastAPI()
app.include_router(router)
"""

PY_MODELS = """from dataclasses import dataclass, field
from typing import TypedDict

from pydantic import BaseModel


class User(BaseModel):
    id: str
    name: str
    tags: list[str] = []


@dataclass
class Address:
    street: str
    city: str = "Berlin"
    lines: list[str] = field(default_factory=list)


class Page(TypedDict):
    items: list[str]
    next: str | None


def create_user(name: str, age: int, *, admin: bool = False) -> User:
    return User(id="1", name=name)


def find_users(query: str | None = None) -> list[User]:
    return []
"""

PY_SPEC = """# Users service

## GET /api/users/{user_id}

## PUT /api/users/{user_id}

### create_user(name: str, age: int, *, admin: bool = False) -> User

```python
class User(BaseModel):
    id: str
    name: str
    tags: list[str] = []


@dataclass
class Address:
    street: str
    city: str = "Berlin"
    lines: list[str] = field(default_factory=list)


class Page(TypedDict):
    items: list[str]
    next: str | None
```
"""

PY = Base("python", {"app/main.py": PY_MAIN, "app/models.py": PY_MODELS}, PY_SPEC)
PY_A, PY_M = "app/main.py", "app/models.py"
PY_CREATE = "def create_user(name: str, age: int, *, admin: bool = False) -> User:"
PUT_ROUTE = '@router.put("/{user_id}")\ndef replace_user(user_id: str) -> dict:\n    return {}\n'
TOUCH_MAIN = PY.edit(PY_A, "return {}\n\n\n@router.put", 'return {"id": user_id}\n\n\n@router.put')


HEALTH_ROUTE = """

health = APIRouter()


@health.get("/health")
def health_check() -> dict:
    return {}
"""


def py_create(signature: str) -> Files:
    return PY.edit(PY_M, PY_CREATE, f"def create_user({signature}:")


PY_ENUM_MODELS = PY_MODELS.replace(
    "from typing import TypedDict", "from enum import Enum\nfrom typing import TypedDict"
)


def py_add(code: str) -> Files:
    return PY.edit(PY_M, "\n\ndef create_user", f"\n\n{code}\n\n\ndef create_user")


# fmt: off
PY_ROWS = [
    row("py-route-missing", PY, PY.edit(PY_A, PUT_ROUTE, ""), ("route-missing", "breaking")),
    row("py-route-unimplemented", PY, {SPEC: PY_SPEC + "\n## DELETE /api/users/{id}\n"},
        ("route-unimplemented", "major")),
    # The new route's handler is not also an undocumented function: the route says it
    # (also in a module whose other exports are documented, the next row).
    row("py-route-undocumented", PY,
        PY.edit(PY_A, "\n\napp = FastAPI()",
                '\n\n@router.delete("/{user_id}")\ndef delete_user(user_id: str) -> None:\n'
                "    return None\n\n\napp = FastAPI()"),
        ("route-undocumented", "major")),
    row("py-route-undocumented-beside-documented-symbols", PY,
        {PY_M: "from fastapi import APIRouter\n" + PY_MODELS + HEALTH_ROUTE},
        ("route-undocumented", "major")),
    row("py-route-method-changed", PY, PY.edit(PY_A, "@router.put(", "@router.patch("),
        ("route-method-changed", "breaking")),
    row("py-route-param-renamed", PY,
        PY.edit(PY_A, '@router.get("/{user_id}")\ndef read_user(user_id: str)',
                '@router.get("/{uid}")\ndef read_user(uid: str)'),
        ("route-param-renamed", "trivial")),
    row("py-symbol-missing", PY, PY.edit(PY_M, "class Page(", "class _Page("),
        ("symbol-missing", "breaking")),
    row("py-symbol-renamed", PY, PY.edit(PY_M, "def create_user(", "def make_user("),
        ("symbol-missing", "breaking"), ("symbol-undocumented", "major")),
    row("py-symbol-undocumented-function", PY,
        py_add("def delete_user(user_id: str) -> None:\n    return None"),
        ("symbol-undocumented", "major")),
    row("py-symbol-undocumented-class", PY,
        py_add("class UserRepository:\n    def get(self, user_id: str) -> User | None:\n"
               "        return None"),
        ("symbol-undocumented", "major")),
    row("py-symbol-undocumented-type", PY,
        {PY_M: PY_ENUM_MODELS.replace(
            "\n\ndef create_user",
            "\n\nclass Role(str, Enum):\n    ADMIN = 'admin'\n\n\ndef create_user")},
        ("symbol-undocumented", "minor"), before={PY_M: PY_ENUM_MODELS}),
    row("py-symbol-kind-changed", PY,
        PY.edit(PY_M, PY_CREATE + '\n    return User(id="1", name=name)',
                "class create_user:\n    def __init__(self, name: str, age: int) -> None:\n"
                "        self.name = name"),
        ("symbol-kind-changed", "major")),
    row("py-symbol-ambiguous", PY,
        {"app/legacy.py": "def create_user(name: str) -> dict:\n    return {}\n"},
        ("symbol-ambiguous", "minor")),
    row("py-param-added-required", PY,
        py_create("name: str, age: int, email: str, *, admin: bool = False) -> User"),
        ("param-added-required", "breaking")),
    row("py-param-added-optional", PY,
        py_create("name: str, age: int, *, admin: bool = False, email: str = '') -> User"),
        ("param-added-optional", "minor")),
    row("py-param-added-kwargs", PY,
        py_create("name: str, age: int, *, admin: bool = False, **extra: str) -> User"),
        ("param-added-optional", "minor")),
    row("py-param-removed", PY, py_create("name: str, *, admin: bool = False) -> User"),
        ("param-removed", "breaking")),
    row("py-param-renamed", PY, py_create("name: str, years: int, *, admin: bool = False) -> User"),
        ("param-renamed", "trivial")),
    row("py-param-type-changed", PY,
        py_create("name: str, age: float, *, admin: bool = False) -> User"),
        ("param-type-changed", "major")),
    row("py-param-optionality-changed", PY,
        py_create("name: str, age: int = 18, *, admin: bool = False) -> User"),
        ("param-optionality-changed", "major")),
    row("py-return-type-changed", PY,
        py_create("name: str, age: int, *, admin: bool = False) -> User | None"),
        ("return-type-changed", "breaking")),
    row("py-signature-format-in-new-spec-text", PY,
        {SPEC: PY_SPEC + "\n### find_users(query: None|str = None) -> list[User]\n"},
        ("signature-format", "trivial")),
    # pydantic, dataclass and TypedDict fields: one finding per field change, not a second
    # one for the constructor the fields make.
    row("py-field-removed-pydantic", PY, PY.edit(PY_M, "    name: str\n", ""),
        ("field-removed", "breaking")),
    row("py-field-added-required-pydantic", PY,
        PY.edit(PY_M, "    name: str\n", "    name: str\n    email: str\n"),
        ("field-added-required", "major")),
    row("py-field-added-optional-dataclass", PY,
        PY.edit(PY_M, "    lines: list", '    zip: str = ""\n    lines: list'),
        ("field-added-optional", "minor")),
    row("py-field-type-changed-dataclass", PY,
        PY.edit(PY_M, "    street: str\n", "    street: list[str]\n"),
        ("field-type-changed", "major")),
    row("py-field-type-changed-typeddict", PY,
        PY.edit(PY_M, "    next: str | None\n", "    next: int | None\n"),
        ("field-type-changed", "major")),
    row("py-field-added-required-typeddict", PY,
        PY.edit(PY_M, "    next: str | None\n", "    next: str | None\n    total: int\n"),
        ("field-added-required", "major")),
    # nothing to report
    row("py-whitespace-comments-docstring", PY,
        {PY_M: "# models\n" + PY_MODELS
         .replace(PY_CREATE, PY_CREATE + '\n    """Create a user."""\n    # checked by the caller')
         .replace("    id: str\n", "    id: str  # opaque\n\n")}),
    row("py-reformat", PY,
        {PY_M: PY_MODELS
         .replace(PY_CREATE, "def create_user(\n    name: str,\n    age: int,\n    *,\n"
                             "    admin: bool = False,\n) -> User:")
         .replace('city: str = "Berlin"', "city: str = 'Berlin'")
         .replace("next: str | None", "next: None | str")
         .replace("query: str | None = None", "query: None | str = None"),
         PY_A: PY_MAIN.replace('"', "'")}),
    row("py-undocumented-export-in-untouched-file", PY, TOUCH_MAIN),
    row("py-pre-existing-drift-in-untouched-file", PY, TOUCH_MAIN,
        before=py_create("name: str, age: str, *, admin: bool = False) -> User")),
]
# fmt: on

# ---------------------------------------------------------------- Python (Flask, docs/api.md)

FLASK_VIEWS = """from flask import Blueprint

bp = Blueprint("orders", __name__, url_prefix="/orders")


@bp.route("/<int:order_id>", methods=["GET"])
def get_order(order_id):
    return {}


@bp.route("/<int:order_id>", methods=["PUT"])
def put_order(order_id):
    return {}
"""

FLASK_DOCS = """# Orders API

| endpoint | what |
|---|---|
| `GET /orders/<int:order_id>` | one order |
| `PUT /orders/<int:order_id>` | replace it |
"""

FL = Base("flask", {"shop/views.py": FLASK_VIEWS}, FLASK_DOCS, DOCS)
FL_V = "shop/views.py"
FL_PUT = '\n\n@bp.route("/<int:order_id>", methods=["PUT"])\ndef put_order(order_id):\n'

# fmt: off
FLASK_ROWS = [
    row("flask-route-missing", FL, FL.edit(FL_V, FL_PUT + "    return {}\n", ""),
        ("route-missing", "breaking")),
    row("flask-route-unimplemented", FL,
        {DOCS: FLASK_DOCS + "| `DELETE /orders/<int:order_id>` | cancel |\n"},
        ("route-unimplemented", "major")),
    row("flask-route-undocumented", FL,
        {FL_V: FLASK_VIEWS + '\n\n@bp.route("/", methods=["POST"])\n'
                             "def create_order():\n    return {}\n"},
        ("route-undocumented", "major")),
    row("flask-route-method-changed", FL, FL.edit(FL_V, 'methods=["PUT"]', 'methods=["PATCH"]'),
        ("route-method-changed", "breaking")),
    row("flask-route-param-renamed", FL,
        FL.edit(FL_V, '"/<int:order_id>", methods=["GET"])\ndef get_order(order_id)',
                '"/<int:oid>", methods=["GET"])\ndef get_order(oid)'),
        ("route-param-renamed", "trivial")),
    row("flask-reformat", FL,
        {FL_V: FLASK_VIEWS.replace('"', "'")
         .replace("methods=['PUT']", "methods=[\n        'PUT',\n    ]")}),
]
# fmt: on

ROWS = TS_ROWS + JS_ROWS + PY_ROWS + FLASK_ROWS
SPEC_PATHS = {b.language: b.spec_path for b in (TS, JS, PY, FL)}


def _write(repo: Repo, files: Files) -> None:
    for rel, text in files.items():
        if text is None:
            (repo.path / rel).unlink()
        else:
            repo.write(rel, text)


def _found(repo: Repo, capsys: pytest.CaptureFixture[str], *scope: str) -> set[Pair]:
    code = main(["check", *scope, "--format", "json", "--repo", str(repo.path)])
    out = capsys.readouterr()
    doc = json.loads(out.out)
    assert doc["exit_code"] == code, out.err
    return {(d["rule"], d["severity"]) for d in doc["discrepancies"]}


@pytest.mark.parametrize(("language", "before", "after", "spec", "expected"), ROWS)
def test_rule_table(
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    language: str,
    before: Files,
    after: Files,
    spec: str,
    expected: set[Pair],
) -> None:
    _write(repo, {**before, SPEC_PATHS[language]: spec})
    repo.commit("before")
    _write(repo, after)
    repo.git("add", "-A")
    assert _found(repo, capsys, "--staged") == expected
    repo.commit("after")
    assert _found(repo, capsys, "--base", "HEAD~1") == expected


def test_every_rule_the_detector_emits_has_a_row() -> None:
    found: dict[str, set[Pair]] = {}
    for param in ROWS:
        language, *_, expected = param.values
        found.setdefault(language, set()).update(expected)
    rules = {lang: {rule for rule, _ in pairs} for lang, pairs in found.items()}
    emitted = set(RULES)
    assert set().union(*rules.values()) == emitted
    # route-unresolved needs a prefix read from the environment: the TS row shows it.
    route_rules = {r for r in emitted if r.startswith("route-")} - {"route-unresolved"}
    for lang in ("ts", "js", "python", "flask"):
        assert route_rules <= rules[lang], lang
    symbol_rules = {r for r in emitted if not r.startswith("route-")}
    assert symbol_rules <= rules["ts"]
    assert symbol_rules <= rules["python"]
    # JavaScript has no types (the js-no-type-rules row), no `?` fields, and so no
    # formatting of types to differ in.
    type_rules = {"param-type-changed", "return-type-changed", "field-type-changed"}
    js_absent = {*type_rules, "field-added-optional", "signature-format"}
    assert symbol_rules - js_absent <= rules["js"]
    assert not type_rules & rules["js"]
    for lang in ("ts", "python"):
        assert {("symbol-undocumented", "major"), ("symbol-undocumented", "minor")} <= found[lang]
    # every row's rule uses its default severity (config overrides are test_check_cmd's)
    for pairs in found.values():
        for rule, severity in pairs:
            if rule != "symbol-undocumented":
                assert RULES[rule].severity == severity, rule
