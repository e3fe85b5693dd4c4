"""The drift baseline: file format, atomic writes, malformed files, apply/stale, and the
``discrepancies`` command against a real git repository."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from specweave_git.cli.main import main
from specweave_git.drift import baseline as bl
from specweave_git.drift.detect import Scope
from specweave_git.drift.model import RULES, Discrepancy
from specweave_git.drift.result import CheckResult, exit_code_for
from specweave_git.errors import EXIT_USAGE, UsageError
from specweave_git.model import Location

from .conftest import Repo

AT = "2026-01-02T03:04:05Z"


def disc(
    rule: str = "route-undocumented",
    subject: str = "GET /api/users/{}",
    spec: str | None = "docs/api.md",
    status: str = "new",
) -> Discrepancy:
    return Discrepancy(
        rule=rule,
        severity=RULES[rule].severity,
        subject=subject,
        subject_key=subject,
        message="m",
        recommendation="r",
        spec=Location(spec, 3) if spec else None,
        code=Location("src/a.ts", 9),
        status=status,
    )


UNDOC = disc()
MISSING = disc("route-missing", "DELETE /x")
OPTIONAL = disc("param-added-optional", "createUser", spec=None)


def entry(d: Discrepancy, decision: str = "accepted", reason: str = "why") -> bl.Entry:
    spec_path = d.spec.path if d.spec else None
    return bl.Entry(d.fingerprint, decision, d.rule, d.subject, spec_path, "A <a@x>", AT, reason)


def base_of(*entries: bl.Entry) -> bl.Baseline:
    return bl.Baseline({e.fingerprint: e for e in entries})


# ---------------------------------------------------------------- file format


def test_save_writes_sorted_keys_and_trailing_newline(tmp_path: Path) -> None:
    b = bl.Baseline()
    bl.decide(
        b, MISSING.fingerprint, "dismissed", by="A <a@x>", reason="gone", finding=MISSING, at=AT
    )
    bl.decide(b, UNDOC.fingerprint, "accepted", by="B <b@x>", reason="", finding=UNDOC, at=AT)
    path = tmp_path / ".specweave" / "drift-baseline.json"
    bl.save(b, path)
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"
    data = json.loads(text)
    assert data["version"] == 1
    assert list(data["entries"]) == sorted([MISSING.fingerprint, UNDOC.fingerprint])
    assert data["entries"][MISSING.fingerprint] == {
        "at": AT,
        "by": "A <a@x>",
        "decision": "dismissed",
        "reason": "gone",
        "rule": "route-missing",
        "spec_path": "docs/api.md",
        "subject": "DELETE /x",
    }
    assert bl.load(path) == b


def test_save_is_atomic_and_keeps_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "drift-baseline.json"
    bl.save(bl.Baseline(), path)
    assert path.stat().st_mode & 0o777 == 0o644
    path.chmod(0o664)
    bl.save(base_of(entry(UNDOC)), path)
    assert path.stat().st_mode & 0o777 == 0o664
    assert sorted(p.name for p in tmp_path.iterdir()) == ["drift-baseline.json"]  # no temp left


def test_missing_file_is_an_empty_baseline(tmp_path: Path) -> None:
    assert bl.load(tmp_path / "nope.json") == bl.Baseline()


def test_now_utc_is_iso_8601_utc_seconds() -> None:
    import re

    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", bl.now_utc())


GOOD = {
    "decision": "accepted",
    "rule": "r",
    "subject": "s",
    "spec_path": None,
    "by": "b",
    "at": AT,
    "reason": "",
}
FP = "0123456789ab"


def _doc(**entry_overrides: Any) -> str:
    e = {**GOOD, **entry_overrides}
    return json.dumps({"version": 1, "entries": {FP: {k: v for k, v in e.items() if v != "DROP"}}})


@pytest.mark.parametrize(
    ("text", "pointer", "message"),
    [
        ('{"version": 1, "entries": {', "line 1 column 28", "not valid JSON"),
        ("", "line 1 column 1", "not valid JSON"),
        ("[]", "/", "must be a JSON object"),
        ('{"entries": {}}', "/version", "unsupported version None"),
        ('{"version": 2, "entries": {}}', "/version", "newer specweave-git"),
        ('{"version": 1, "entries": []}', "/entries", "keyed by fingerprint"),
        ('{"version": 1, "extra": 1}', "/extra", "unknown key"),
        ('{"version": 1, "entries": {"not/hex": {}}}', "/entries/not~1hex", "not a fingerprint"),
        ('{"version": 1, "entries": {"0123456789ab": 1}}', f"/entries/{FP}", "must be an object"),
        (_doc(decision="maybe"), f"/entries/{FP}/decision", "'maybe' is not a decision"),
        (_doc(by="DROP"), f"/entries/{FP}/by", "missing"),
        (_doc(reason=3), f"/entries/{FP}/reason", "must be a string"),
        (_doc(spec_path=3), f"/entries/{FP}/spec_path", "string or null"),
        (_doc(reasn="typo"), f"/entries/{FP}/reasn", "unknown key"),
    ],
)
def test_malformed_baseline_names_file_and_pointer(
    tmp_path: Path, text: str, pointer: str, message: str
) -> None:
    path = tmp_path / "drift-baseline.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError) as exc:
        bl.load(path)
    assert exc.value.exit_code == EXIT_USAGE
    assert exc.value.file == str(path)
    assert exc.value.pointer == pointer
    assert message in exc.value.message


# ---------------------------------------------------------------- apply


@pytest.mark.parametrize(
    ("findings", "entries", "statuses", "stale"),
    [
        ((UNDOC, MISSING), (), ["new", "new"], []),
        ((UNDOC, MISSING), (entry(UNDOC),), ["accepted", "new"], []),
        (
            (UNDOC,),
            (entry(UNDOC, "dismissed"), entry(MISSING)),
            ["dismissed"],
            [MISSING.fingerprint],
        ),
        # a fix made in this run wins over an old decision
        ((disc(status="fixed"),), (entry(UNDOC),), ["fixed"], []),
        ((), (entry(UNDOC), entry(MISSING)), [], sorted([UNDOC.fingerprint, MISSING.fingerprint])),
    ],
)
def test_apply_sets_status_and_finds_stale_entries(
    findings: tuple[Discrepancy, ...],
    entries: tuple[bl.Entry, ...],
    statuses: list[str],
    stale: list[str],
) -> None:
    out, stale_entries = bl.apply(findings, base_of(*entries))
    assert [d.status for d in out] == statuses
    assert [e.fingerprint for e in stale_entries] == stale


@pytest.mark.parametrize(
    ("decision", "fail_on", "exit_code"),
    [
        (None, "major", 1),
        ("accepted", "major", 0),
        ("dismissed", "major", 0),
        ("accepted", "trivial", 0),
    ],
)
def test_decided_findings_do_not_fail_the_check(
    decision: str | None, fail_on: str, exit_code: int
) -> None:
    entries = (entry(UNDOC, decision),) if decision else ()
    out, _ = bl.apply([UNDOC], base_of(*entries))
    assert exit_code_for(out, fail_on) == exit_code
    assert CheckResult(Scope("all"), out, fail_on=fail_on).exit_code == exit_code


def test_decide_unknown_fingerprint_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="deadbeefcafe"):
        bl.decide(bl.Baseline(), "deadbeefcafe", "accepted", by="x", reason="")


def test_decide_again_keeps_what_the_entry_knew() -> None:
    b = base_of(entry(MISSING, "accepted"))
    new = bl.decide(b, MISSING.fingerprint, "dismissed", by="C <c@x>", reason="no", at=AT)
    assert (new.rule, new.subject, new.spec_path, new.decision) == (
        "route-missing",
        "DELETE /x",
        "docs/api.md",
        "dismissed",
    )


def test_justifications_name_decision_who_and_when() -> None:
    b = base_of(entry(UNDOC, reason="planned"), entry(MISSING, "dismissed", reason=""))
    assert bl.justifications(b) == {
        UNDOC.fingerprint: f"planned (accepted by A <a@x> at {AT})",
        MISSING.fingerprint: f"dismissed by A <a@x> at {AT}",
    }


# ---------------------------------------------------------------- the command

# What the fake engine reports; the real check_repository is the lead's engine. The
# command is what is under test here: argument handling, identity from git, the file.
FINDINGS: list[Discrepancy] = [UNDOC, MISSING, OPTIONAL]


class Engine:
    def __init__(self) -> None:
        self.findings = list(FINDINGS)
        self.calls: list[dict[str, Any]] = []

    def check_repository(self, repo_dir: Path, **kw: Any) -> CheckResult:
        self.calls.append({"repo_dir": repo_dir, **kw})
        return CheckResult(Scope("all"), list(self.findings))


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> Engine:
    fake = Engine()
    module = types.ModuleType("specweave_git.drift.engine")
    module.check_repository = fake.check_repository  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "specweave_git.drift.engine", module)
    return fake


def _baseline(repo: Repo) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((repo.path / bl.BASELINE_PATH).read_text(encoding="utf-8"))
    return data


def test_accept_records_identity_from_git_config(
    repo: Repo, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.git("config", "user.name", "Ada Lovelace")
    repo.git("config", "user.email", "ada@example.com")
    code = main(
        [
            "discrepancies",
            "--repo",
            str(repo.path),
            "accept",
            UNDOC.fingerprint,
            "--reason",
            "documented in v2",
        ]
    )
    assert code == 0
    assert f"accepted {UNDOC.fingerprint}" in capsys.readouterr().out
    e = _baseline(repo)["entries"][UNDOC.fingerprint]
    assert e["by"] == "Ada Lovelace <ada@example.com>"
    assert e["reason"] == "documented in v2"
    assert e["decision"] == "accepted"
    assert (e["rule"], e["subject"], e["spec_path"]) == (UNDOC.rule, UNDOC.subject, "docs/api.md")
    assert e["at"].endswith("Z")


def test_dismiss_by_prefix_with_repo_after_the_action(
    repo: Repo, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    fp = MISSING.fingerprint
    code = main(
        ["discrepancies", "dismiss", fp[:6], "--reason", "false positive", "--repo", str(repo.path)]
    )
    assert code == 0, capsys.readouterr().err
    e = _baseline(repo)["entries"][fp]
    assert (e["decision"], e["by"]) == ("dismissed", "Test User <test@example.com>")


@pytest.mark.parametrize(
    ("argv", "in_err"),
    [
        (["accept", "deadbeefcafe"], "unknown fingerprint 'deadbeefcafe'"),
        (["dismiss", "deadbeefcafe", "--reason", "x"], "unknown fingerprint 'deadbeefcafe'"),
        (["show", "ffffffffffff"], "unknown fingerprint 'ffffffffffff'"),
        (["dismiss", UNDOC.fingerprint, "--reason", "  "], "dismiss needs a reason"),
        (["accept", UNDOC.fingerprint[:3]], "unknown fingerprint"),  # too short a prefix
    ],
)
def test_usage_errors_exit_2_and_name_the_problem(
    repo: Repo,
    engine: Engine,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    in_err: str,
) -> None:
    assert main(["discrepancies", "--repo", str(repo.path), *argv]) == 2
    err = capsys.readouterr().err
    assert in_err in err and "Traceback" not in err
    assert not (repo.path / bl.BASELINE_PATH).exists()


def test_dismiss_without_reason_is_refused_by_the_parser(
    repo: Repo, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["discrepancies", "--repo", str(repo.path), "dismiss", UNDOC.fingerprint])
    assert exc.value.code == 2
    assert "--reason" in capsys.readouterr().err


def test_ambiguous_prefix_is_a_usage_error(
    repo: Repo, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two findings whose fingerprints share a 4-character prefix.
    seen: dict[str, Discrepancy] = {}
    pair: list[Discrepancy] = []
    for i in range(100_000):
        d = disc(subject=f"GET /r{i}")
        other = seen.setdefault(d.fingerprint[:4], d)
        if other is not d:
            pair = [other, d]
            break
    engine.findings[:] = pair
    prefix = pair[0].fingerprint[:4]
    assert main(["discrepancies", "--repo", str(repo.path), "accept", prefix]) == 2
    err = capsys.readouterr().err
    assert "ambiguous" in err and pair[0].fingerprint in err and pair[1].fingerprint in err


def test_malformed_baseline_is_exit_2_naming_the_file(
    repo: Repo, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(bl.BASELINE_PATH, '{"version": 1,\n "entries": {,}}\n')
    assert main(["discrepancies", "--repo", str(repo.path), "list"]) == 2
    err = capsys.readouterr().err
    assert ".specweave/drift-baseline.json: line 2 column 14: not valid JSON" in err


def test_list_shows_status_and_stale_entries(
    repo: Repo, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    gone = disc("symbol-missing", "oldFn")
    bl.save(base_of(entry(UNDOC), entry(gone, "dismissed", "legacy")), repo.path / bl.BASELINE_PATH)
    assert main(["discrepancies", "--repo", str(repo.path), "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = {
        ln.split()[0]: ln.split()
        for ln in lines
        if ln and ln.split()[0] in {d.fingerprint for d in FINDINGS}
    }
    assert rows[UNDOC.fingerprint][1:4] == ["major", "route-undocumented", "accepted"]
    assert rows[MISSING.fingerprint][1:4] == ["breaking", "route-missing", "new"]
    stale_at = lines.index(
        "stale baseline entries (the finding is gone; "
        "remove them from .specweave/drift-baseline.json):"
    )
    assert lines[stale_at + 1] == (
        f"  {gone.fingerprint}  symbol-missing  oldFn  — dismissed by A <a@x> at {AT}: legacy"
    )
    assert lines[-1] == "3 findings (2 new, 1 settled), 1 stale baseline entries"


def test_list_json(repo: Repo, engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    gone = disc("symbol-missing", "oldFn")
    bl.save(base_of(entry(OPTIONAL), entry(gone)), repo.path / bl.BASELINE_PATH)
    assert main(["discrepancies", "--repo", str(repo.path), "list", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["baseline_file"] == ".specweave/drift-baseline.json"
    assert [(d["fingerprint"], d["status"]) for d in doc["discrepancies"]] == [
        (UNDOC.fingerprint, "new"),
        (MISSING.fingerprint, "new"),
        (OPTIONAL.fingerprint, "accepted"),
    ]
    assert doc["discrepancies"][2]["decision"] == {
        "decision": "accepted",
        "by": "A <a@x>",
        "at": AT,
        "reason": "why",
    }
    assert doc["stale"] == [{"fingerprint": gone.fingerprint, **entry(gone).to_json()}]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_show_a_finding_and_a_stale_entry(
    repo: Repo, engine: Engine, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    gone = disc("symbol-missing", "oldFn")
    bl.save(base_of(entry(gone, "dismissed", "legacy")), repo.path / bl.BASELINE_PATH)
    args = ["discrepancies", "--repo", str(repo.path), "show"]
    assert main([*args, MISSING.fingerprint, "--format", fmt]) == 0
    first = capsys.readouterr().out
    assert main([*args, gone.fingerprint, "--format", fmt]) == 0
    second = capsys.readouterr().out
    if fmt == "json":
        a, b = json.loads(first), json.loads(second)
        assert (a["finding"]["rule"], a["decision"], a["stale"]) == ("route-missing", None, False)
        assert (b["finding"], b["decision"]["reason"], b["stale"]) == (None, "legacy", True)
    else:
        assert first.splitlines()[:5] == [
            f"{MISSING.fingerprint}  breaking  route-missing",
            "subject: DELETE /x",
            "message: m",
            "spec: docs/api.md:3",
            "code: src/a.ts:9",
        ]
        assert (
            f"status: stale (the finding is gone) — dismissed by A <a@x> at {AT}: legacy" in second
        )


def test_accept_then_list_round_trip_and_check_uses_whole_tree(
    repo: Repo, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    root = ["discrepancies", "--repo", str(repo.path)]
    assert main([*root, "accept", OPTIONAL.fingerprint]) == 0
    assert main([*root, "dismiss", OPTIONAL.fingerprint, "--reason", "changed my mind"]) == 0
    capsys.readouterr()
    assert main([*root, "list", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    statuses = {d["fingerprint"]: d["status"] for d in doc["discrepancies"]}
    assert statuses[OPTIONAL.fingerprint] == "dismissed"
    entries = _baseline(repo)["entries"]
    assert list(entries) == [OPTIONAL.fingerprint]
    assert entries[OPTIONAL.fingerprint]["spec_path"] is None
    assert [c["scope_kind"] for c in engine.calls] == ["all", "all", "all"]
    assert {c["repo_dir"] for c in engine.calls} == {repo.path.resolve()}
