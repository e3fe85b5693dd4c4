"""The drift baseline: file format, atomic writes, malformed files, apply/stale.

The ``discrepancies`` command is tested with the real engine in test_discrepancies_cmd.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from specweave_git.drift import baseline as bl
from specweave_git.drift.detect import Scope
from specweave_git.drift.model import RULES, Discrepancy
from specweave_git.drift.result import CheckResult, exit_code_for
from specweave_git.errors import EXIT_USAGE, UsageError
from specweave_git.model import Location

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
