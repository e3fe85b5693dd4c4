"""SARIF 2.1.0 for code scanning: the rule table as the driver's rules, one result per finding."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..drift.model import RULES, Discrepancy
from ..drift.result import CheckResult
from ..model import Location

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/anton-abyzov/specweave"
# Fingerprint scheme name: versioned, so a future change of the hash is a new key and
# code scanning does not match old alerts with new ones by accident.
FINGERPRINT_KEY = "specweaveDrift/v1"

LEVELS = {"breaking": "error", "major": "error", "minor": "warning", "trivial": "note"}


def _rule_name(rule_id: str) -> str:
    return "".join(part.capitalize() for part in rule_id.split("-"))


def _descriptor(rule_id: str) -> dict[str, Any]:
    rule = RULES.get(rule_id)
    summary = rule.summary if rule else rule_id
    severity = rule.severity if rule else "major"
    props: dict[str, Any] = {"tags": ["specweave", "drift"], "severity": severity}
    if rule:
        props["tags"].append(rule.check_type)
        props["fixable"] = rule.fixable
    return {
        "id": rule_id,
        "name": _rule_name(rule_id),
        "shortDescription": {"text": summary},
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": props,
    }


def _physical(loc: Location, label: str) -> dict[str, Any]:
    return {
        "physicalLocation": {
            # A relative URI against the checkout root; quote() keeps '/' and encodes
            # spaces, '%', '#' and non-ASCII so the value is a valid URI reference.
            "artifactLocation": {"uri": quote(loc.path, safe="/"), "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": max(1, loc.line)},
        },
        "message": {"text": label},
    }


def _result(d: Discrepancy, index: int, justification: str | None) -> dict[str, Any]:
    text = d.message
    if d.recommendation:
        text += f"\nRecommendation: {d.recommendation}"
    res: dict[str, Any] = {
        "ruleId": d.rule,
        "ruleIndex": index,
        "level": LEVELS[d.severity],
        "message": {"text": text},
    }
    # Primary location: the spec (what the finding is about) when there is one.
    sides = [(d.spec, "spec"), (d.code, "code")]
    present = [(loc, label) for loc, label in sides if loc is not None]
    if present:
        primary, *related = present
        res["locations"] = [_physical(*primary)]
        if related:
            res["relatedLocations"] = [
                {"id": i, **_physical(*r)} for i, r in enumerate(related, start=1)
            ]
    res["partialFingerprints"] = {FINGERPRINT_KEY: d.fingerprint}
    if d.status in ("accepted", "dismissed"):
        suppression: dict[str, Any] = {
            "kind": "external",  # decided in .specweave/drift-baseline.json
            "status": "accepted",
            "properties": {"decision": d.status},
        }
        if justification:
            suppression["justification"] = justification
        res["suppressions"] = [suppression]
    props: dict[str, Any] = {
        "severity": d.severity,
        "subject": d.subject,
        "status": d.status,
        "recommendation": d.recommendation,
    }
    if d.spec_value is not None:
        props["specValue"] = d.spec_value
    if d.code_value is not None:
        props["codeValue"] = d.code_value
    res["properties"] = props
    return res


def sarif_log(result: CheckResult) -> dict[str, Any]:
    rule_ids = list(RULES)
    # Fixed findings were rewritten in the spec: nothing is left to point at.
    reported = [d for d in result.discrepancies if d.status != "fixed"]
    for d in reported:
        if d.rule not in rule_ids:  # a rule this table does not know (newer detector)
            rule_ids.append(d.rule)
    index = {rid: i for i, rid in enumerate(rule_ids)}
    notifications = [{"level": "warning", "message": {"text": w}} for w in result.warnings] + [
        {
            "level": "note",
            "message": {"text": f"stale baseline entry {fp}: its finding is gone"},
        }
        for fp in result.stale_baseline
    ]
    invocation: dict[str, Any] = {"executionSuccessful": True, "exitCode": result.exit_code}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "specweave-git",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_descriptor(rid) for rid in rule_ids],
            }
        },
        "invocations": [invocation],
        "results": [
            _result(d, index[d.rule], result.justifications.get(d.fingerprint)) for d in reported
        ],
        "properties": {
            "scope": {
                "kind": result.scope.kind,
                "base": result.scope.base,
                "head": result.scope.head,
            },
            "summary": result.summary(),
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(result: CheckResult, *, color: bool = False, width: int | None = None) -> str:
    return json.dumps(sarif_log(result), indent=2, ensure_ascii=False) + "\n"
