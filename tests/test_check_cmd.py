"""``specweave-git check`` end to end on real repositories: scopes, fail-on, config,
suppressions, every output format, and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from specweave_git.cli.main import main
from specweave_git.drift.model import fingerprint

from .conftest import Repo

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
CONFIG = ".specweave/config.json"
DOCS = "docs/api.md"

SPEC = """# Items API

## GET /api/items/:id

Returns one item.

### addItem(name: string): Item

### getItem(id: string): Item

```ts
interface Item {
  id: string;
}
```
"""


def code(*levels: str) -> dict[str, str]:
    """The code SPEC documents, with one drift of each severity named in ``levels``."""
    param = ":itemId" if "trivial" in levels else ":id"
    extra = ", qty?: number" if "minor" in levels else ""
    field = "  name: string;\n" if "major" in levels else ""
    returns = "Item | undefined" if "breaking" in levels else "Item"
    return {
        "src/app.ts": f"""import express from "express";
import {{ getItem }} from "./items";

const app = express();
app.get("/api/items/{param}", (req, res) => res.json(getItem(req.params.id)));
""",
        "src/items.ts": f"""export interface Item {{
  id: string;
{field}}}

export function addItem(name: string{extra}): Item {{
  return {{ id: name }};
}}

export function getItem(id: string): {returns} {{
  return {{ id }};
}}
""",
    }


# The rule each level of ``code()`` plants.
RULE_OF = {
    "trivial": "route-param-renamed",
    "minor": "param-added-optional",
    "major": "field-added-required",
    "breaking": "return-type-changed",
}


def project(repo: Repo, *levels: str, config: dict[str, Any] | None = None) -> None:
    for path, text in {**code(*levels), DOCS: SPEC}.items():
        repo.write(path, text)
    if config is not None:
        repo.write(CONFIG, json.dumps(config))


def discrepancy_config(**values: Any) -> dict[str, Any]:
    return {"sync": {"orchestration": {"discrepancy": values}}}


def check(repo: Repo, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    """Run ``check --format json`` and return the exit code and the document."""
    exit_code = main(["check", *argv, "--format", "json", "--repo", str(repo.path)])
    out = capsys.readouterr()
    doc: dict[str, Any] = json.loads(out.out)
    assert doc["exit_code"] == exit_code, out.err
    return exit_code, doc


def rules(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(d["rule"], d["severity"]) for d in doc["discrepancies"]}


def subjects(doc: dict[str, Any]) -> set[str]:
    return {d["subject"] for d in doc["discrepancies"]}


ROUTE = 'app.get("/api/{0}", (req, res) => res.end());\n'


def express_file(route: str) -> str:
    """A module serving ``GET /api/<route>``."""
    return 'import express from "express";\nconst app = express();\n' + ROUTE.format(route)


# ---------------------------------------------------------------- scopes


def test_staged_on_an_unborn_branch_checks_the_first_commit(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    project(repo, "minor")
    repo.write("src/extra.ts", express_file("extra"))
    repo.git("add", "-A")
    exit_code, doc = check(repo, capsys, "--staged")
    assert exit_code == 1
    assert doc["scope"] == {"kind": "staged", "base": None, "head": None}
    assert rules(doc) == {("param-added-optional", "minor"), ("route-undocumented", "major")}


def test_staged_sees_the_index_not_the_work_tree(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    project(repo)
    head = repo.commit("documented")
    staged = code("minor")
    repo.write("src/items.ts", staged["src/items.ts"])
    repo.git("add", "src/items.ts")
    repo.write("src/app.ts", code()["src/app.ts"] + ROUTE.format("unstaged"))  # not added
    exit_code, doc = check(repo, capsys, "--staged")
    assert (exit_code, rules(doc)) == (0, {("param-added-optional", "minor")})
    assert doc["scope"] == {"kind": "staged", "base": head, "head": None}


def test_range_is_three_dot_from_the_merge_base(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    project(repo)
    fork = repo.commit("documented")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("src/app.ts", code()["src/app.ts"] + ROUTE.format("feature"))
    feature = repo.commit("feature adds a route")
    repo.git("checkout", "-q", "main")
    repo.write("src/main-only.ts", express_file("main"))
    repo.commit("main moves on")
    # main's own new route is not the pull request's business
    exit_code, doc = check(repo, capsys, "--base", "main", "--head", "feature")
    assert (exit_code, subjects(doc)) == (1, {"GET /api/feature"})
    assert doc["scope"] == {"kind": "range", "base": fork, "head": feature}
    # --head defaults to HEAD
    repo.git("checkout", "-q", "feature")
    assert subjects(check(repo, capsys, "--base", "main")[1]) == {"GET /api/feature"}


def test_all_checks_the_work_tree_including_untracked_files(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    project(repo, "trivial")
    head = repo.commit("drifted")
    repo.write("src/new.ts", express_file("untracked"))
    exit_code, doc = check(repo, capsys, "--all")
    assert exit_code == 1
    assert doc["scope"] == {"kind": "all", "base": None, "head": head}
    assert rules(doc) == {("route-param-renamed", "trivial"), ("route-undocumented", "major")}
    assert {d["code"]["path"] for d in doc["discrepancies"]} == {"src/app.ts", "src/new.ts"}


@pytest.mark.parametrize(
    ("env", "kind", "found"),
    [
        ({}, "all", {"route-param-renamed", "param-added-optional"}),
        ({"PRE_COMMIT": "1"}, "staged", {"param-added-optional"}),
        ({"SPECWEAVE_CONTEXT": "hook"}, "staged", {"param-added-optional"}),
    ],
)
def test_default_scope_is_all_for_a_user_and_staged_in_a_hook(
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    kind: str,
    found: set[str],
) -> None:
    project(repo, "trivial")
    repo.commit("drift already committed")
    repo.write("src/items.ts", code("minor")["src/items.ts"])
    repo.git("add", "-A")
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    _, doc = check(repo, capsys)
    assert doc["scope"]["kind"] == kind
    assert {d["rule"] for d in doc["discrepancies"]} == found


# ---------------------------------------------------------------- fail-on and config


@pytest.mark.parametrize(
    ("levels", "fail_on", "exit_code"),
    [
        ((), "trivial", 0),
        (("trivial",), "trivial", 1),
        (("trivial",), "minor", 0),
        (("minor",), "trivial", 1),
        (("minor",), "minor", 1),
        (("minor",), "major", 0),
        (("major",), "major", 1),
        (("major",), "breaking", 0),
        (("breaking",), "breaking", 1),
        (("breaking",), "never", 0),
        (("trivial", "minor", "major", "breaking"), "never", 0),
        (("minor",), None, 0),  # default fail-on: major
        (("major",), None, 1),
    ],
)
def test_fail_on(
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    levels: tuple[str, ...],
    fail_on: str | None,
    exit_code: int,
) -> None:
    project(repo, *levels)
    argv = ["--all", *(["--fail-on", fail_on] if fail_on else [])]
    got, doc = check(repo, capsys, *argv)
    assert got == exit_code
    assert rules(doc) == {(RULE_OF[lv], lv) for lv in levels}
    assert {k: doc["summary"][k] for k in RULE_OF} == {lv: int(lv in levels) for lv in RULE_OF}


@pytest.mark.parametrize(
    ("config_fail_on", "argv", "exit_code"),
    [
        ("minor", [], 1),
        ("never", [], 0),
        ("minor", ["--fail-on", "major"], 0),  # the flag wins over the config
        ("breaking", ["--fail-on", "trivial"], 1),
    ],
)
def test_config_fail_on(
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    config_fail_on: str,
    argv: list[str],
    exit_code: int,
) -> None:
    project(repo, "minor", config=discrepancy_config(failOn=config_fail_on))
    assert check(repo, capsys, "--all", *argv)[0] == exit_code


@pytest.mark.parametrize(
    ("overrides", "expected", "exit_code"),
    [
        ({}, {("param-added-optional", "minor"), ("route-param-renamed", "trivial")}, 0),
        (
            {"param-added-optional": "breaking"},
            {("param-added-optional", "breaking"), ("route-param-renamed", "trivial")},
            1,
        ),
        (
            {"route-param-renamed": "major"},
            {("param-added-optional", "minor"), ("route-param-renamed", "major")},
            1,
        ),
        ({"param-added-optional": "off"}, {("route-param-renamed", "trivial")}, 0),
        ({"param-added-optional": "off", "route-param-renamed": "off"}, set(), 0),
    ],
)
def test_severity_overrides(
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    overrides: dict[str, str],
    expected: set[tuple[str, str]],
    exit_code: int,
) -> None:
    project(repo, "trivial", "minor", config=discrepancy_config(severityOverrides=overrides))
    got, doc = check(repo, capsys, "--all")
    assert (got, rules(doc)) == (exit_code, expected)


@pytest.mark.parametrize(
    ("check_types", "expected"),
    [
        (["api-routes"], {"route-param-renamed"}),
        (["functions"], {"param-added-optional", "return-type-changed"}),
        (["types"], {"field-added-required"}),
        (["api-routes", "types"], {"route-param-renamed", "field-added-required"}),
    ],
)
def test_check_types(
    repo: Repo, capsys: pytest.CaptureFixture[str], check_types: list[str], expected: set[str]
) -> None:
    project(repo, *RULE_OF, config=discrepancy_config(checkTypes=check_types))
    assert {d["rule"] for d in check(repo, capsys, "--all")[1]["discrepancies"]} == expected


@pytest.mark.parametrize(
    ("comment", "before", "expected"),
    [
        # the suppressed item is quiet; the other unserved route still speaks
        ("<!-- specweave-git: ignore route-unimplemented -->", "## DELETE", {"PUT"}),
        ("<!-- specweave-git: ignore -->", "## DELETE", {"PUT"}),  # no rule: all rules
        ("<!-- specweave-git: ignore all -->", "## PUT", {"DELETE"}),
        ("<!-- specweave-git: ignore route-missing -->", "## DELETE", {"DELETE", "PUT"}),
        ("<!-- specweave-git:ignore route-missing, route-unimplemented -->", "## PUT", {"DELETE"}),
    ],
)
def test_inline_suppression_applies_to_the_next_documented_item(
    repo: Repo, capsys: pytest.CaptureFixture[str], comment: str, before: str, expected: set[str]
) -> None:
    project(repo)
    spec = SPEC + "\n## DELETE /api/items/:id\n\nRemoves one.\n\n## PUT /api/items/:id\n"
    repo.write(DOCS, spec.replace(before, f"{comment}\n\n{before}"))
    _, doc = check(repo, capsys, "--all")
    assert {d["rule"] for d in doc["discrepancies"]} <= {"route-unimplemented"}
    assert {d["subject"].split()[0] for d in doc["discrepancies"]} == expected


def test_suppression_of_a_signature_rule(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    project(repo, "minor", "breaking")
    repo.write(
        DOCS,
        SPEC.replace(
            "### getItem", "<!-- specweave-git: ignore return-type-changed -->\n### getItem"
        ),
    )
    assert rules(check(repo, capsys, "--all")[1]) == {("param-added-optional", "minor")}


# ---------------------------------------------------------------- output formats

JSON_KEYS = {"version", "scope", "discrepancies", "summary", "exit_code"}
ITEM_KEYS = {
    "rule",
    "severity",
    "fingerprint",
    "subject",
    "message",
    "recommendation",
    "spec",
    "code",
    "spec_value",
    "code_value",
    "status",
}
SUMMARY_KEYS = {"trivial", "minor", "major", "breaking", "fixed", "files_parsed", "elapsed_ms"}


def test_json_is_the_design_contract(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    project(repo)
    base = repo.commit("documented")
    repo.write("src/app.ts", code("trivial")["src/app.ts"] + ROUTE.format("new"))
    head = repo.commit("drift")
    exit_code, doc = check(repo, capsys, "--base", base)
    assert set(doc) == JSON_KEYS and doc["version"] == 1
    assert doc["scope"] == {"kind": "range", "base": base, "head": head}
    assert set(doc["summary"]) == SUMMARY_KEYS
    assert all(isinstance(v, int) for v in doc["summary"].values())
    assert (doc["summary"]["major"], doc["summary"]["trivial"]) == (1, 1)
    assert doc["summary"]["files_parsed"] >= 1
    assert exit_code == doc["exit_code"] == 1
    by_rule = {d["rule"]: d for d in doc["discrepancies"]}
    assert [d["rule"] for d in doc["discrepancies"]] == [
        "route-undocumented",
        "route-param-renamed",
    ]  # most severe first
    for d in doc["discrepancies"]:
        assert set(d) == ITEM_KEYS
        assert len(d["fingerprint"]) == 12 and int(d["fingerprint"], 16) >= 0
        assert d["status"] == "new"
    undoc, renamed = by_rule["route-undocumented"], by_rule["route-param-renamed"]
    assert undoc["spec"] is None and undoc["spec_value"] is None
    assert undoc["code"] == {"path": "src/app.ts", "line": 6}
    assert renamed["spec"] == {"path": DOCS, "line": 3}
    assert renamed["code"] == {"path": "src/app.ts", "line": 5}
    assert (renamed["spec_value"], renamed["code_value"]) == (
        "/api/items/:id",
        "/api/items/:itemId",
    )
    # DESIGN §5: a hash of (rule, subject key, spec path), so stable across commits and
    # scopes: the same findings in --all have the same fingerprints
    assert undoc["fingerprint"] == fingerprint("route-undocumented", "GET /api/new", None)
    assert renamed["fingerprint"] == fingerprint("route-param-renamed", "GET /api/items/{}", DOCS)
    _, whole = check(repo, capsys, "--all")
    assert {d["fingerprint"] for d in whole["discrepancies"]} == {
        undoc["fingerprint"],
        renamed["fingerprint"],
    }


@pytest.fixture(scope="module")
def sarif_validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def run_format(repo: Repo, capsys: pytest.CaptureFixture[str], fmt: str, *argv: str) -> str:
    assert main(["check", "--all", "--format", fmt, "--repo", str(repo.path), *argv]) == 1
    out: str = capsys.readouterr().out
    return out


def test_sarif_validates_against_the_schema(
    repo: Repo, capsys: pytest.CaptureFixture[str], sarif_validator: Any
) -> None:
    project(repo, *RULE_OF)
    doc = json.loads(run_format(repo, capsys, "sarif"))
    assert [f"{list(e.absolute_path)}: {e.message}" for e in sarif_validator.iter_errors(doc)] == []
    results = doc["runs"][0]["results"]
    assert {r["ruleId"]: r["level"] for r in results} == {
        "return-type-changed": "error",
        "field-added-required": "error",
        "param-added-optional": "warning",
        "route-param-renamed": "note",
    }
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {DOCS}  # --all: neither side changed, so the finding sits on the spec


def test_github_annotations(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    project(repo, *RULE_OF)
    lines = run_format(repo, capsys, "github").splitlines()
    levels = {ln.split(" ", 1)[0] for ln in lines}
    assert levels == {"::error", "::warning", "::notice"}
    titles = {ln.split("title=", 1)[1].split("::", 1)[0]: ln.split(" ", 1)[0] for ln in lines}
    assert titles == {
        "return-type-changed": "::error",
        "field-added-required": "::error",
        "param-added-optional": "::warning",
        "route-param-renamed": "::notice",
    }
    assert all("file=" in ln and ",line=" in ln for ln in lines)


def test_markdown_report(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    project(repo, "minor", "breaking")
    out = run_format(repo, capsys, "markdown")
    assert out.startswith("## specweave-git drift check\n")
    assert out.index("### Breaking (1)") < out.index("### Minor (1)")
    header = "| Rule | Subject | Spec | Code | Problem | Recommendation |"
    assert out.count(header) == 2
    row = next(ln for ln in out.splitlines() if ln.startswith("| `return-type-changed`"))
    assert "| getItem: return | docs/api.md:9 | src/items.ts:9 |" in row
    assert "\\|" in row  # the `|` of `Item | undefined` is escaped so the table holds


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "sarif", "github"])
def test_output_file_for_every_format(
    repo: Repo, capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str
) -> None:
    project(repo, "breaking")
    target = tmp_path / "out" / f"report.{fmt}"
    target.parent.mkdir()
    printed = run_format(repo, capsys, fmt, "--output", str(target))
    written = target.read_text(encoding="utf-8")
    assert "return-type-changed" in written
    if fmt == "text":
        assert printed == written  # the terminal still gets the report
    else:
        assert printed == ""
    if fmt in ("json", "sarif"):
        json.loads(written)


# ---------------------------------------------------------------- bad input


def _setup_bad(repo: Repo, case: str) -> None:
    project(repo)
    repo.commit("documented")
    if case == "config":
        repo.write(CONFIG, '{"sync": {"orchestration": {"discrepancy": {"failOn": "huge"}}}}')
    elif case == "config-json":
        repo.write(CONFIG, '{"sync": ')
    elif case == "baseline":
        repo.write(".specweave/drift-baseline.json", '{"version": 1, "entries": []}')


@pytest.mark.parametrize(
    ("case", "argv", "in_err"),
    [
        ("", ["--head", "HEAD"], "--head needs --base"),
        ("", ["--base", "no-such-branch"], "unknown ref 'no-such-branch'"),
        ("", ["--base", "HEAD", "--head", "nope"], "unknown ref 'nope'"),
        ("config", ["--all"], ".specweave/config.json: /sync/orchestration/discrepancy/failOn"),
        ("config-json", ["--all"], ".specweave/config.json: line 1"),
        ("baseline", ["--all"], ".specweave/drift-baseline.json: /entries"),
    ],
)
def test_bad_input_exits_2_naming_the_problem(
    repo: Repo, capsys: pytest.CaptureFixture[str], case: str, argv: list[str], in_err: str
) -> None:
    _setup_bad(repo, case)
    assert main(["check", *argv, "--repo", str(repo.path)]) == 2
    out = capsys.readouterr()
    assert in_err in out.err
    assert "Traceback" not in out.err and out.out == ""


def test_not_a_repository_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--all", "--repo", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "not a git repository" in err and str(tmp_path) in err and "Traceback" not in err


def test_scope_flags_are_exclusive(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["check", "--staged", "--all", "--repo", str(repo.path)])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


# ---------------------------------------------------------------- --since-last


def test_since_last_checks_from_the_last_recorded_scan(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    from specweave_git.gitio.repo import open_repo
    from specweave_git.gitio.state import update_state
    from specweave_git.schedule.state import since_last_record

    project(repo, "major")
    scanned = repo.commit("scanned by the scheduler")
    # Before any scan is recorded: the whole tree, and a line saying why.
    _, doc = check(repo, capsys, "--since-last", "--fail-on", "never")
    assert doc["scope"]["kind"] == "all"
    assert ("field-added-required", "major") in rules(doc)
    update_state(
        open_repo(repo.path),
        since_last_record(scanned, "2026-11-21T00:00:00Z", {"major": 1}, "run-1"),
        "scan",
    )
    repo.write("src/items.ts", code("major", "minor")["src/items.ts"])
    head = repo.commit("a change after the scan")
    _, doc = check(repo, capsys, "--since-last", "--fail-on", "never")
    assert doc["scope"] == {"kind": "since-last", "base": scanned, "head": head}
    # Only what changed since the scan is reported: the new minor drift.
    assert ("param-added-optional", "minor") in rules(doc)


def test_since_last_with_no_scan_recorded_says_so(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    project(repo)
    repo.commit("first")
    assert main(["check", "--since-last", "--repo", str(repo.path)]) == 0
    assert "no full scan recorded" in capsys.readouterr().err
