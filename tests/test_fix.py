"""``check --fix``: trivial drift rewritten in the spec from the code, byte for byte
elsewhere, idempotent, never over a file that changed, pre-commit's exit convention."""

from __future__ import annotations

import json
from typing import Any

import pytest

from specweave_git.cli.main import main
from specweave_git.drift import fixio
from specweave_git.drift.fix import rename_route_params

from .conftest import Repo

DOCS = "docs/api.md"

EXPRESS = (
    'import express from "express";\nconst app = express();\n'
    'app.get("{path}", (req, res) => res.json({{}}));\n'
)
FASTAPI = (
    'from fastapi import FastAPI\napp = FastAPI()\n\n@app.get("{path}")\n'
    "def get_user(user_id: int):\n    return {{}}\n"
)
FLASK = (
    'from flask import Flask\napp = Flask(__name__)\n\n@app.route("{path}")\n'
    "def item(id):\n    return {{}}\n"
)

# (id, code path, code before, code after, spec before, spec after, rule)
ROWS: list[tuple[str, str, str, str, str, str, str]] = [
    (
        "ts-route-heading",
        "src/app.ts",
        EXPRESS.format(path="/api/users/:id"),
        EXPRESS.format(path="/api/users/:userId"),
        "# API\n\n## GET /api/users/:id\n\nReturns a user.\n",
        "# API\n\n## GET /api/users/:userId\n\nReturns a user.\n",
        "route-param-renamed",
    ),
    (
        "ts-route-mention-braces",
        "src/app.ts",
        EXPRESS.format(path="/api/users/:id"),
        EXPRESS.format(path="/api/users/:userId"),
        "# API\n\n- `GET /api/users/{id}` returns a user\n",
        "# API\n\n- `GET /api/users/{userId}` returns a user\n",
        "route-param-renamed",
    ),
    (
        "ts-route-codeblock",
        "src/app.ts",
        EXPRESS.format(path="/api/users/:id"),
        EXPRESS.format(path="/api/users/:userId"),
        '# API\n\n```ts\napp.get("/api/users/:id", getUser);\n```\n',
        '# API\n\n```ts\napp.get("/api/users/:userId", getUser);\n```\n',
        "route-param-renamed",
    ),
    (
        "ts-param-heading",
        "src/users.ts",
        "export function createUser(name: string): string {\n  return name;\n}\n",
        "export function createUser(fullName: string): string {\n  return fullName;\n}\n",
        "# API\n\n### createUser(name: string): string\n\nCreates one.\n",
        "# API\n\n### createUser(fullName: string): string\n\nCreates one.\n",
        "param-renamed",
    ),
    (
        "ts-param-codeblock",
        "src/users.ts",
        "export function createUser(name: string): string {\n  return name;\n}\n",
        "export function createUser(fullName: string): string {\n  return fullName;\n}\n",
        "# API\n\n```ts\nfunction createUser(name: string): string;\n```\n",
        "# API\n\n```ts\nfunction createUser(fullName: string): string;\n```\n",
        "param-renamed",
    ),
    (
        "ts-param-heading-and-codeblock-multiline",
        "src/users.ts",
        "export function createUser(name: string): string {\n  return name;\n}\n",
        "export function createUser(\n  fullName: string,\n): string {\n  return fullName;\n}\n",
        "# API\n\n### `createUser(name: string): string` — makes one\n\n"
        "```ts\nexport function createUser(name: string): string;\n```\n",
        "# API\n\n### `createUser(fullName: string): string` — makes one\n\n"
        "```ts\nexport function createUser(\n  fullName: string,\n): string;\n```\n",
        "param-renamed",
    ),
    (
        "ts-param-setext-heading",
        "src/users.ts",
        "export function createUser(name: string): string {\n  return name;\n}\n",
        "export function createUser(fullName: string): string {\n  return fullName;\n}\n",
        "# API\n\ncreateUser(name: string): string\n----\n\nCreates one.\n",
        "# API\n\ncreateUser(fullName: string): string\n----\n\nCreates one.\n",
        "param-renamed",
    ),
    (
        "ts-format-heading",
        "src/mode.ts",
        "export function setMode(mode: 'a' | 'b'): void {}\n",
        'export function setMode(mode: "a" | "b"): void {}\n',
        "# API\n\n### `setMode(mode: 'a' | 'b'): void` — sets the mode\n",
        '# API\n\n### `setMode(mode: "a" | "b"): void` — sets the mode\n',
        "signature-format",
    ),
    (
        "ts-format-codeblock",
        "src/opts.ts",
        "export interface Opts {\n  mode: 'b' | 'a';\n}\n",
        'export interface Opts {\n  mode: "a" | "b";\n}\n',
        "# API\n\nIntro.\n\n```ts\ninterface Opts {\n  mode: 'b' | 'a';\n}\n\n"
        "const x = 1;\n```\n\nAfter.\n",
        '# API\n\nIntro.\n\n```ts\ninterface Opts {\n  mode: "a" | "b";\n}\n\n'
        "const x = 1;\n```\n\nAfter.\n",
        "signature-format",
    ),
    (
        "py-route-heading",
        "app/main.py",
        FASTAPI.format(path="/users/{user_id}"),
        FASTAPI.format(path="/users/{uid}"),
        "# API\n\n## GET /users/{user_id}\n\nOne user.\n",
        "# API\n\n## GET /users/{uid}\n\nOne user.\n",
        "route-param-renamed",
    ),
    (
        "py-route-codeblock-flask",
        "app/main.py",
        FLASK.format(path="/items/<int:id>"),
        FLASK.format(path="/items/<int:item_id>"),
        '# API\n\n```python\n@app.route("/items/<int:id>")\ndef item(id): ...\n```\n',
        '# API\n\n```python\n@app.route("/items/<int:item_id>")\ndef item(id): ...\n```\n',
        "route-param-renamed",
    ),
    (
        "py-param-heading",
        "app/users.py",
        "def create_user(name: str) -> str:\n    return name\n",
        "def create_user(full_name: str) -> str:\n    return full_name\n",
        "# API\n\n### create_user(name: str) -> str\n",
        "# API\n\n### create_user(full_name: str) -> str\n",
        "param-renamed",
    ),
    (
        "py-param-codeblock-in-list",
        "app/users.py",
        "def create_user(name: str) -> str:\n    return name\n",
        "def create_user(full_name: str) -> str:\n    return full_name\n",
        "# API\n\n- create:\n\n  ```python\n  def create_user(name: str) -> str: ...\n  ```\n",
        "# API\n\n- create:\n\n  ```python\n  def create_user(full_name: str) -> str: ...\n  ```\n",
        "param-renamed",
    ),
    (
        "py-format-heading",
        "app/mode.py",
        "from typing import Literal\n\ndef set_mode(mode: Literal['a', 'b']) -> None:\n    pass\n",
        'from typing import Literal\n\ndef set_mode(mode: Literal["a", "b"]) -> None:\n    pass\n',
        "# API\n\n### set_mode(mode: Literal['a', 'b']) -> None\n",
        '# API\n\n### set_mode(mode: Literal["a", "b"]) -> None\n',
        "signature-format",
    ),
    (
        "py-format-codeblock-class",
        "app/models.py",
        "from typing import TypedDict, Literal\n\nclass Opts(TypedDict):\n    mode: Literal['a']\n",
        'from typing import TypedDict, Literal\n\nclass Opts(TypedDict):\n    mode: Literal["a"]\n',
        "# API\n\n```python\nclass Opts(TypedDict):\n    mode: Literal['a']\n```\n",
        '# API\n\n```python\nclass Opts(TypedDict):\n    mode: Literal["a"]\n```\n',
        "signature-format",
    ),
]


def check(repo: Repo, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main(["check", *argv, "--format", "json", "--repo", str(repo.path)])
    return code, json.loads(capsys.readouterr().out)


def setup(repo: Repo, code_path: str, before: str, after: str, spec: bytes) -> None:
    repo.write(code_path, before)
    repo.write(DOCS, spec)
    repo.commit("v1")
    repo.write(code_path, after)


@pytest.mark.parametrize("eol", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize(
    ("code_path", "code_before", "code_after", "spec_before", "spec_after", "rule"),
    [r[1:] for r in ROWS],
    ids=[r[0] for r in ROWS],
)
def test_fix_rewrites_the_documented_text_from_the_code(
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    eol: str,
    code_path: str,
    code_before: str,
    code_after: str,
    spec_before: str,
    spec_after: str,
    rule: str,
) -> None:
    setup(repo, code_path, code_before, code_after, spec_before.replace("\n", eol).encode())
    exit_code, doc = check(repo, capsys, "--all", "--fix")
    assert (repo.path / DOCS).read_bytes() == spec_after.replace("\n", eol).encode()
    assert [(d["rule"], d["status"]) for d in doc["discrepancies"]] == [(rule, "fixed")]
    assert (exit_code, doc["exit_code"], doc["summary"]["fixed"]) == (1, 1, 1)
    # Idempotent: a second run finds nothing to fix and changes nothing.
    again, doc2 = check(repo, capsys, "--all", "--fix")
    assert (again, doc2["discrepancies"]) == (0, [])
    assert (repo.path / DOCS).read_bytes() == spec_after.replace("\n", eol).encode()


def test_fix_keeps_every_other_byte(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    # BOM, mixed endings, trailing spaces, a lone CR line ending, no final newline.
    before = (
        b"\xef\xbb\xbf# API  \r\n\r\nSee `GET /api/users/:id` below.\n"
        b"\r\n## GET /api/users/:id\r\n\tkeep\ttabs   \r\r\nlast line without newline"
    )
    after = before.replace(b":id", b":userId")
    setup(repo, "src/app.ts", EXPRESS.format(path="/api/users/:id"), "", before)
    repo.write("src/app.ts", EXPRESS.format(path="/api/users/:userId"))
    assert check(repo, capsys, "--all", "--fix")[0] == 1
    assert (repo.path / DOCS).read_bytes() == after


def test_without_fix_nothing_is_written(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, before, after, spec, _, _ = ROWS[0]
    setup(repo, "src/app.ts", before, after, spec.encode())
    exit_code, doc = check(repo, capsys, "--all")
    assert (exit_code, doc["discrepancies"][0]["status"]) == (0, "new")
    assert (repo.path / DOCS).read_text() == spec


ADD_OPTIONAL = (
    "export function createUser(name: string): string {\n  return name;\n}\n",
    "export function createUser(name: string, email?: string): string {\n  return name;\n}\n",
    "# API\n\n### createUser(name: string): string\n",
    "# API\n\n### createUser(name: string, email?: string): string\n",
)


@pytest.mark.parametrize(
    ("argv", "status", "written"),
    [
        (["--fix"], "new", False),
        (["--fix=trivial"], "new", False),
        (["--fix=minor"], "fixed", True),
    ],
)
def test_fix_minor_is_opt_in(
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    status: str,
    written: bool,
) -> None:
    before, after, spec, fixed = ADD_OPTIONAL
    setup(repo, "src/users.ts", before, after, spec.encode())
    exit_code, doc = check(repo, capsys, "--all", *argv)
    assert [(d["rule"], d["status"]) for d in doc["discrepancies"]] == [
        ("param-added-optional", status)
    ]
    assert (repo.path / DOCS).read_text() == (fixed if written else spec)
    assert exit_code == (1 if written else 0)


def test_an_item_with_drift_needing_review_is_not_rewritten(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    # A rename (trivial) and a new return type (breaking) on one signature: rewriting
    # from the code would settle the breaking change unreviewed.
    spec = "# API\n\n### createUser(name: string): string\n"
    setup(
        repo,
        "src/users.ts",
        "export function createUser(name: string): string {\n  return name;\n}\n",
        "export function createUser(fullName: string): number {\n  return 1;\n}\n",
        spec.encode(),
    )
    main(["check", "--all", "--fix", "--repo", str(repo.path)])
    out = capsys.readouterr().out
    assert (repo.path / DOCS).read_text() == spec
    assert "param-renamed createUser(name) not fixed: the same item also has " in out
    assert "return-type-changed (needs review)" in out
    assert "re-stage" not in out


def test_staged_fix_exits_1_and_names_the_files_to_restage(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    _, code_path, before, after, spec, fixed, _ = ROWS[0]
    setup(repo, code_path, before, after, spec.encode())
    repo.git("add", code_path)
    assert main(["check", "--staged", "--fix", "--repo", str(repo.path)]) == 1
    out = capsys.readouterr().out
    assert f"re-stage: git add {DOCS}" in out
    assert "(1 fixed)" in out
    assert (repo.path / DOCS).read_text() == fixed
    repo.git("add", DOCS)
    assert main(["check", "--staged", "--fix", "--repo", str(repo.path)]) == 0
    assert "re-stage" not in capsys.readouterr().out


def test_partially_staged_spec_is_not_touched(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    _, code_path, before, after, spec, _, _ = ROWS[0]
    setup(repo, code_path, before, after, spec.encode())
    repo.git("add", code_path)
    # An unstaged edit of the spec: the index (what is checked) differs from the work tree.
    unstaged = spec + "\nNot staged yet.\n"
    repo.write(DOCS, unstaged)
    assert main(["check", "--staged", "--fix", "--repo", str(repo.path)]) == 0
    out = capsys.readouterr().out
    assert f"warning: {DOCS}: not fixed: partially staged" in out
    assert (repo.path / DOCS).read_text() == unstaged


def test_a_spec_changed_during_the_run_is_not_overwritten(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, code_path, before, after, spec, _, _ = ROWS[0]
    setup(repo, code_path, before, after, spec.encode())
    edited = spec + "\nSomeone else's edit.\n"
    render = fixio._render

    def concurrent_edit(fixer: Any) -> str:
        # Another process saves the spec between our read and our write.
        (repo.path / DOCS).write_text(edited)
        return render(fixer)

    monkeypatch.setattr(fixio, "_render", concurrent_edit)
    exit_code = main(["check", "--all", "--fix", "--format", "json", "--repo", str(repo.path)])
    out, err = capsys.readouterr()
    assert (repo.path / DOCS).read_text() == edited
    assert (exit_code, json.loads(out)["discrepancies"][0]["status"]) == (0, "new")
    assert f"warning: {DOCS}: not fixed: changed during the run (not overwritten)" in err
    assert not list((repo.path / "docs").glob(".*.tmp"))  # no temporary file left


@pytest.mark.parametrize(
    ("auto", "env", "argv", "fixed"),
    [
        (True, {"PRE_COMMIT": "1"}, [], True),
        (True, {"PRE_COMMIT": "1"}, ["--no-fix"], False),
        (False, {"PRE_COMMIT": "1"}, [], False),
        (False, {"PRE_COMMIT": "1"}, ["--fix"], True),
        (True, {}, [], False),  # outside a hook --fix is asked for, never implied
    ],
)
def test_auto_update_trivial_makes_fix_the_hook_default(
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    auto: bool,
    env: dict[str, str],
    argv: list[str],
    fixed: bool,
) -> None:
    _, code_path, before, after, spec, fixed_spec, _ = ROWS[0]
    config = {"sync": {"orchestration": {"discrepancy": {"autoUpdateTrivial": auto}}}}
    repo.write(".specweave/config.json", json.dumps(config))
    setup(repo, code_path, before, after, spec.encode())
    repo.git("add", code_path)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    exit_code = main(["check", "--staged", *argv, "--repo", str(repo.path)])
    capsys.readouterr()
    assert (repo.path / DOCS).read_text() == (fixed_spec if fixed else spec)
    assert exit_code == (1 if fixed else 0)


@pytest.mark.parametrize(
    ("line", "in_code", "expected"),
    [
        ("## GET /a/:id/b/:sub", False, "## GET /a/:key/b/:part"),
        ("- `GET /a/{id}/b/{sub}` and more", False, "- `GET /a/{key}/b/{part}` and more"),
        ("| GET /a/{id:int}/b/{sub} |", False, "| GET /a/{key:int}/b/{part} |"),
        ("GET /a/:id?/b/:sub(\\d+)", False, "GET /a/:key?/b/:part(\\d+)"),
        # Another method, or a longer path, is another route: left alone.
        ("## DELETE /a/:id/b/:sub", False, "## DELETE /a/:id/b/:sub"),
        ("## GET /a/:id/b/:sub/c", False, "## GET /a/:id/b/:sub/c"),
        # In code the method is a call and a mounted prefix may be missing.
        ('@bp.route("/b/<int:sub>")', True, '@bp.route("/b/<int:part>")'),
        ("router.get('/:id/b/:sub', h)", True, "router.get('/:key/b/:part', h)"),
    ],
)
def test_route_parameters_are_renamed_in_the_style_written(
    line: str, in_code: bool, expected: str
) -> None:
    assert rename_route_params(
        line, "GET", "/a/{id}/b/{sub}", ["key", "part"], in_code=in_code
    ) == (expected)
