"""``discrepancies accept FP --apply``: a reviewed finding's recommendation performed in the
spec (stubs, signature rewrites, deprecations) and logged as JSON lines."""

from __future__ import annotations

import json
from typing import Any

import pytest

from specweave_git.cli.main import main
from specweave_git.drift.apply import LOG_PATH

from .conftest import Repo

ROUTES = "src/routes.ts"
SERVICE = "src/users.ts"
SPEC = "docs/users.md"


def routes(*lines: str) -> str:
    return (
        'import express from "express";\nexport const router = express.Router();\n'
        + "".join(f'router.{m}("{p}", (req, res) => res.json({{}}));\n' for m, p in lines)
        + 'const app = express();\napp.use("/api", router);\n'
    )


def findings(repo: Repo, capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, Any]]:
    """rule -> finding of the whole tree (one per rule in these repositories)."""
    main(["discrepancies", "list", "--format", "json", "--repo", str(repo.path)])
    doc = json.loads(capsys.readouterr().out)
    return {d["rule"]: d for d in doc["discrepancies"]}


def apply(repo: Repo, capsys: pytest.CaptureFixture[str], fp: str) -> tuple[int, str]:
    code = main(["discrepancies", "accept", fp, "--apply", "--repo", str(repo.path)])
    return code, capsys.readouterr().out


def log_lines(repo: Repo) -> list[dict[str, Any]]:
    path = repo.path / LOG_PATH
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("eol", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_undocumented_route_gets_a_stub_beside_its_neighbours(
    repo: Repo, capsys: pytest.CaptureFixture[str], eol: str
) -> None:
    spec = "# Users\n\n## GET /api/users/:id\n\nOne user.\n\n## Notes\n\nProse.\n"
    repo.write(ROUTES, routes(("get", "/users/:id")))
    repo.write(SPEC, spec.replace("\n", eol).encode())
    repo.commit("v1")
    repo.write(ROUTES, routes(("get", "/users/:id"), ("delete", "/users/:id")))
    found = findings(repo, capsys)
    assert list(found) == ["route-undocumented"]
    code, out = apply(repo, capsys, found["route-undocumented"]["fingerprint"])
    assert code == 0
    assert f"applied stub-route for {found['route-undocumented']['fingerprint']}" in out
    expected = (
        "# Users\n\n## GET /api/users/:id\n\nOne user.\n\n"
        "## DELETE /api/users/:id\n\n"
        "TODO: describe DELETE /api/users/:id (served by src/routes.ts).\n\n"
        "## Notes\n\nProse.\n"
    )
    assert (repo.path / SPEC).read_bytes() == expected.replace("\n", eol).encode()
    assert findings(repo, capsys) == {}
    [entry] = log_lines(repo)
    assert {k: v for k, v in entry.items() if k != "at"} == {
        "rule": "route-undocumented",
        "fingerprint": found["route-undocumented"]["fingerprint"],
        "subject": "DELETE /api/users/:id",
        "change": "stub-route",
        "spec": SPEC,
        "commit": repo.head(),
        "who": "Test User <test@example.com>",
    }
    # Applying settles the finding by changing the spec: no decision is recorded.
    assert not (repo.path / ".specweave/drift-baseline.json").exists()


@pytest.mark.parametrize(
    ("config", "target"),
    [
        (None, "docs/api.md"),
        (
            {"sync": {"orchestration": {"discrepancy": {"stubSpec": "docs/ref/http.md"}}}},
            "docs/ref/http.md",
        ),
    ],
)
def test_a_stub_without_neighbours_goes_to_the_configured_spec(
    repo: Repo, capsys: pytest.CaptureFixture[str], config: Any, target: str
) -> None:
    # The only spec documents another module: no neighbour of the new route.
    repo.write("src/other.ts", "export function ping(): string {\n  return '';\n}\n")
    repo.write(SPEC, "# Other\n\n### ping(): string\n")
    if config is not None:
        repo.write(".specweave/config.json", json.dumps(config))
    repo.write(ROUTES, routes(("post", "/items")))
    found = findings(repo, capsys)
    assert apply(repo, capsys, found["route-undocumented"]["fingerprint"])[0] == 0
    assert (repo.path / target).read_text() == (
        "## POST /api/items\n\nTODO: describe POST /api/items (served by src/routes.ts).\n"
    )
    assert (repo.path / SPEC).read_text() == "# Other\n\n### ping(): string\n"
    assert [e["spec"] for e in log_lines(repo)] == [target]


@pytest.mark.parametrize(
    ("path", "before", "after", "spec", "stub"),
    [
        (
            SERVICE,
            "export function getUser(id: string): string {\n  return id;\n}\n",
            "export function getUser(id: string): string {\n  return id;\n}\n\n"
            "export function deleteUser(\n  id: string,\n): boolean {\n  return true;\n}\n",
            "# Users\n\n### getUser(id: string): string\n",
            "### deleteUser(id: string): boolean\n\n"
            "TODO: describe deleteUser (exported by src/users.ts).\n",
        ),
        (
            "app/users.py",
            "def get_user(uid: int) -> str:\n    return ''\n",
            "def get_user(uid: int) -> str:\n    return ''\n\n\n"
            "def delete_user(uid: int, *, hard: bool = False) -> bool:\n    return True\n",
            "# Users\n\n### `get_user(uid: int) -> str`\n",
            "### `delete_user(uid: int, *, hard: bool = False) -> bool`\n\n"
            "TODO: describe delete_user (exported by app/users.py).\n",
        ),
        (
            SERVICE,
            "export function getUser(id: string): string {\n  return id;\n}\n",
            "export function getUser(id: string): string {\n  return id;\n}\n\n"
            "export class UserStore {}\n",
            "# Users\n\n### getUser(id: string): string\n",
            "### class UserStore\n\nTODO: describe UserStore (exported by src/users.ts).\n",
        ),
    ],
    ids=["ts-function", "py-function-backticks", "ts-class"],
)
def test_undocumented_symbol_gets_a_heading_stub(
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    path: str,
    before: str,
    after: str,
    spec: str,
    stub: str,
) -> None:
    repo.write(path, before)
    repo.write(SPEC, spec)
    repo.commit("v1")
    repo.write(path, after)
    found = findings(repo, capsys)
    assert list(found) == ["symbol-undocumented"]
    assert apply(repo, capsys, found["symbol-undocumented"]["fingerprint"])[0] == 0
    assert (repo.path / SPEC).read_text() == spec + "\n" + stub
    assert findings(repo, capsys) == {}
    assert [e["change"] for e in log_lines(repo)] == ["stub-symbol"]


@pytest.mark.parametrize(
    ("rule", "code_after", "spec_after"),
    [
        (
            "param-added-required",
            "export function createUser(name: string, email: string): string {\n"
            "  return name;\n}\n",
            "# API\n\n### createUser(name: string, email: string): string\n\n"
            "```ts\nfunction createUser(name: string, email: string): string;\n```\n",
        ),
        (
            "return-type-changed",
            "export function createUser(name: string): number {\n  return 1;\n}\n",
            "# API\n\n### createUser(name: string): number\n\n"
            "```ts\nfunction createUser(name: string): number;\n```\n",
        ),
    ],
)
def test_changed_signature_is_rewritten_from_the_code(
    repo: Repo, capsys: pytest.CaptureFixture[str], rule: str, code_after: str, spec_after: str
) -> None:
    repo.write(SERVICE, "export function createUser(name: string): string {\n  return name;\n}\n")
    repo.write(
        SPEC,
        "# API\n\n### createUser(name: string): string\n\n"
        "```ts\nfunction createUser(name: string): string;\n```\n",
    )
    repo.commit("v1")
    repo.write(SERVICE, code_after)
    found = findings(repo, capsys)
    assert list(found) == [rule]
    assert apply(repo, capsys, found[rule]["fingerprint"])[0] == 0
    assert (repo.path / SPEC).read_text() == spec_after
    assert findings(repo, capsys) == {}
    assert [(e["rule"], e["change"]) for e in log_lines(repo)] == [(rule, "rewrite")]


def test_a_removed_route_is_struck_through_with_the_commit(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = (
        "# Users\n\n## GET /api/users/:id\n\nOne user.\n\n## DELETE /api/users/:id\n\n"
        "Deletes.\n\n| call | note |\n|---|---|\n| `DELETE /api/users/:id` | admin |\n"
    )
    repo.write(ROUTES, routes(("get", "/users/:id"), ("delete", "/users/:id")))
    repo.write(SPEC, spec)
    repo.commit("v1")
    repo.write(ROUTES, routes(("get", "/users/:id")))
    head = repo.commit("remove DELETE")
    # The pull request's check names it route-missing; that fingerprint is accepted.
    main(["check", "--base", "HEAD~1", "--format", "json", "--repo", str(repo.path)])
    [missing] = json.loads(capsys.readouterr().out)["discrepancies"]
    assert missing["rule"] == "route-missing"
    code, out = apply(repo, capsys, missing["fingerprint"])
    assert code == 0, out
    short = repo.git("rev-parse", "--short", head).strip()
    assert (repo.path / SPEC).read_text() == spec.replace(
        "## DELETE /api/users/:id", f"## ~~DELETE /api/users/:id~~ (removed in {short})"
    ).replace("`DELETE /api/users/:id`", f"~~DELETE /api/users/:id~~ (removed in {short})")
    assert findings(repo, capsys) == {}
    [entry] = log_lines(repo)
    assert (entry["rule"], entry["change"], entry["commit"]) == (
        "route-unimplemented",
        "deprecate",
        head,
    )


def test_a_finding_without_an_automatic_change_is_refused(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = "# API\n\n### class Store\n"
    repo.write(SERVICE, "export function Store(): void {}\n")
    repo.write(SPEC, spec)
    found = findings(repo, capsys)
    assert list(found) == ["symbol-kind-changed"]
    code = main(
        [
            "discrepancies",
            "accept",
            found["symbol-kind-changed"]["fingerprint"],
            "--apply",
            "--repo",
            str(repo.path),
        ]
    )
    assert code == 2
    assert "no change can be applied automatically" in capsys.readouterr().err
    assert (repo.path / SPEC).read_text() == spec
    assert log_lines(repo) == []
