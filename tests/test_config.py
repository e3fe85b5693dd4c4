"""Config: schema rules, every bad input as a table row, typed loading, show, docs table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from specweave_git.cli.main import main
from specweave_git.config import ConfigError, defaults, load_config
from specweave_git.config.docs import BEGIN, END, render_table
from specweave_git.config.schema import schema
from specweave_git.config.validate import escape_reason
from specweave_git.record import FrozenRecord

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "specweave-app"
CFG = ".specweave/config.json"


def _sync(**section: Any) -> str:
    return json.dumps({"sync": section})


def _disc(**keys: Any) -> str:
    return _sync(orchestration={"discrepancy": keys})


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


# (config file content, JSON pointer or location, fragment of the message)
BAD: list[tuple[str | bytes, str, str]] = [
    ('{"sync": {"budget": 1,}}', "line 1 column 23", "invalid JSON"),
    ("", "line 1 column 1", "invalid JSON"),
    (b'{"sync": "\xff"}', "byte 10", "not valid UTF-8"),
    ("[1, 2]", "/", "expected a JSON object, got array"),
    ('{"sync": {"budget": 1, "budget": 2}}', "/sync/budget", "duplicate key"),
    ('{"sync": 3}', "/sync", "expected object, got integer 3"),
    (
        _sync(settings={"canUpsertInternalItem": True}),
        "/sync/settings/canUpsertInternalItem",
        "unknown key (did you mean 'canUpsertInternalItems'?)",
    ),
    (
        _sync(settings={"canUpdateStatus": "yes"}),
        "/sync/settings/canUpdateStatus",
        'expected boolean, got string "yes"',
    ),
    (
        _sync(github={"enabled": True, "repo": "shop"}),
        "/sync/github/owner",
        "required when sync.github.enabled is true",
    ),
    (
        _sync(github={"enabled": True, "owner": "acme"}),
        "/sync/github/repo",
        "required when sync.github.enabled is true",
    ),
    (
        _sync(github={"enabled": True, "owner": "bad owner!", "repo": "x"}),
        "/sync/github/owner",
        "is not a valid GitHub owner",
    ),
    (_sync(github={"enabled": False, "token": "x"}), "/sync/github/token", "unknown key"),
    (
        _sync(jira={"enabled": True, "domain": "acme.atlassian.net"}),
        "/sync/jira/projectKey",
        "required when sync.jira.enabled is true",
    ),
    (
        _sync(jira={"enabled": True, "domain": "acme.atlassian.net", "projectKey": "web"}),
        "/sync/jira/projectKey",
        "is not a valid JIRA project key",
    ),
    (
        _sync(jira={"enabled": True, "domain": "https://acme.atlassian.net", "projectKey": "W"}),
        "/sync/jira/domain",
        "is not a valid JIRA host name",
    ),
    (
        _sync(ado={"enabled": True, "project": "Shop"}),
        "/sync/ado/organization",
        "required when sync.ado.enabled is true",
    ),
    (_sync(ado={"project": ""}), "/sync/ado/project", "must not be empty"),
    (
        _sync(statusSync={"conflictResolution": "local-wins"}),
        "/sync/statusSync/conflictResolution",
        '"local-wins" is not one of: prompt, last-write-wins',
    ),
    (
        _sync(statusSync={"mappings": {"github": {"planing": "open"}}}),
        "/sync/statusSync/mappings/github/planing",
        "unknown key 'planing' (did you mean 'planning'?)",
    ),
    (
        _sync(statusSync={"mappings": {"jira": {"active": 5}}}),
        "/sync/statusSync/mappings/jira/active",
        "expected object or string, got integer 5",
    ),
    (
        _sync(statusSync={"mappings": {"ado": {"active": {"tags": ["x"]}}}}),
        "/sync/statusSync/mappings/ado/active/state",
        "required",
    ),
    (
        _sync(statusSync={"mappings": {"gitlab": {}}}),
        "/sync/statusSync/mappings/gitlab",
        "unknown key",
    ),
    (_sync(budget=0), "/sync/budget", "must be at least 1, got 0"),
    (_sync(budget="100"), "/sync/budget", 'expected integer, got string "100"'),
    (
        _sync(orchestration={"schedule": {}}),
        "/sync/orchestration/schedule",
        "unknown key (did you mean 'scheduler'?)",
    ),
    (
        _sync(orchestration={"scheduler": {"jobs": {"externalSync": {"intervalMinutes": 0}}}}),
        "/sync/orchestration/scheduler/jobs/externalSync/intervalMinutes",
        "must be at least 1",
    ),
    (
        _sync(orchestration={"scheduler": {"jobs": {"livingDocsSync": {"intervalMinutes": 1.5}}}}),
        "/sync/orchestration/scheduler/jobs/livingDocsSync/intervalMinutes",
        "expected integer, got number 1.5",
    ),
    (
        _sync(orchestration={"scheduler": {"jobs": {"nightly": {"enabled": True}}}}),
        "/sync/orchestration/scheduler/jobs/nightly",
        "unknown key",
    ),
    (
        _sync(orchestration={"scheduler": {"enabled": None}}),
        "/sync/orchestration/scheduler/enabled",
        "expected boolean, got null",
    ),
    (
        _sync(orchestration={"permissions": {"gitlab": {"canRead": True}}}),
        "/sync/orchestration/permissions/gitlab",
        "unknown key",
    ),
    (
        _sync(orchestration={"permissions": {"jira": {"canDelete": "no"}}}),
        "/sync/orchestration/permissions/jira/canDelete",
        "expected boolean",
    ),
    (
        _disc(failOn="critical"),
        "/sync/orchestration/discrepancy/failOn",
        '"critical" is not one of: trivial, minor, major, breaking, never',
    ),
    (
        _disc(checkTypes=["config"]),
        "/sync/orchestration/discrepancy/checkTypes/0",
        '"config" is not one of: api-routes, types, functions',
    ),
    (
        _disc(checkTypes=["types", "types"]),
        "/sync/orchestration/discrepancy/checkTypes",
        'items must be unique ("types" is repeated)',
    ),
    (
        _disc(requireReviewFor=["huge"]),
        "/sync/orchestration/discrepancy/requireReviewFor/0",
        "is not one of",
    ),
    (
        _disc(severityOverrides={"route-mising": "minor"}),
        "/sync/orchestration/discrepancy/severityOverrides/route-mising",
        "unknown key 'route-mising' (did you mean 'route-missing'?)",
    ),
    (
        _disc(severityOverrides={"param-renamed": "fatal"}),
        "/sync/orchestration/discrepancy/severityOverrides/param-renamed",
        '"fatal" is not one of: trivial, minor, major, breaking, off',
    ),
    (
        _disc(ignorePaths=["../x"]),
        "/sync/orchestration/discrepancy/ignorePaths/0",
        "escapes the repository",
    ),
    (
        _disc(ignorePaths=["ok/**", "/etc/passwd"]),
        "/sync/orchestration/discrepancy/ignorePaths/1",
        "absolute paths are not allowed",
    ),
    (
        _disc(ignorePaths=["~/notes/*.md"]),
        "/sync/orchestration/discrepancy/ignorePaths/0",
        "home-relative paths are not allowed",
    ),
    (
        _disc(ignorePaths=[""]),
        "/sync/orchestration/discrepancy/ignorePaths/0",
        "must not be empty",
    ),
    (
        _disc(specGlobs=["**/../../*.md"]),
        "/sync/orchestration/discrepancy/specGlobs/0",
        "escapes the repository",
    ),
    (
        _disc(codeGlobs=["C:\\src\\*.ts"]),
        "/sync/orchestration/discrepancy/codeGlobs/0",
        "absolute paths are not allowed",
    ),
    (
        _disc(codeGlobs={"docs/**": "src/**"}),
        "/sync/orchestration/discrepancy/codeGlobs/docs~1**",
        'expected array, got string "src/**"',
    ),
    (
        _disc(codeGlobs={"../specs/*.md": ["src/*.ts"]}),
        "/sync/orchestration/discrepancy/codeGlobs/..~1specs~1*.md",
        "escapes the repository",
    ),
    (
        _disc(codeGlobs={"docs/*.md": ["src/../../lib/*.ts"]}),
        "/sync/orchestration/discrepancy/codeGlobs/docs~1*.md/0",
        "escapes the repository",
    ),
    (
        _disc(codeGlobs={"docs/*.md": []}),
        "/sync/orchestration/discrepancy/codeGlobs/docs~1*.md",
        "must not be empty",
    ),
    (
        _disc(codeGlobs=5),
        "/sync/orchestration/discrepancy/codeGlobs",
        "expected array or object, got integer 5",
    ),
    (
        _disc(maxFileBytes=0),
        "/sync/orchestration/discrepancy/maxFileBytes",
        "must be at least 1",
    ),
    (
        _disc(includeTests="yes"),
        "/sync/orchestration/discrepancy/includeTests",
        "expected boolean",
    ),
    (
        _sync(orchestration={"notifications": {"retentionDays": -1}}),
        "/sync/orchestration/notifications/retentionDays",
        "must be at least 1, got -1",
    ),
    (
        _sync(orchestration={"notifications": {"types": {"email": True}}}),
        "/sync/orchestration/notifications/types/email",
        "unknown key",
    ),
    (
        _sync(orchestration={"notifications": {"showOnCommands": "next"}}),
        "/sync/orchestration/notifications/showOnCommands",
        "expected array",
    ),
    (
        _sync(orchestration={"logging": {"verbosity": "loud"}}),
        "/sync/orchestration/logging/verbosity",
        '"loud" is not one of: minimal, normal, verbose',
    ),
]


@pytest.mark.parametrize(("content", "where", "fragment"), BAD)
def test_bad_config_exits_2_naming_file_and_pointer(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str | bytes,
    where: str,
    fragment: str,
) -> None:
    cfg = tmp_path / CFG
    cfg.parent.mkdir(parents=True)
    if isinstance(content, bytes):
        cfg.write_bytes(content)
    else:
        cfg.write_text(content, encoding="utf-8")
    code, out, err = _run(["config", "validate", "--repo", str(tmp_path)], capsys)
    assert code == 2
    assert f"{cfg}: {where}: " in err
    line = next(x for x in err.splitlines() if f"{cfg}: {where}: " in x)
    assert fragment in line
    assert "Traceback" not in out + err
    assert out == ""


def test_bad_input_table_is_big_and_distinct() -> None:
    assert len({(c if isinstance(c, bytes) else c.encode()) for c, _, _ in BAD}) == len(BAD)
    assert len(BAD) >= 40


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    (tmp_path / ".specweave").mkdir()
    (tmp_path / CFG).write_text(
        _sync(
            budget=0,
            settings={"canUpdateStatus": 1},
            github={"enabled": True},
            orchestration={"discrepancy": {"ignorePaths": ["../a", "/b"]}},
        ),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path)
    pointers = [p.pointer for p in exc.value.problems]
    assert pointers == [
        "/sync/budget",
        "/sync/github/owner",
        "/sync/github/repo",
        "/sync/orchestration/discrepancy/ignorePaths/0",
        "/sync/orchestration/discrepancy/ignorePaths/1",
        "/sync/settings/canUpdateStatus",
    ]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["config", "validate", "--config", "nope.json"], "nope.json: config file not found"),
        (["config", "show", "--repo", "no/such/dir"], "no/such/dir: repository directory"),
        (["config", "migrate", "--config", "nope.json"], "nope.json: config file not found"),
        (["config", "validate", "--config", "."], ".: cannot read"),
    ],
)
def test_bad_locations_exit_2(
    args: list[str],
    fragment: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(args, capsys)
    assert code == 2 and fragment in err and "Traceback" not in out + err


VALID: list[dict[str, Any]] = [
    {},
    {"project": {"name": "x"}, "hooks": {"anything": [1, 2]}, "sync": {"profiles": {"p": {}}}},
    {"sync": {"direction": "bidirectional", "enabled": True, "provider": "github"}},
    {"sync": {"github": {"enabled": True, "owner": "acme-inc", "repo": "web.app_2"}}},
    {"sync": {"jira": {"enabled": True, "domain": "acme.atlassian.net", "projectKey": "WEB"}}},
    {"sync": {"jira": {"enabled": True, "domain": "jira.local:8080", "projectKey": "AB_1"}}},
    {"sync": {"ado": {"enabled": True, "organization": "acme", "project": "Shop App"}}},
    {"sync": {"github": {"enabled": False}}},  # owner/repo only needed when enabled
    {"sync": {"statusSync": {"mappings": {"ado": {"active": {"state": "Active", "tags": ["x"]}}}}}},
    {"sync": {"orchestration": {"discrepancy": {"ignorePaths": ["a/../b", "!dist/keep/**"]}}}},
    {"sync": {"orchestration": {"discrepancy": {"codeGlobs": {"docs/*.md": ["src/**/*.ts"]}}}}},
    {"sync": {"orchestration": {"discrepancy": {"severityOverrides": {"param-renamed": "off"}}}}},
    {"sync": {"orchestration": {"scheduler": {"jobs": {"externalSync": {"intervalMinutes": 5}}}}}},
]


@pytest.mark.parametrize("doc", VALID)
def test_valid_configs_pass(
    doc: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".specweave").mkdir()
    (tmp_path / CFG).write_text(json.dumps(doc), encoding="utf-8")
    code, out, err = _run(["config", "validate", "--repo", str(tmp_path)], capsys)
    assert (code, out, err) == (0, f"{tmp_path / CFG}: ok\n", "")


def test_example_config_validates(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["config", "validate", "--repo", str(EXAMPLE)], capsys)
    assert code == 0 and out.endswith(": ok\n")


def test_action_flags_may_come_before_the_action(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(["config", "--repo", str(EXAMPLE), "validate"], capsys)
    assert code == 0 and "specweave-app" in out


def test_missing_file_means_all_defaults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(["config", "validate", "--repo", str(tmp_path)], capsys)
    assert code == 0 and "no file; all defaults apply" in out
    config = load_config(tmp_path)
    assert config.path is None and dict(config.raw) == {}
    assert config.effective == defaults()


# (what, getter, expected) for a repository without a config file
DEFAULTS: list[tuple[str, Any, Any]] = [
    ("flags", lambda c: c.settings.as_tuple(), (False, False, False, False)),
    ("externalSync", lambda c: c.jobs["externalSync"], (True, 15)),
    ("discrepancyCheck", lambda c: c.jobs["discrepancyCheck"], (False, 60)),
    ("livingDocsSync", lambda c: c.jobs["livingDocsSync"], (False, 30)),
    ("notificationCleanup", lambda c: c.jobs["notificationCleanup"], (True, 1440)),
    ("log retention", lambda c: c.logging.retention_days, 30),
    ("notification retention", lambda c: c.notifications.retention_days, 30),
    ("fail_on", lambda c: c.discrepancy.fail_on, "major"),
    ("maxFileBytes", lambda c: c.discrepancy.max_file_bytes, 1048576),
    ("includeTests", lambda c: c.discrepancy.include_tests, False),
    ("budget", lambda c: c.sync.budget, 100),
    (
        "github perms",
        lambda c: c.permissions["github"].as_tuple(),
        (True, False, False, False),
    ),
    (
        "trackers",
        lambda c: (c.sync.github.enabled, c.sync.jira.enabled, c.sync.ado.enabled),
        (False,) * 3,
    ),
    (
        "specGlobs",
        lambda c: c.discrepancy.spec_globs,
        (
            ".specweave/increments/*/spec.md",
            ".specweave/increments/*/tasks.md",
            ".specweave/docs/internal/specs/**/*.md",
            "docs/**/*.md",
        ),
    ),
    ("codeGlobs apply to every spec", lambda c: list(c.discrepancy.code_globs), ["**"]),
    ("check types", lambda c: c.discrepancy.check_types, ("api-routes", "types", "functions")),
    ("jira mapping", lambda c: c.sync.status_sync.mappings["jira"]["completed"].state, "Done"),
]


@pytest.mark.parametrize(("what", "get", "expected"), DEFAULTS, ids=[d[0] for d in DEFAULTS])
def test_defaults_without_a_file(tmp_path: Path, what: str, get: Any, expected: Any) -> None:
    value = get(load_config(tmp_path))
    if isinstance(value, FrozenRecord):
        value = value.as_tuple()
    assert value == expected


EXAMPLE_VALUES: list[tuple[str, Any, Any]] = [
    ("set job", lambda c: c.jobs["externalSync"].interval_minutes, 30),
    ("set flag", lambda c: c.settings.can_upsert_internal_items, True),
    ("upsert", lambda c: c.permissions["github"].can_upsert, True),
    ("default platform", lambda c: c.permissions["jira"].can_read, True),
    ("override", lambda c: c.discrepancy.severity_overrides["symbol-undocumented"], "minor"),
    ("code map", lambda c: c.discrepancy.code_globs["docs/api/**/*.md"], ("server/src/**/*.ts",)),
    ("partial types", lambda c: dict(c.notifications.types)["jobComplete"], True),
    ("default type", lambda c: dict(c.notifications.types)["drift"], True),
    (
        "labels",
        lambda c: c.sync.status_sync.mappings["github"]["active"].labels,
        ("status:active",),
    ),
    ("string target", lambda c: c.sync.status_sync.mappings["github"]["completed"].state, "closed"),
    ("default mapping", lambda c: c.sync.status_sync.mappings["ado"]["paused"].state, "On Hold"),
    ("owner", lambda c: (c.sync.github.owner, c.sync.github.repo), ("acme", "shop")),
    ("raw kept", lambda c: c.raw["project"]["name"], "acme-shop"),
    ("budget", lambda c: c.sync.budget, 200),
]


@pytest.mark.parametrize(
    ("what", "get", "expected"), EXAMPLE_VALUES, ids=[e[0] for e in EXAMPLE_VALUES]
)
def test_example_typed_values(what: str, get: Any, expected: Any) -> None:
    assert get(load_config(EXAMPLE)) == expected


def test_config_is_frozen() -> None:
    config = load_config(EXAMPLE)
    with pytest.raises(AttributeError):
        config.sync.settings.can_update_status = False
    with pytest.raises(TypeError):
        config.jobs["externalSync"] = config.jobs["livingDocsSync"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("src/**/*.ts", None),
        ("a/../b", None),
        ("./docs/*.md", None),
        ("!dist/keep/**", None),
        ("..", "escapes the repository"),
        ("a/../../b", "escapes the repository"),
        ("**/../x", "escapes the repository"),
        ("..\\x", "escapes the repository"),
        ("/abs", "absolute paths are not allowed"),
        ("\\\\server\\share", "absolute paths are not allowed"),
        ("D:/x", "absolute paths are not allowed"),
        ("~user/x", "home-relative paths are not allowed"),
    ],
)
def test_escape_reason(path: str, reason: str | None) -> None:
    assert escape_reason(path) == reason


def test_show_text_marks_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["config", "show", "--repo", str(EXAMPLE)], capsys)
    lines = out.splitlines()
    assert code == 0
    assert "sync.budget = 200" in lines
    assert "sync.orchestration.scheduler.runOnStartup = true  # default" in lines
    assert 'sync.orchestration.discrepancy.failOn = "major"' in lines
    assert not any(line.startswith("sync.jira.domain") for line in lines)


def test_show_json_is_the_effective_document(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["config", "show", "--format", "json", "--repo", str(EXAMPLE)], capsys)
    doc = json.loads(out)
    assert code == 0
    assert doc["project"]["name"] == "acme-shop"  # SpecWeave's keys are kept
    assert doc["sync"]["orchestration"]["logging"]["verbosity"] == "normal"
    assert doc["sync"]["orchestration"]["permissions"]["ado"]["canRead"] is True


def test_schema_is_valid_draft_2020_12() -> None:
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

    Draft202012Validator.check_schema(schema())
    assert schema()["$schema"].endswith("/2020-12/schema")


def test_severity_override_keys_are_the_drift_rule_ids() -> None:
    from specweave_git.drift.model import RULES

    names = schema()["$defs"]["discrepancy"]["properties"]["severityOverrides"]["propertyNames"]
    assert set(names["enum"]) == set(RULES)


def test_readme_table_is_rendered_from_the_schema() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = readme.index(BEGIN), readme.index(END) + len(END)
    assert readme[start:end] == render_table()
    assert (
        "| `sync.orchestration.scheduler.jobs.externalSync.intervalMinutes` | integer | `15` |"
        in (render_table())
    )
