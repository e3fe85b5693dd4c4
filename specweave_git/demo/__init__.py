"""``specweave-git demo``: a small example repository with planted drift, checked."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ..gitio.run import clean_env

# Version 1: code and specs agree.
V1: dict[str, str] = {
    "package.json": '{\n  "name": "demo-users-api",\n  "private": true\n}\n',
    ".env.example": "API_PREFIX=/api\n",
    "src/app.ts": """import express from "express";
import { usersRouter } from "./routes/users";

const app = express();
const prefix = process.env.API_PREFIX || "/api";
app.use(express.json());
app.use(prefix, usersRouter);

export default app;
""",
    "src/routes/users.ts": """import { Router } from "express";
import { createUser, getUser } from "../services/users";

export const usersRouter = Router();

usersRouter.get("/users/:id", (req, res) => res.json(getUser(req.params.id)));
usersRouter.post("/users", (req, res) => res.status(201).json(createUser(req.body.name)));
usersRouter.put("/users/:id", (req, res) => res.json(getUser(req.params.id)));
""",
    "src/services/users.ts": """export interface User {
  id: string;
  name: string;
}

export function getUser(id: string): User {
  return { id, name: "Ada" };
}

export function createUser(name: string): User {
  return { id: "1", name };
}
""",
    ".specweave/config.json": """{
  "project": {"name": "demo-users-api"},
  "sync": {
    "orchestration": {
      "discrepancy": {"failOn": "major", "autoUpdateTrivial": false}
    }
  }
}
""",
    ".specweave/increments/0001-users-api/spec.md": """---
increment: 0001-users-api
title: Users API
status: active
---

# Users API

### US-001: Manage users

**Acceptance Criteria**:
- [x] **AC-US1-01**: A client can fetch a user by id
- [ ] **AC-US1-02**: A client can create a user

## API

## GET /api/users/:id

Returns one user.

## POST /api/users

Creates a user.

## PUT /api/users/:id

Replaces a user.

### getUser(id: string): User

### createUser(name: string): User

```ts
interface User {
  id: string;
  name: string;
}
```
""",
}

# Version 2 (a pull request): the code moved on, the spec did not.
V2: dict[str, str] = {
    "src/routes/users.ts": """import { Router } from "express";
import { createUser, getUser, deleteUser } from "../services/users";

export const usersRouter = Router();

usersRouter.get("/users/:userId", (req, res) => res.json(getUser(req.params.userId)));
usersRouter.post("/users", (req, res) =>
  res.status(201).json(createUser(req.body.name, req.body.email)));
usersRouter.patch("/users/:id", (req, res) => res.json(getUser(req.params.id)));
usersRouter.delete("/users/:id", (req, res) => res.json(deleteUser(req.params.id)));
""",
    "src/services/users.ts": """export interface User {
  id: string;
  name: string;
  email?: string;
}

export function getUser(id: string): User {
  return { id, name: "Ada" };
}

export function createUser(name: string, email: string): User {
  return { id: "1", name, email };
}

export function deleteUser(id: string): boolean {
  return id.length > 0;
}
""",
}

_IDENTITY = (
    "-c",
    "user.name=specweave-demo",
    "-c",
    "user.email=demo@example.invalid",
    "-c",
    "commit.gpgsign=false",
)


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", *_IDENTITY, *args],
        cwd=root,
        env=clean_env(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def build(root: Path) -> tuple[str, str]:
    """Create the example repository in ``root``; returns (base commit, head commit)."""
    root.mkdir(parents=True, exist_ok=True)
    _git(root, "init", "-q", "-b", "main")
    _write(root, V1)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "Users API: code and spec agree")
    base = _rev(root)
    _write(root, V2)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "Users API: rename param, PATCH, delete, email")
    return base, _rev(root)


def _rev(root: Path) -> str:
    out = subprocess.run(
        ["git", "rev-parse", "HEAD"],
        cwd=root,
        env=clean_env(),
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()
