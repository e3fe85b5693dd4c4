"""The permission gate: the full decision table against a plain oracle, the Gate and GatedClient."""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from specweave_git.config import PlatformPermissions, SyncSettings, defaults, load_config
from specweave_git.config.model import Config, build
from specweave_git.context import Context
from specweave_git.sync.audit import AuditLog, log_files, verify
from specweave_git.sync.gate import (
    OPERATIONS,
    Decision,
    Gate,
    GatedClient,
    Operation,
    decide,
    effective_flags,
    is_external_item,
    status_or,
)

from .conftest import Repo

# --- the table ---------------------------------------------------------------------------

CONTEXTS: dict[str, Context] = {
    "user": Context("user", "test"),
    "ci": Context("ci", "test"),
    "schedule": Context("schedule", "test"),
    "hook": Context("hook", "test"),
    "user+SKIP_EXTERNAL_SYNC": Context("user", "test", ("SKIP_EXTERNAL_SYNC",)),
    "ci+SKIP_US_SYNC": Context("ci", "test", ("SKIP_US_SYNC",)),
    "ci+SKIP_GITHUB_SYNC": Context("ci", "test", ("SKIP_GITHUB_SYNC",)),
}
PLATFORMS = ("github", "jira", "living-docs")
ITEMS = ("US-004", "US-004E", "FS-012E", None)
# (canUpsertInternalItems, canUpdateExternalItems, canUpdateStatus), or None: no valid config
B = (False, True)
SETTINGS: list[tuple[bool, bool, bool] | None] = [*itertools.product(B, B, B), None]
# (canRead, canUpsert, canUpdateStatus, canDelete)
PERMISSIONS = list(itertools.product(B, B, B, B))


def oracle(
    op: str,
    platform: str,
    item: str | None,
    settings: tuple[bool, bool, bool] | None,
    perms: tuple[bool, bool, bool, bool],
    context: str,
) -> bool:
    """The rule written out plainly, independently of the gate's code."""
    if platform == "living-docs":
        return True
    if context == "hook":
        return False
    if "SKIP_EXTERNAL_SYNC" in context or "SKIP_US_SYNC" in context:
        return False
    if "SKIP_GITHUB_SYNC" in context and platform == "github":
        return False
    can_read, can_upsert, can_status, can_delete = perms
    if op == "read":
        return can_read
    if settings is None:
        return False
    internal_ok, external_ok, status_ok = settings
    external = item is not None and item.endswith("E")
    if op == "upsert-internal" and not external:
        return internal_ok and can_upsert
    if op in ("upsert-internal", "upsert-external"):
        return external_ok and can_upsert
    if op == "update-status":
        return status_ok and can_status
    assert op == "delete"
    return can_delete and (external_ok if external else internal_ok)


def _settings(t: tuple[bool, bool, bool] | None) -> SyncSettings | None:
    return None if t is None else SyncSettings(t[0], t[1], t[2], False)


@pytest.mark.parametrize(
    ("op", "context"), list(itertools.product(OPERATIONS, sorted(CONTEXTS))), ids=str
)
def test_full_table_matches_the_oracle(op: Operation, context: str) -> None:
    checked = 0
    mismatches = []
    for platform, item, s, p in itertools.product(PLATFORMS, ITEMS, SETTINGS, PERMISSIONS):
        perms = {"github": PlatformPermissions(*p), "jira": PlatformPermissions(*p)}
        got = decide(
            op,
            platform,
            item,
            settings=_settings(s),
            permissions=perms,
            context=CONTEXTS[context],
        )
        want = oracle(op, platform, item, s, p, context)
        checked += 1
        prefix = "allowed: " if want else "denied: "
        if got.allowed != want or not got.reason.startswith(prefix):
            mismatches.append((platform, item, s, p, got))
    assert checked == len(PLATFORMS) * len(ITEMS) * len(SETTINGS) * len(PERMISSIONS)
    assert mismatches == []


ALL = SyncSettings(True, True, True, False)
NONE = SyncSettings(False, False, False, False)
P_ALL = PlatformPermissions(True, True, True, True)
P_READ = PlatformPermissions(True, False, False, False)
USER = CONTEXTS["user"]

PFX = "sync.orchestration.permissions.github."


@pytest.mark.parametrize(
    ("op", "platform", "item", "settings", "perms", "context", "expected"),
    [
        # the notable cases, with the exact reason
        ("read", "github", None, NONE, P_READ, USER,
         Decision(True, f"allowed: {PFX}canRead is true")),
        ("read", "github", "US-1", ALL, P_ALL, CONTEXTS["hook"],
         Decision(False, "denied: hook context: nothing touches the network")),
        ("read", "github", "US-1", ALL, P_ALL, CONTEXTS["ci+SKIP_GITHUB_SYNC"],
         Decision(False, "denied: SKIP_GITHUB_SYNC is set")),
        ("read", "jira", "US-1", ALL, P_ALL, CONTEXTS["ci+SKIP_GITHUB_SYNC"],
         Decision(True, "allowed: sync.orchestration.permissions.jira.canRead is true")),
        ("update-status", "github", "US-1", NONE, P_ALL, USER,
         Decision(False, "denied: sync.settings.canUpdateStatus is false")),
        ("update-status", "github", "US-1", ALL, P_READ, USER,
         Decision(False, f"denied: {PFX}canUpdateStatus is false")),
        ("update-status", "github", "US-1E", SyncSettings(False, False, True, False), P_ALL, USER,
         Decision(True, "allowed: sync.settings.canUpdateStatus and "
                  f"{PFX}canUpdateStatus are true")),
        ("upsert-internal", "github", "US-004", NONE, P_READ, USER,
         Decision(False, "denied: sync.settings.canUpsertInternalItems is false; "
                  f"{PFX}canUpsert is false")),
        # an E item is external whatever the caller claims
        ("upsert-internal", "github", "FS-012E", SyncSettings(True, False, False, False), P_ALL,
         USER, Decision(False, "denied: sync.settings.canUpdateExternalItems is false "
                        "(FS-012E is external: E suffix)")),
        ("upsert-internal", "github", "FS-012E", SyncSettings(False, True, False, False), P_ALL,
         USER, Decision(True, "allowed: sync.settings.canUpdateExternalItems and "
                        f"{PFX}canUpsert are true (FS-012E is external: E suffix)")),
        ("upsert-external", "github", "US-004E", SyncSettings(False, True, False, False),
         PlatformPermissions(True, False, False, False), USER,
         Decision(False, f"denied: {PFX}canUpsert is false")),
        ("delete", "github", "US-004", ALL, PlatformPermissions(True, True, True, False), USER,
         Decision(False, f"denied: {PFX}canDelete is false")),
        ("delete", "github", "US-004E", SyncSettings(True, False, False, False), P_ALL, USER,
         Decision(False, "denied: sync.settings.canUpdateExternalItems is false")),
        ("delete", "github", "US-004", SyncSettings(True, False, False, False), P_ALL, USER,
         Decision(True, f"allowed: {PFX}canDelete and sync.settings.canUpsertInternalItems "
                  "are true")),
        # no valid config: read only
        ("upsert-internal", "github", "US-1", None, P_ALL, USER,
         Decision(False, "denied: no valid sync config (missing or invalid), so read only")),
        ("read", "github", "US-1", None, P_READ, USER,
         Decision(True, f"allowed: {PFX}canRead is true")),
        # living docs are local: allowed even in a hook
        ("delete", "living-docs", "US-1", None, P_READ, CONTEXTS["hook"],
         Decision(True, "allowed: living docs are local files this tool owns")),
        ("read", "gitlab", None, ALL, P_ALL, USER,
         Decision(False, "denied: no sync.orchestration.permissions.gitlab block")),
    ],
)  # fmt: skip
def test_notable_decisions(
    op: Operation,
    platform: str,
    item: str,
    settings: SyncSettings | None,
    perms: PlatformPermissions,
    context: Context,
    expected: Decision,
) -> None:
    permissions = {"github": perms, "jira": perms}
    got = decide(op, platform, item, settings=settings, permissions=permissions, context=context)
    assert got == expected


def test_unknown_operation_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown operation 'write'"):
        decide("write", "github", None, settings=ALL, permissions={}, context=USER)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("item", "external"),
    [
        ("FS-012E", True),
        ("US-004E", True),
        ("AC-US1-01E", True),
        ("T-001E", True),
        ("US-004", False),
        ("FS-012", False),
        ("us-004e", False),
        ("12", False),
        ("E", False),
        ("US-E", False),
        ("", False),
        (None, False),
    ],
)
def test_is_external_item(item: str | None, external: bool) -> None:
    assert is_external_item(item) is external


# --- config -> flags ---------------------------------------------------------------------


def _config(**settings: bool) -> Config:
    doc = copy.deepcopy(defaults())
    names = {
        "internal": "canUpsertInternalItems",
        "external": "canUpdateExternalItems",
        "status": "canUpdateStatus",
    }
    for key, value in settings.items():
        if key in names:
            doc["sync"]["settings"][names[key]] = value
    perms = doc["sync"]["orchestration"]["permissions"]["github"]
    for key in ("canUpsert", "canUpdateStatus", "canDelete"):
        perms[key] = settings.get(key, False)
    return build(doc, path=None, raw={})


def test_invalid_config_means_read_only(repo: Repo) -> None:
    repo.write(".specweave/config.json", '{"sync": {"settings": {"canUpdateStatus": "yes"}}}')
    try:
        config: Config | None = load_config(repo.path)
    except Exception:  # what the sync engine does with a ConfigError
        config = None
    assert config is None
    flags = effective_flags(config)
    assert flags.settings is None
    for op in OPERATIONS:
        d = decide(op, "github", "US-1", settings=None, permissions=flags.permissions, context=USER)
        assert d.allowed is (op == "read"), (op, d)


def test_missing_config_is_read_only_and_names_the_flags(repo: Repo) -> None:
    flags = effective_flags(load_config(repo.path))
    assert flags.source == "defaults (no config file)"
    allowed = {
        op: decide(
            op,
            "github",
            "US-1",
            settings=flags.settings,
            permissions=flags.permissions,
            context=USER,
        )
        for op in OPERATIONS
    }
    assert [op for op, d in allowed.items() if d.allowed] == ["read"]
    assert "sync.settings.canUpdateStatus is false" in allowed["update-status"].reason


# --- the Gate ----------------------------------------------------------------------------


def _audit(tmp_path: Path, context: str = "user") -> AuditLog:
    return AuditLog(tmp_path, "run-1", context, "Test User <test@example.com>")


def _records(tmp_path: Path) -> list[dict[str, Any]]:
    out = []
    for path in log_files(tmp_path / ".specweave/logs/sync"):
        out += [json.loads(line) for line in path.read_text().splitlines()]
    return out


def _everything() -> Config:
    return _config(
        internal=True, external=True, status=True, canUpsert=True, canUpdateStatus=True,
        canDelete=True,
    )  # fmt: skip


@pytest.mark.parametrize("op", [o for o in OPERATIONS if o != "read"])
def test_dry_run_never_calls_a_write(tmp_path: Path, op: Operation) -> None:
    gate = Gate(_everything(), USER, _audit(tmp_path), dry_run=True)

    def write() -> str:
        raise AssertionError("a dry run called a write")

    out = gate.call("github", op, "US-1", write)
    assert (out.result, out.value, out.decision.allowed) == ("dry-run", None, True)
    assert [(r["kind"], r["result"]) for r in _records(tmp_path)] == [
        ("decision", None),
        ("outcome", "dry-run"),
    ]
    assert gate.summary()["github"]["dry-run"] == 1


def test_dry_run_still_reads(tmp_path: Path) -> None:
    gate = Gate(_everything(), USER, _audit(tmp_path), dry_run=True)
    out = gate.call("github", "read", "US-1", lambda: {"number": 7})
    assert (out.result, out.value) == ("success", {"number": 7})


def test_denied_is_skipped_recorded_and_counted(tmp_path: Path) -> None:
    gate = Gate(_config(), USER, _audit(tmp_path), strict=True)
    calls = []
    out = gate.call("github", "update-status", "US-1", lambda: calls.append(1))
    assert (out.result, out.ok, calls) == ("denied", False, [])
    (rec,) = _records(tmp_path)
    assert rec["decision"] == "denied" and rec["result"] == "denied"
    assert rec["reason"].startswith("denied: sync.settings.canUpdateStatus is false")
    assert gate.summary() == {
        "github": {"allowed": 0, "denied": 1, "success": 0, "error": 0, "dry-run": 0}
    }
    assert gate.strict_failed


def test_hook_context_denies_even_reads(tmp_path: Path) -> None:
    gate = Gate(_everything(), CONTEXTS["hook"], _audit(tmp_path, "hook"))
    out = gate.call("github", "read", None, lambda: 1)
    assert out.result == "denied" and "hook context" in out.decision.reason
    assert not gate.strict_failed  # not a --strict run


def test_success_records_decision_and_timed_outcome(tmp_path: Path) -> None:
    ticks = iter([10.0, 10.25])
    gate = Gate(_everything(), USER, _audit(tmp_path), clock=lambda: next(ticks))
    out = gate.call("github", "upsert-internal", "US-1", lambda: 42, name="create_issue")
    assert (out.result, out.value, out.duration_ms) == ("success", 42, 250.0)
    first, second = _records(tmp_path)
    assert (first["kind"], first["decision"], first["result"]) == ("decision", "allowed", None)
    assert (second["kind"], second["result"]) == ("outcome", "success")
    assert second["duration_ms"] == 250.0
    assert second["call"] == "create_issue" and second["actor"] == "Test User <test@example.com>"
    assert not gate.strict_failed


TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
RUN_SECRET = "s3cr3t-jira-api-token-value"


def test_error_is_recorded_redacted_and_reraised(tmp_path: Path) -> None:
    gate = Gate(_everything(), USER, _audit(tmp_path), secrets=[RUN_SECRET])

    def boom() -> None:
        raise RuntimeError(
            f"401 for https://x:{RUN_SECRET}@api.example.com with Authorization: Bearer {TOKEN}"
        )

    with pytest.raises(RuntimeError):
        gate.call("github", "upsert-internal", "US-1", boom)
    rec = _records(tmp_path)[-1]
    assert rec["result"] == "error" and rec["error"].startswith("RuntimeError: 401 for")
    text = (log_files(tmp_path / ".specweave/logs/sync")[0]).read_text()
    assert TOKEN not in text and RUN_SECRET not in text and "***" in text
    assert gate.summary()["github"]["error"] == 1


# --- GatedClient -------------------------------------------------------------------------


class RawClient:
    """A stand-in for a provider's HTTP client (no network: the gate is under test)."""

    def __init__(self) -> None:
        self.token = TOKEN
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def get_issue(self, number: int) -> dict[str, Any]:
        self.calls.append(("get_issue", (number,), {}))
        return {"number": number}

    def update_issue(self, number: int, **fields: Any) -> dict[str, Any]:
        self.calls.append(("update_issue", (number,), fields))
        return {"number": number, **fields}

    def delete_issue(self, number: int) -> None:
        self.calls.append(("delete_issue", (number,), {}))


OPS = {
    "get_issue": "read",
    "update_issue": status_or("upsert-internal"),
    "delete_issue": "delete",
}


def _client(tmp_path: Path, config: Config) -> tuple[GatedClient, RawClient]:
    raw = RawClient()
    gate = Gate(config, USER, _audit(tmp_path))
    return GatedClient(gate, "github", raw, OPS), raw  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("config", "call", "expected"),
    [
        (_config(), lambda c: c.get_issue(3), ("read", "success")),
        (_config(), lambda c: c.update_issue(3, state="closed", item="US-1"),
         ("update-status", "denied")),
        (_config(status=True, canUpdateStatus=True),
         lambda c: c.update_issue(3, state="closed", item="US-1"), ("update-status", "success")),
        (_config(status=True, canUpdateStatus=True),
         lambda c: c.update_issue(3, title="t", state="closed", item="US-1"),
         ("upsert-internal", "denied")),
        (_config(internal=True, canUpsert=True),
         lambda c: c.update_issue(3, title="t", item="US-1E"), ("upsert-internal", "denied")),
        (_config(internal=True, canUpsert=True),
         lambda c: c.update_issue(3, title="t", item="US-1"), ("upsert-internal", "success")),
        (_config(internal=True, canUpsert=True), lambda c: c.delete_issue(3), ("delete", "denied")),
    ],
)  # fmt: skip
def test_gated_client_routes_every_call_through_the_gate(
    tmp_path: Path, config: Config, call: Any, expected: tuple[str, str]
) -> None:
    client, raw = _client(tmp_path, config)
    out = call(client)
    assert (out.operation, out.result) == expected
    assert len(raw.calls) == (1 if expected[1] == "success" else 0)
    assert _records(tmp_path)[-1]["operation"] == expected[0]
    assert verify(log_files(tmp_path / ".specweave/logs/sync")).ok


def test_gated_client_item_defaults_to_the_first_argument(tmp_path: Path) -> None:
    client, _ = _client(tmp_path, _config())
    client.get_issue(12)
    assert _records(tmp_path)[-1]["item"] == "12"


@pytest.mark.parametrize(
    "name", ["token", "calls", "_raw", "raw", "__dict__", "create_issue", "__wrapped__"]
)
def test_gated_client_exposes_no_raw_client(tmp_path: Path, name: str) -> None:
    client, _ = _client(tmp_path, _config())
    with pytest.raises(AttributeError):
        getattr(client, name)


def test_gated_client_public_names_lead_nowhere_near_the_raw_client(tmp_path: Path) -> None:
    client, raw = _client(tmp_path, _config())
    assert dir(client) == ["delete_issue", "get_issue", "update_issue"]
    with pytest.raises(TypeError):
        vars(client)
    with pytest.raises(AttributeError):
        client.get_issue = lambda n: raw.get_issue(n)
    # Nothing reachable from the public names is the raw client or one of its methods.
    for name in dir(client):
        method = getattr(client, name)
        reachable = [getattr(method, a) for a in dir(method) if not a.startswith("__")]
        assert all(v is not raw and getattr(v, "__self__", None) is not raw for v in reachable)
    assert TOKEN not in repr(client)


def test_gated_client_rejects_an_unknown_operation(tmp_path: Path) -> None:
    gate = Gate(_config(), USER, _audit(tmp_path))
    with pytest.raises(ValueError, match=r"github\.get_issue: unknown operation 'write'"):
        GatedClient(gate, "github", RawClient(), {"get_issue": "write"})  # type: ignore[dict-item]
