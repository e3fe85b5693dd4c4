"""``specweave-git discrepancies`` with the real engine on real repositories: list, show,
accept and dismiss, the baseline file they write, and what the next ``check`` makes of it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from specweave_git.cli.main import main
from specweave_git.drift import baseline as bl
from specweave_git.drift.model import fingerprint

from .conftest import Repo

DOCS = "docs/api.md"

APP = """import express from "express";
import { createUser } from "./users";

const app = express();
app.get("/api/users/:id", (req, res) => res.json({ id: req.params.id }));
app.get("/api/users", (req, res) => res.json([]));
app.post("/api/users/:id", (req, res) => res.json(createUser(req.body.name)));
"""

USERS = """export interface User {
  id: string;
}

export function createUser(name: string, admin?: boolean): User {
  return { id: name };
}
"""

SPEC = """# Users API

## GET /api/users/:id

## POST /api/users/:id

### createUser(name: string): User

```ts
interface User {
  id: string;
}
```
"""

# The drift the repository above has, whole tree (fingerprints follow DESIGN §5).
UNDOC = fingerprint("route-undocumented", "GET /api/users", None)
OPTIONAL = fingerprint("param-added-optional", "createUser(admin)", DOCS)


@pytest.fixture
def drifted(repo: Repo) -> Repo:
    repo.write("src/app.ts", APP)
    repo.write("src/users.ts", USERS)
    repo.write(DOCS, SPEC)
    repo.commit("users api")
    return repo


def discrepancies(repo: Repo, capsys: pytest.CaptureFixture[str], *argv: str, code: int = 0) -> str:
    assert main(["discrepancies", "--repo", str(repo.path), *argv]) == code
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return out.out if code == 0 else out.err


def check_json(repo: Repo, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["check", "--all", "--format", "json", "--repo", str(repo.path)])
    doc: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert doc["exit_code"] == code
    return code, doc


def statuses(doc: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {d["fingerprint"]: (d["rule"], d["status"]) for d in doc["discrepancies"]}


def baseline(repo: Repo) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((repo.path / bl.BASELINE_PATH).read_text("utf-8"))
    return data


def test_list_shows_the_real_drift(drifted: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    lines = discrepancies(drifted, capsys, "list").splitlines()
    rows = {ln.split()[0]: ln.split()[1:4] for ln in lines[:-2]}
    assert rows == {
        UNDOC: ["major", "route-undocumented", "new"],
        OPTIONAL: ["minor", "param-added-optional", "new"],
    }
    assert lines[-1] == "2 findings (2 new, 0 settled), 0 stale baseline entries"
    assert not (drifted.path / bl.BASELINE_PATH).exists()  # listing decides nothing


def test_accept_records_who_when_why_and_check_then_passes(
    drifted: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check_json(drifted, capsys)[0] == 1
    drifted.git("config", "user.name", "Ada Lovelace")
    drifted.git("config", "user.email", "ada@example.com")
    out = discrepancies(drifted, capsys, "accept", UNDOC, "--reason", "internal endpoint")
    assert out.startswith(f"accepted {UNDOC} route-undocumented GET /api/users")
    entry = baseline(drifted)["entries"][UNDOC]
    assert entry == {
        "decision": "accepted",
        "rule": "route-undocumented",
        "subject": "GET /api/users",
        "spec_path": None,
        "by": "Ada Lovelace <ada@example.com>",
        "at": entry["at"],
        "reason": "internal endpoint",
    }
    assert entry["at"].endswith("Z") and entry["at"][:4].isdigit()
    code, doc = check_json(drifted, capsys)
    assert code == 0  # only an accepted major and a minor are left
    assert statuses(doc) == {
        UNDOC: ("route-undocumented", "accepted"),
        OPTIONAL: ("param-added-optional", "new"),
    }
    assert doc["summary"]["major"] == 1  # still counted, no longer failing


def test_dismiss_by_prefix_with_repo_after_the_action(
    drifted: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["discrepancies", "dismiss", OPTIONAL[:6], "--reason", "admin is internal"]
    assert main([*argv, "--repo", str(drifted.path)]) == 0
    entry = baseline(drifted)["entries"][OPTIONAL]
    assert (entry["decision"], entry["by"], entry["reason"], entry["spec_path"]) == (
        "dismissed",
        "Test User <test@example.com>",
        "admin is internal",
        DOCS,
    )
    capsys.readouterr()
    assert statuses(check_json(drifted, capsys)[1])[OPTIONAL] == (
        "param-added-optional",
        "dismissed",
    )


def test_stale_entries_are_listed_after_the_drift_disappears(
    drifted: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    discrepancies(drifted, capsys, "accept", UNDOC, "--reason", "later")
    discrepancies(drifted, capsys, "dismiss", OPTIONAL, "--reason", "internal flag")
    # document the route: the accepted finding is gone, its entry is stale
    drifted.write(DOCS, SPEC + "\n## GET /api/users\n")
    lines = discrepancies(drifted, capsys, "list").splitlines()
    assert lines[0].split()[:4] == [OPTIONAL, "minor", "param-added-optional", "dismissed"]
    at = baseline(drifted)["entries"][UNDOC]["at"]
    stale_at = lines.index(
        "stale baseline entries (the finding is gone; "
        "remove them from .specweave/drift-baseline.json):"
    )
    assert lines[stale_at + 1] == (
        f"  {UNDOC}  route-undocumented  GET /api/users  — "
        f"accepted by Test User <test@example.com> at {at}: later"
    )
    assert lines[-1] == "1 findings (0 new, 1 settled), 1 stale baseline entries"
    doc = json.loads(discrepancies(drifted, capsys, "list", "--format", "json"))
    assert [s["fingerprint"] for s in doc["stale"]] == [UNDOC]
    assert doc["discrepancies"][0]["decision"]["reason"] == "internal flag"
    # check --all names the stale entry too
    code, result = check_json(drifted, capsys)
    assert code == 0 and statuses(result) == {OPTIONAL: ("param-added-optional", "dismissed")}


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_show_a_finding_and_a_stale_entry(
    drifted: Repo, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    discrepancies(drifted, capsys, "accept", UNDOC, "--reason", "later")
    drifted.write(
        "src/app.ts", APP.replace('app.get("/api/users", (req, res) => res.json([]));\n', "")
    )
    first = discrepancies(drifted, capsys, "show", OPTIONAL, "--format", fmt)
    second = discrepancies(drifted, capsys, "show", UNDOC, "--format", fmt)
    if fmt == "json":
        a, b = json.loads(first), json.loads(second)
        assert (a["finding"]["rule"], a["decision"], a["stale"]) == (
            "param-added-optional",
            None,
            False,
        )
        assert (b["finding"], b["decision"]["reason"], b["stale"]) == (None, "later", True)
    else:
        assert first.splitlines()[:5] == [
            f"{OPTIONAL}  minor  param-added-optional",
            "subject: createUser(admin)",
            "message: createUser has a new optional parameter `admin` the spec does not document",
            f"spec: {DOCS}:7",
            "code: src/users.ts:5",
        ]
        assert "status: stale (the finding is gone) — accepted by Test User" in second


def test_decisions_are_about_the_whole_tree(
    drifted: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    # A staged change elsewhere does not hide the committed drift from `list` and `accept`.
    drifted.write("src/users.ts", USERS + "\nexport const VERSION = 2;\n")
    drifted.git("add", "-A")
    out = discrepancies(drifted, capsys, "list")
    assert UNDOC in out and OPTIONAL in out
    discrepancies(drifted, capsys, "accept", OPTIONAL)
    assert list(baseline(drifted)["entries"]) == [OPTIONAL]


@pytest.mark.parametrize(
    ("argv", "in_err"),
    [
        (["accept", "deadbeefcafe"], "unknown fingerprint 'deadbeefcafe'"),
        (["dismiss", "deadbeefcafe", "--reason", "x"], "unknown fingerprint 'deadbeefcafe'"),
        (["show", "ffffffffffff"], "unknown fingerprint 'ffffffffffff'"),
        (["dismiss", UNDOC, "--reason", "  "], "dismiss needs a reason"),
        (["accept", UNDOC[:3]], "unknown fingerprint"),  # too short a prefix
    ],
)
def test_usage_errors_exit_2_and_name_the_problem(
    drifted: Repo, capsys: pytest.CaptureFixture[str], argv: list[str], in_err: str
) -> None:
    assert in_err in discrepancies(drifted, capsys, *argv, code=2)
    assert not (drifted.path / bl.BASELINE_PATH).exists()


def test_dismiss_without_reason_is_refused_by_the_parser(
    drifted: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["discrepancies", "--repo", str(drifted.path), "dismiss", UNDOC])
    assert exc.value.code == 2
    assert "--reason" in capsys.readouterr().err


def test_ambiguous_prefix_is_a_usage_error(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    # Two undocumented routes whose fingerprints share a 4-character prefix.
    seen: dict[str, int] = {}
    for i in range(100_000):
        prefix = fingerprint("route-undocumented", f"GET /r{i}", None)[:4]
        if prefix in seen:
            pair = (seen[prefix], i)
            break
        seen[prefix] = i
    routes = "".join(f'app.get("/r{i}", (req, res) => res.end());\n' for i in pair)
    repo.write("src/app.ts", 'import express from "express";\nconst app = express();\n' + routes)
    repo.commit("two routes")
    err = discrepancies(repo, capsys, "accept", prefix, code=2)
    fps = [fingerprint("route-undocumented", f"GET /r{i}", None) for i in pair]
    assert "ambiguous" in err and fps[0] in err and fps[1] in err


def test_malformed_baseline_is_exit_2_naming_the_file(
    drifted: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    drifted.write(bl.BASELINE_PATH, '{"version": 1,\n "entries": {,}}\n')
    err = discrepancies(drifted, capsys, "list", code=2)
    assert ".specweave/drift-baseline.json: line 2 column 14: not valid JSON" in err


def test_who_is_deciding_must_be_known(
    drifted: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(drifted.path.parent / "nohome"))
    err = discrepancies(drifted, capsys, "accept", UNDOC, code=2)
    assert "git config user.name" in err
    assert not (drifted.path / bl.BASELINE_PATH).exists()
