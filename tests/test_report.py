"""Report renderers: JSON contract, text, markdown escaping, GitHub annotations, SARIF schema."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from specweave_git import __version__
from specweave_git.drift.detect import Scope
from specweave_git.drift.model import RULES, Discrepancy
from specweave_git.drift.result import CheckResult
from specweave_git.model import Location
from specweave_git.report import FORMATS, render, sarif, should_color
from specweave_git.report import github as gh
from specweave_git.report import markdown as md

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


def disc(
    rule: str,
    severity: str | None = None,
    *,
    subject: str = "GET /api/users/{}",
    spec: tuple[str, int] | None = ("docs/api.md", 12),
    code: tuple[str, int] | None = ("src/users.ts", 40),
    status: str = "new",
    message: str = "documented route is not served",
    recommendation: str = "serve it or remove it from the spec",
    spec_value: str | None = None,
    code_value: str | None = None,
) -> Discrepancy:
    return Discrepancy(
        rule=rule,
        severity=severity or RULES[rule].severity,
        subject=subject,
        subject_key=subject,
        message=message,
        recommendation=recommendation,
        spec=Location(*spec) if spec else None,
        code=Location(*code) if code else None,
        spec_value=spec_value,
        code_value=code_value,
        status=status,
    )


def result(*items: Discrepancy, fail_on: str = "major", **kw: Any) -> CheckResult:
    kw.setdefault("scope", Scope("range", base="a" * 40, head="b" * 40))
    kw.setdefault("files_parsed", 3)
    kw.setdefault("elapsed_ms", 41)
    return CheckResult(discrepancies=list(items), fail_on=fail_on, **kw)


MIXED = result(
    disc("route-unimplemented", subject="GET /a"),
    disc("param-added-optional", subject="f", spec=None),
    disc("route-missing", subject="DELETE /b", code=None),
    disc("route-undocumented", subject="POST /c", spec=None, status="accepted"),
    disc("param-renamed", subject="g", status="fixed"),
    disc("signature-format", subject="h"),
)

# ---------------------------------------------------------------- dispatch


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_text_ending_in_newline(fmt: str) -> None:
    out = render(MIXED, fmt, color=False)
    assert out.endswith("\n") and out.count("\n") >= 1


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="yaml"):
        render(MIXED, "yaml")


# ---------------------------------------------------------------- json


def test_json_is_exactly_the_design_contract() -> None:
    d = disc(
        "route-undocumented",
        spec=None,
        code=("src/routes/users.ts", 40),
        message="m",
        recommendation="r",
        code_value="GET /api/users/:id",
    )
    out = render(result(d, files_parsed=3), "json")
    doc = json.loads(out)
    assert list(doc) == ["version", "scope", "discrepancies", "summary", "exit_code"]
    assert doc == {
        "version": 1,
        "scope": {"kind": "range", "base": "a" * 40, "head": "b" * 40},
        "discrepancies": [
            {
                "rule": "route-undocumented",
                "severity": "major",
                "fingerprint": d.fingerprint,
                "subject": "GET /api/users/{}",
                "message": "m",
                "recommendation": "r",
                "spec": None,
                "code": {"path": "src/routes/users.ts", "line": 40},
                "spec_value": None,
                "code_value": "GET /api/users/:id",
                "status": "new",
            }
        ],
        "summary": {
            "trivial": 0,
            "minor": 0,
            "major": 1,
            "breaking": 0,
            "fixed": 0,
            "files_parsed": 3,
            "elapsed_ms": 41,
        },
        "exit_code": 1,
    }
    assert list(doc["discrepancies"][0]) == [
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
    ]
    assert out.startswith('{\n  "version": 1,')  # indent 2


@pytest.mark.parametrize(
    ("items", "fail_on", "summary", "exit_code"),
    [
        ((), "major", {"trivial": 0, "minor": 0, "major": 0, "breaking": 0, "fixed": 0}, 0),
        (
            (disc("route-missing", status="accepted"), disc("param-added-optional")),
            "major",
            {"trivial": 0, "minor": 1, "major": 0, "breaking": 1, "fixed": 0},
            0,
        ),
        ((disc("param-added-optional"),), "minor", {"minor": 1}, 1),
        ((disc("param-renamed", status="fixed"),), "trivial", {"trivial": 0, "fixed": 1}, 0),
        ((disc("route-missing"),), "never", {"breaking": 1}, 0),
    ],
)
def test_json_summary_and_exit_code(
    items: tuple[Discrepancy, ...], fail_on: str, summary: dict[str, int], exit_code: int
) -> None:
    doc = json.loads(render(result(*items, fail_on=fail_on), "json"))
    assert {k: doc["summary"][k] for k in summary} == summary
    assert doc["exit_code"] == exit_code
    assert [x["status"] for x in doc["discrepancies"]] == [d.status for d in items]


# ---------------------------------------------------------------- text


def test_text_groups_most_severe_first_and_ends_with_summary() -> None:
    out = render(MIXED, "text", color=False)
    lines = out.splitlines()
    headers = [ln for ln in lines if ln and not ln.startswith(" ")]
    assert headers == [
        "BREAKING (1)",
        "MAJOR (2)",
        "MINOR (1)",
        "TRIVIAL (2)",
        "1 breaking, 1 major, 1 minor, 1 trivial (1 fixed, 1 accepted) in 3 files parsed, "
        "41 ms — exit 1",
    ]
    assert "\x1b[" not in out


@pytest.mark.parametrize(
    ("item", "expected_lines"),
    [
        (
            disc("route-missing", subject="DELETE /b", code=None),
            [
                "  breaking  route-missing  DELETE /b  [{fp}]",
                "    documented route is not served",
                "    spec: docs/api.md:12",
                "    code: —",
                "    recommendation: serve it or remove it from the spec",
            ],
        ),
        (
            disc("route-undocumented", spec=None, status="dismissed", recommendation=""),
            [
                "  major  route-undocumented  GET /api/users/{}  [{fp}]",
                "    documented route is not served",
                "    spec: —",
                "    code: src/users.ts:40",
                "    status: dismissed",
            ],
        ),
    ],
)
def test_text_item_shows_both_locations_recommendation_and_status(
    item: Discrepancy, expected_lines: list[str]
) -> None:
    out = render(result(item), "text", color=False)
    block = out.splitlines()[1 : 1 + len(expected_lines)]
    assert block == [ln.replace("{fp}", item.fingerprint) for ln in expected_lines]


@pytest.mark.parametrize(
    ("res", "summary"),
    [
        (result(), "no discrepancies in 3 files parsed, 41 ms — exit 0"),
        (
            result(
                disc("route-unimplemented"),
                disc("route-undocumented", subject="x"),
                disc("param-added-optional"),
                disc("param-renamed"),
                disc("signature-format", status="fixed"),
                files_parsed=1,
            ),
            "2 major, 1 minor, 1 trivial (1 fixed) in 1 file parsed, 41 ms — exit 1",
        ),
    ],
)
def test_text_summary_line(res: CheckResult, summary: str) -> None:
    assert render(res, "text", color=False).splitlines()[-1] == summary


def test_text_lists_stale_baseline_entries_and_warnings() -> None:
    out = render(
        result(stale_baseline=["aaaaaaaaaaaa"], warnings=["spec x.md: unreadable"]),
        "text",
        color=False,
    )
    assert "stale baseline entries (their finding is gone): aaaaaaaaaaaa" in out
    assert "warning: spec x.md: unreadable" in out


def test_colour_text_uses_ansi_and_never_parses_user_text_as_markup() -> None:
    item = disc("route-missing", subject="[bold]GET[/bold] /x")
    out = render(result(item), "text", color=True, width=200)
    assert "\x1b[" in out
    assert "[bold]GET[/bold] /x" in out
    assert "exit 1" in out


def test_plain_text_does_not_import_rich() -> None:
    code = (
        "import sys\n"
        "from specweave_git.drift.detect import Scope\n"
        "from specweave_git.drift.result import CheckResult\n"
        "from specweave_git.report import render\n"
        "out = render(CheckResult(Scope('all'), []), 'text', color=False)\n"
        "assert 'exit 0' in out, out\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'rich'))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


class FakeStream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("env", "tty", "expected"),
    [
        ({}, True, True),
        ({}, False, False),
        ({"NO_COLOR": "1"}, True, False),
        ({"NO_COLOR": "anything"}, True, False),
        ({"NO_COLOR": ""}, True, True),  # no-color.org: empty means unset
        ({"FORCE_COLOR": "1"}, False, True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, True, False),
        ({"TERM": "dumb"}, True, False),
    ],
)
def test_should_color(
    env: dict[str, str], tty: bool, expected: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TERM", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert should_color(FakeStream(tty)) is expected


def test_should_color_on_a_closed_stream_is_false() -> None:
    closed = io.StringIO()
    closed.close()
    assert should_color(closed) is False


# ---------------------------------------------------------------- markdown


def _table_rows(text: str) -> list[list[tuple[str, list[str]]]]:
    """Rows of every table as GitHub-flavoured markdown parses them:
    each cell -> (plain text, types of its inline tokens)."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    rows: list[list[tuple[str, list[str]]]] = []
    for tok in tokens:
        if tok.type == "tr_open":
            rows.append([])
        elif tok.type == "inline" and rows and tok.level >= 4:
            children = tok.children or []
            plain = "".join(c.content for c in children if c.type in ("text", "code_inline"))
            rows[-1].append((plain, [c.type for c in children]))
    return rows


HOSTILE = "GET /x|y <script>alert(1)</script> `code` a\\|b & [link](javascript:x) *em*"


def test_markdown_escapes_user_text_so_the_table_holds() -> None:
    item = disc(
        "route-unimplemented",
        subject=HOSTILE,
        message="line one\nline <two> | three",
        recommendation="use `x` & <b>y</b>",
        spec=("docs/a|b.md", 3),
    )
    out = render(result(item), "markdown")
    assert "<script>" not in out and "<b>" not in out
    rows = _table_rows(out)
    assert len(rows) == 2  # header + one finding
    assert all(len(r) == 6 for r in rows)
    cells = rows[1]
    assert cells[1] == (HOSTILE, ["text"])  # the subject, intact, no HTML or links
    assert cells[2][0] == "docs/a|b.md:3"
    assert cells[4][0] == "line oneline <two> | three"
    assert "html_inline" in cells[4][1]  # our <br>, the only HTML in a user cell
    assert cells[5] == ("use `x` & <b>y</b>", ["text"])


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a|b", "a\\|b"),
        ("`x`", "\\`x\\`"),
        ("<script>", "&lt;script&gt;"),
        ("a & b", "a &amp; b"),
        ("a\\|b", "a\\\\\\|b"),
        ("one\r\ntwo", "one<br>two"),
        ("*_[]~", "\\*\\_\\[\\]\\~"),
        ("plain text: ok", "plain text: ok"),
    ],
)
def test_markdown_escape(raw: str, escaped: str) -> None:
    assert md.escape(raw) == escaped


def test_markdown_tables_per_severity_with_status() -> None:
    out = render(MIXED, "markdown")
    headings = [ln for ln in out.splitlines() if ln.startswith("#")]
    assert headings == [
        "## specweave-git drift check",
        "### Breaking (1)",
        "### Major (2)",
        "### Minor (1)",
        "### Trivial (2)",
    ]
    assert out.count(md.HEADER) == 4
    assert "_accepted_" in out and "_fixed_" in out
    assert "**1 breaking, 1 major, 1 minor, 1 trivial (1 fixed, 1 accepted)**" in out


def test_markdown_without_findings_says_so() -> None:
    out = render(result(), "markdown")
    assert "No discrepancies" in out and "|" not in out


def test_markdown_stays_under_the_comment_limit() -> None:
    items = [
        disc("route-unimplemented", subject=f"GET /r{i}", message="x" * 200) for i in range(50)
    ]
    out = md.render(result(*items), max_chars=3000)
    assert len(out) < 3500
    shown = len(_table_rows(out)) - 1
    assert 0 < shown < 50
    assert f"_{50 - shown} more findings not shown" in out


# ---------------------------------------------------------------- github


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("100%", "100%25", "100%25"),
        ("a\nb\r", "a%0Ab%0D", "a%0Ab%0D"),
        ("a:b,c", "a:b,c", "a%3Ab%2Cc"),
        ("::error::x", "::error::x", "%3A%3Aerror%3A%3Ax"),
    ],
)
def test_github_escaping(raw: str, data: str, prop: str) -> None:
    assert gh.escape_data(raw) == data
    assert gh.escape_property(raw) == prop


def test_github_command_format() -> None:
    d = disc(
        "route-missing",
        subject="GET /a,b",
        spec=("docs/my:api.md", 7),
        code=None,
        message="gone\n100% sure",
        recommendation="restore it",
    )
    out = render(result(d), "github")
    assert out == (
        "::error file=docs/my%3Aapi.md,line=7,title=route-missing::"
        "GET /a,b: gone%0A100%25 sure%0ARecommendation: restore it%0A"
        f"spec: docs/my:api.md:7  code: —  (fingerprint {d.fingerprint})\n"
    )


CODE_CHANGED = frozenset({"src/users.ts"})


@pytest.mark.parametrize(
    ("item", "changed_specs", "level", "anchor"),
    [
        # the spec changed, the code did not: the annotation goes on the spec
        (disc("route-missing"), {"docs/api.md"}, "error", "file=docs/api.md,line=12"),
        # the code changed: the annotation goes where the diff shows it
        (disc("param-type-changed"), set(), "error", "file=src/users.ts,line=40"),
        (disc("param-added-optional"), set(), "warning", "file=src/users.ts,line=40"),
        # neither side changed: the spec
        (
            disc("signature-format", code=("src/o.ts", 2)),
            set(),
            "notice",
            "file=docs/api.md,line=12",
        ),
        (
            disc("route-undocumented", spec=None, code=None),
            set(),
            "error",
            "title=route-undocumented",
        ),
    ],
)
def test_github_level_and_anchor(
    item: Discrepancy, changed_specs: set[str], level: str, anchor: str
) -> None:
    scope = Scope("range", changed_code=CODE_CHANGED, changed_specs=frozenset(changed_specs))
    if item.rule == "route-missing":
        scope = Scope("range", changed_specs=frozenset(changed_specs))
    assert render(result(item, scope=scope), "github").startswith(f"::{level} {anchor}")


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"route-unimplemented": 3}, {"error": 3, "warning": 0, "notice": 0, "more": None}),
        (
            {"route-unimplemented": 15, "param-added-optional": 12, "signature-format": 3},
            {"error": 10, "warning": 10, "notice": 3, "more": 7},
        ),
        ({"signature-format": 12}, {"error": 0, "warning": 0, "notice": 9, "more": 3}),
        ({"signature-format": 10}, {"error": 0, "warning": 0, "notice": 10, "more": None}),
        (
            {"route-missing": 6, "route-unimplemented": 6, "signature-format": 10},
            {"error": 10, "warning": 0, "notice": 9, "more": 3},
        ),
    ],
)
def test_github_caps_annotations_per_level(
    counts: dict[str, int], expected: dict[str, int | None]
) -> None:
    items = [disc(rule, subject=f"{rule}{i}") for rule, n in counts.items() for i in range(n)]
    lines = render(result(*items), "github").splitlines()
    more = [ln for ln in lines if ln.startswith("::notice::")]
    annotations = [ln for ln in lines if not ln.startswith("::notice::")]
    for level in ("error", "warning", "notice"):
        assert sum(ln.startswith(f"::{level} ") for ln in annotations) == expected[level]
    if expected["more"] is None:
        assert more == []
    else:
        assert more == [
            f"::notice::{expected['more']} more findings not annotated "
            "(GitHub shows 10 per level); see the job summary"
        ]
    if counts.get("route-missing"):  # breaking gets the error slots before major
        errors = [ln for ln in annotations if ln.startswith("::error ")]
        assert all("route-missing" in ln for ln in errors[:6])


def test_github_skips_settled_findings() -> None:
    items = [
        disc("route-missing", status="accepted"),
        disc("route-missing", subject="b", status="dismissed"),
        disc("param-renamed", status="fixed"),
    ]
    assert render(result(*items), "github") == ""


# ---------------------------------------------------------------- sarif


@pytest.fixture(scope="module")
def sarif_validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _validate(validator: Any, doc: object) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]


SARIF_CASES = [
    pytest.param(result(), id="empty"),
    pytest.param(MIXED, id="mixed"),
    pytest.param(
        result(
            disc("route-missing", status="accepted"),
            disc("param-removed", subject="f", status="dismissed"),
            justifications={
                disc("route-missing").fingerprint: "planned removal (accepted by A at T)"
            },
        ),
        id="suppressed",
    ),
    pytest.param(
        result(
            disc("future-rule", "minor", spec=("docs/with space#1.md", 1)),
            disc("route-undocumented", spec=None, code=("src/ünïcode/%x.ts", 0)),
            disc("symbol-missing", spec=None, code=None),
            warnings=["spec a.md: bad frontmatter"],
            stale_baseline=["abcdefabcdef"],
        ),
        id="odd-paths-unknown-rule-warnings",
    ),
]


@pytest.mark.parametrize("res", SARIF_CASES)
def test_sarif_is_valid_against_the_official_schema(res: CheckResult, sarif_validator: Any) -> None:
    doc = json.loads(render(res, "sarif"))
    assert _validate(sarif_validator, doc) == []
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("specweave-git", __version__)
    assert driver["informationUri"].startswith("https://")
    rule_ids = [r["id"] for r in driver["rules"]]
    assert rule_ids[: len(RULES)] == list(RULES)
    for r in run["results"]:
        assert rule_ids[r["ruleIndex"]] == r["ruleId"]
    expected = [d for d in res.discrepancies if d.status != "fixed"]
    assert [r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in run["results"]] == [
        d.fingerprint for d in expected
    ]


def test_sarif_validation_really_checks(sarif_validator: Any) -> None:
    doc = json.loads(render(result(disc("route-missing")), "sarif"))
    doc["runs"][0]["results"][0]["level"] = "fatal"
    del doc["runs"][0]["tool"]["driver"]["name"]
    errors = _validate(sarif_validator, doc)
    assert len(errors) == 2 and any("fatal" in e for e in errors)


@pytest.mark.parametrize(
    ("item", "level", "primary", "related"),
    [
        (disc("route-missing"), "error", ("docs/api.md", 12), [("src/users.ts", 40)]),
        (disc("param-type-changed"), "error", ("docs/api.md", 12), [("src/users.ts", 40)]),
        (disc("param-added-optional", spec=None), "warning", ("src/users.ts", 40), []),
        (disc("param-renamed", code=None), "note", ("docs/api.md", 12), []),
        (
            disc("route-unresolved", spec=("a b/ü.md", 2), code=None),
            "warning",
            ("a%20b/%C3%BC.md", 2),
            [],
        ),
    ],
)
def test_sarif_result_levels_and_locations(
    item: Discrepancy,
    level: str,
    primary: tuple[str, int],
    related: list[tuple[str, int]],
) -> None:
    res = json.loads(render(result(item), "sarif"))["runs"][0]["results"][0]
    assert res["level"] == level
    assert res["ruleId"] == item.rule

    def loc(x: dict[str, Any]) -> tuple[str, int]:
        p = x["physicalLocation"]
        return p["artifactLocation"]["uri"], p["region"]["startLine"]

    assert [loc(x) for x in res["locations"]] == [primary]
    assert [loc(x) for x in res.get("relatedLocations", [])] == related
    assert res["message"]["text"].startswith(item.message)
    assert "suppressions" not in res


def test_sarif_rules_have_default_levels() -> None:
    doc = sarif.sarif_log(result())
    levels = {
        r["id"]: r["defaultConfiguration"]["level"]
        for r in doc["runs"][0]["tool"]["driver"]["rules"]
    }
    assert levels["route-missing"] == "error"
    assert levels["symbol-undocumented"] == "error"
    assert levels["param-added-optional"] == "warning"
    assert levels["signature-format"] == "note"
    assert all(r["shortDescription"]["text"] for r in doc["runs"][0]["tool"]["driver"]["rules"])


def test_sarif_suppressions_for_decided_findings() -> None:
    accepted = disc("route-missing", status="accepted")
    dismissed = disc("param-removed", subject="f", status="dismissed")
    res = result(accepted, dismissed, justifications={accepted.fingerprint: "planned"})
    results = sarif.sarif_log(res)["runs"][0]["results"]
    assert results[0]["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "properties": {"decision": "accepted"},
            "justification": "planned",
        }
    ]
    assert results[1]["suppressions"] == [
        {"kind": "external", "status": "accepted", "properties": {"decision": "dismissed"}}
    ]
