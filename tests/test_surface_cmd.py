"""``specweave-git surface``: JSON shape (DESIGN §10), PATH filters, --specs, --ref, text, -v."""

from __future__ import annotations

import json
from typing import Any

import pytest

from specweave_git.cli.main import main
from tests.conftest import Repo

SERVER = """\
import express from "express";
import { users } from "./api/users";

const app = express();
app.use("/api", users);

export function start(port: number, host?: string): void {
  app.listen(port, host);
}
"""
USERS = """\
import { Router } from "express";

export const users = Router();
users.get("/users/:id", (req, res) => res.json({}));

export interface User {
  id: string;
  name?: string;
}
"""
MAIN_PY = """\
from fastapi import FastAPI

app = FastAPI()


@app.get("/items/{item_id}")
def read_item(item_id: int, q: str | None = None):
    return {"item_id": item_id}
"""
SPEC = "# API\n\n## GET /api/users/:id\n\n### start(port: number): void\n"


@pytest.fixture
def project(repo: Repo) -> Repo:
    repo.write("src/server.ts", SERVER)
    repo.write("src/api/users.ts", USERS)
    repo.write("app/main.py", MAIN_PY)
    repo.write("docs/api.md", SPEC)
    repo.write("src/__tests__/server.ts", "export const fixture = 1;\n")
    repo.write("node_modules/express/index.js", "module.exports = function express() {};\n")
    repo.commit("project")
    return repo


def surface(capsys: pytest.CaptureFixture[str], *args: str, code: int = 0) -> tuple[str, str]:
    assert main(["surface", *args]) == code
    out, err = capsys.readouterr()
    return out, err


def surface_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    out, _ = surface(capsys, "--format", "json", *args)
    data: dict[str, Any] = json.loads(out)
    return data


def brief(data: dict[str, Any]) -> list[str]:
    return [f"{s['kind']} {s['name']} {s['file']}:{s['line']}" for s in data["symbols"]] + [
        f"{r['method']} {r['path']} {r['file']}:{r['line']}" for r in data["routes"]
    ]


def test_json_shape(project: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    data = surface_json(capsys, "--repo", str(project.path))
    assert list(data) == ["symbols", "routes"]
    assert data["routes"] == [
        {
            "method": "GET",
            "path": "/api/users/{id}",
            "key": "GET /api/users/{}",
            "path_display": "/api/users/:id",
            "file": "src/api/users.ts",
            "line": 4,
            "handler": None,
            "framework": "express",
            "unresolved": False,
            "source": None,
            "notes": [],
        },
        {
            "method": "GET",
            "path": "/items/{item_id}",
            "key": "GET /items/{}",
            "path_display": "/items/:item_id",
            "file": "app/main.py",
            "line": 6,
            "handler": "read_item",
            "framework": "fastapi",
            "unresolved": False,
            "source": None,
            "notes": [],
        },
    ]
    start = next(s for s in data["symbols"] if s["name"] == "start")
    assert start == {
        "name": "start",
        "kind": "function",
        "file": "src/server.ts",
        "line": 7,
        "exported_from": "src/server.ts",
        "language": "ts",
        "default_export": False,
        "signatures": [
            {
                "params": [
                    {"name": "port", "optional": False, "rest": False, "type": "number",
                     "default": None, "kind": "normal"},
                    {"name": "host", "optional": True, "rest": False, "type": "string",
                     "default": None, "kind": "normal"},
                ],
                "returns": "void",
            }
        ],
        "fields": [],
        "members": [],
        "type_text": None,
    }  # fmt: skip
    # Tests and vendored code are not part of the surface.
    assert brief(data) == [
        "function read_item app/main.py:7",
        "const users src/api/users.ts:3",
        "interface User src/api/users.ts:6",
        "function start src/server.ts:7",
        "GET /api/users/{id} src/api/users.ts:4",
        "GET /items/{item_id} app/main.py:6",
    ]


@pytest.mark.parametrize(
    ("cwd", "paths", "expected"),
    [
        (".", [], {"app/main.py", "src/api/users.ts", "src/server.ts"}),
        (".", ["src/api"], {"src/api/users.ts"}),
        (".", ["src/api/"], {"src/api/users.ts"}),
        (".", ["app", "src/server.ts"], {"app/main.py", "src/server.ts"}),
        (".", ["src/ap"], set()),  # a prefix of a name is not a directory
        ("src", [], {"app/main.py", "src/api/users.ts", "src/server.ts"}),
        ("src", ["api"], {"src/api/users.ts"}),
        ("src", ["."], {"src/api/users.ts", "src/server.ts"}),
        ("src/api", ["../../app"], {"app/main.py"}),
    ],
)
def test_path_filter(
    project: Repo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    cwd: str,
    paths: list[str],
    expected: set[str],
) -> None:
    monkeypatch.chdir(project.path / cwd)
    data = surface_json(capsys, *paths)
    files = {s["file"] for s in data["symbols"]} | {r["file"] for r in data["routes"]}
    assert files == expected


def test_specs(project: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    data = surface_json(capsys, "--repo", str(project.path), "--specs")
    assert brief(data) == [
        "function start docs/api.md:5",
        "GET /api/users/{id} docs/api.md:3",
    ]
    assert [p["name"] for p in data["symbols"][0]["signatures"][0]["params"]] == ["port"]


def test_text_table(project: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    out, err = surface(capsys, "--repo", str(project.path))
    assert out.splitlines() == [
        "METHOD  PATH             WHERE               HANDLER",
        "GET     /api/users/:id   src/api/users.ts:4",
        "GET     /items/:item_id  app/main.py:6       read_item",
        "",
        "KIND       SYMBOL                                    WHERE",
        "function   read_item(item_id: int, q?: str | None)   app/main.py:7",
        "const      users                                     src/api/users.ts:3",
        "interface  User {id, name?}                          src/api/users.ts:6",
        "function   start(port: number, host?: string): void  src/server.ts:7",
        "",
        "2 routes, 4 symbols",
    ]
    assert err == ""


@pytest.mark.parametrize("flag_first", [True, False])
def test_verbose_lists_skipped_files(
    project: Repo, capsys: pytest.CaptureFixture[str], flag_first: bool
) -> None:
    args = ["--repo", str(project.path), "--format", "json"]
    argv = ["-v", "surface", *args] if flag_first else ["surface", "-v", *args]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["routes"]  # stdout stays clean JSON
    skipped = [line for line in err.splitlines() if line.startswith("skipped ")]
    assert skipped == [
        "skipped node_modules/express/index.js: vendored or generated directory node_modules/",
        "skipped src/__tests__/server.ts: test file (set discrepancy.includeTests to read tests)",
    ]
    _, quiet_err = surface(capsys, *args)
    assert "skipped" not in quiet_err


def test_ref_reads_a_commit(project: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    first = project.head()
    project.write("src/extra.ts", "export function extra(a: string): void {}\n")
    project.commit("extra")
    project.write("src/server.ts", SERVER.replace("start", "boot"))  # not committed
    root = ["--repo", str(project.path)]
    names = {s["name"] for s in surface_json(capsys, *root)["symbols"]}
    assert {"boot", "extra"} <= names and "start" not in names
    names = {s["name"] for s in surface_json(capsys, *root, "--ref", "HEAD")["symbols"]}
    assert {"start", "extra"} <= names and "boot" not in names
    names = {s["name"] for s in surface_json(capsys, *root, "--ref", first)["symbols"]}
    assert "start" in names and "extra" not in names


def test_syntax_error_warns_with_file_and_line(
    project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write(
        "src/broken.ts", "export const ok = 2;\n\nexport function broken(a: string {\n}\n"
    )
    out, err = surface(capsys, "--repo", str(project.path), "--format", "json")
    assert "warning: src/broken.ts:3: syntax error; read what could be read" in err.splitlines()
    assert "ok" in {s["name"] for s in json.loads(out)["symbols"]}


def test_bad_ref_exits_2_naming_it(project: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    out, err = surface(capsys, "--repo", str(project.path), "--ref", "no-such-ref", code=2)
    assert out == ""
    assert "'no-such-ref'" in err
    assert "Traceback" not in err
