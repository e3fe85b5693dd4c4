"""Discrepancy, severities and the rule table (DESIGN §5)."""

from __future__ import annotations

from typing import Any

from ..digest import sha256_hex
from ..model import Location, Route, Symbol
from ..record import FrozenRecord, set_field

SEVERITIES: tuple[str, ...] = ("trivial", "minor", "major", "breaking")
FAIL_ON_CHOICES: tuple[str, ...] = (*SEVERITIES, "never")


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


class Rule(FrozenRecord):
    __slots__ = ("check_type", "fixable", "id", "severity", "summary")

    id: str
    severity: str  # default
    check_type: str  # api-routes | functions | types (config discrepancy.checkTypes)
    summary: str
    fixable: bool  # trivial rules `--fix` can rewrite from the code

    def __init__(
        self, id: str, severity: str, check_type: str, summary: str, fixable: bool = False
    ) -> None:
        set_field(self, "id", id)
        set_field(self, "severity", severity)
        set_field(self, "check_type", check_type)
        set_field(self, "summary", summary)
        set_field(self, "fixable", fixable)


# The rule table. Ids are stable: they appear in baselines, suppressions and SARIF.
RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule(
            "route-missing",
            "breaking",
            "api-routes",
            "documented route no longer served (removed in this change)",
        ),
        Rule("route-unimplemented", "major", "api-routes", "documented route never served"),
        Rule("route-undocumented", "major", "api-routes", "change adds a route no spec mentions"),
        Rule(
            "route-method-changed",
            "breaking",
            "api-routes",
            "documented route is served with another method",
        ),
        Rule(
            "route-param-renamed",
            "trivial",
            "api-routes",
            "path parameter renamed (/users/:id -> /users/:userId)",
            fixable=True,
        ),
        Rule(
            "route-unresolved",
            "minor",
            "api-routes",
            "route path depends on a value the repository does not document",
        ),
        Rule("symbol-missing", "breaking", "functions", "documented export removed or renamed"),
        Rule(
            "symbol-undocumented",
            "major",
            "functions",
            "change adds an export no spec mentions (minor for types)",
        ),
        Rule("symbol-kind-changed", "major", "functions", "e.g. class became function"),
        Rule(
            "symbol-ambiguous",
            "minor",
            "functions",
            "documented name matches several exports; map the spec with `code:` globs",
        ),
        Rule("param-added-required", "breaking", "functions", "a required parameter was added"),
        Rule("param-removed", "breaking", "functions", "a documented parameter was removed"),
        Rule("param-added-optional", "minor", "functions", "an optional parameter was added"),
        Rule(
            "param-renamed",
            "trivial",
            "functions",
            "same position, same type, new name",
            fixable=True,
        ),
        Rule("param-type-changed", "major", "functions", "a parameter's type changed"),
        Rule(
            "param-optionality-changed",
            "major",
            "functions",
            "a parameter became optional or required",
        ),
        Rule("return-type-changed", "breaking", "functions", "the return type changed"),
        Rule("field-removed", "breaking", "types", "interface field gone"),
        Rule("field-added-required", "major", "types", "a required field was added"),
        Rule("field-added-optional", "minor", "types", "an optional field was added"),
        Rule("field-type-changed", "major", "types", "a field's type changed"),
        Rule(
            "signature-format",
            "trivial",
            "functions",
            "only whitespace, quotes, trailing commas or union order differ",
            fixable=True,
        ),
    )
}


class Target(FrozenRecord):
    """What a fixer needs beyond the report: every line span of the documenting item
    (the primary first, then the same item's other places in that spec), the item as
    documented and its code counterpart. Never rendered: the JSON contract is unchanged."""

    __slots__ = ("code", "doc", "spans")

    spans: tuple[tuple[int, int], ...]
    doc: Symbol | Route | None
    code: Symbol | Route | None

    def __init__(
        self,
        spans: tuple[tuple[int, int], ...],
        doc: Symbol | Route | None,
        code: Symbol | Route | None,
    ) -> None:
        set_field(self, "spans", spans)
        set_field(self, "doc", doc)
        set_field(self, "code", code)


def fingerprint(rule: str, subject_key: str, spec_path: str | None) -> str:
    """Short hash of (rule, subject key, spec path): stable across commits."""
    raw = f"{rule}\x00{subject_key}\x00{spec_path or ''}"
    return sha256_hex(raw.encode("utf-8"))[:12]


class Discrepancy(FrozenRecord):
    __slots__ = (
        "code",
        "code_value",
        "message",
        "recommendation",
        "rule",
        "severity",
        "spec",
        "spec_span",
        "spec_value",
        "status",
        "subject",
        "subject_key",
        "target",
    )

    rule: str
    severity: str
    subject: str  # human subject: "GET /api/users/{}", "createUser", "User.email"
    subject_key: str  # stable key used in the fingerprint
    message: str
    recommendation: str
    spec: Location | None
    code: Location | None
    spec_value: str | None
    code_value: str | None
    status: str  # new | accepted | dismissed | fixed
    # (start, end) lines of the documenting text in the spec, for fixers
    spec_span: tuple[int, int] | None
    target: Target | None  # for fixers (drift/fix.py, drift/apply.py); not in to_json

    def __init__(
        self,
        rule: str,
        severity: str,
        subject: str,
        subject_key: str,
        message: str,
        recommendation: str,
        spec: Location | None,
        code: Location | None,
        spec_value: str | None = None,
        code_value: str | None = None,
        status: str = "new",
        spec_span: tuple[int, int] | None = None,
        target: Target | None = None,
    ) -> None:
        set_field(self, "rule", rule)
        set_field(self, "severity", severity)
        set_field(self, "subject", subject)
        set_field(self, "subject_key", subject_key)
        set_field(self, "message", message)
        set_field(self, "recommendation", recommendation)
        set_field(self, "spec", spec)
        set_field(self, "code", code)
        set_field(self, "spec_value", spec_value)
        set_field(self, "code_value", code_value)
        set_field(self, "status", status)
        set_field(self, "spec_span", spec_span)
        set_field(self, "target", target)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.rule, self.subject_key, self.spec.path if self.spec else None)

    def with_status(self, status: str) -> Discrepancy:
        return self.replace(status=status)

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "fingerprint": self.fingerprint,
            "subject": self.subject,
            "message": self.message,
            "recommendation": self.recommendation,
            "spec": self.spec.to_json() if self.spec else None,
            "code": self.code.to_json() if self.code else None,
            "spec_value": self.spec_value,
            "code_value": self.code_value,
            "status": self.status,
        }
