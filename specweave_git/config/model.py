"""Typed, frozen views of a validated config, built once from the defaulted document."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..record import FrozenRecord, set_field

PLATFORMS: tuple[str, ...] = ("github", "jira", "ado")

# The spec glob a plain list of codeGlobs applies to: every spec.
ALL_SPECS = "**"


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


class SyncSettings(FrozenRecord):
    """SpecWeave's three permission flags (+ auto sync); all default false."""

    __slots__ = (
        "auto_sync_on_completion",
        "can_update_external_items",
        "can_update_status",
        "can_upsert_internal_items",
    )

    can_upsert_internal_items: bool
    can_update_external_items: bool
    can_update_status: bool
    auto_sync_on_completion: bool

    def __init__(
        self,
        can_upsert_internal_items: bool,
        can_update_external_items: bool,
        can_update_status: bool,
        auto_sync_on_completion: bool,
    ) -> None:
        set_field(self, "can_upsert_internal_items", can_upsert_internal_items)
        set_field(self, "can_update_external_items", can_update_external_items)
        set_field(self, "can_update_status", can_update_status)
        set_field(self, "auto_sync_on_completion", auto_sync_on_completion)


class GitHubTarget(FrozenRecord):
    __slots__ = ("enabled", "owner", "repo")

    enabled: bool
    owner: str | None
    repo: str | None

    def __init__(self, enabled: bool, owner: str | None, repo: str | None) -> None:
        set_field(self, "enabled", enabled)
        set_field(self, "owner", owner)
        set_field(self, "repo", repo)


class JiraTarget(FrozenRecord):
    __slots__ = ("domain", "enabled", "project_key")

    enabled: bool
    domain: str | None
    project_key: str | None

    def __init__(self, enabled: bool, domain: str | None, project_key: str | None) -> None:
        set_field(self, "enabled", enabled)
        set_field(self, "domain", domain)
        set_field(self, "project_key", project_key)


class AdoTarget(FrozenRecord):
    __slots__ = ("enabled", "organization", "project")

    enabled: bool
    organization: str | None
    project: str | None

    def __init__(self, enabled: bool, organization: str | None, project: str | None) -> None:
        set_field(self, "enabled", enabled)
        set_field(self, "organization", organization)
        set_field(self, "project", project)


class StatusTarget(FrozenRecord):
    """What an increment status becomes in a tracker: a state plus labels or tags."""

    __slots__ = ("labels", "state", "tags")

    state: str
    labels: tuple[str, ...]
    tags: tuple[str, ...]

    def __init__(
        self, state: str, labels: tuple[str, ...] = (), tags: tuple[str, ...] = ()
    ) -> None:
        set_field(self, "state", state)
        set_field(self, "labels", labels)
        set_field(self, "tags", tags)


class StatusSync(FrozenRecord):
    __slots__ = ("auto_sync", "conflict_resolution", "enabled", "mappings", "prompt_user")

    enabled: bool
    auto_sync: bool
    prompt_user: bool
    conflict_resolution: str
    # platform -> increment status -> target
    mappings: Mapping[str, Mapping[str, StatusTarget]]

    def __init__(
        self,
        enabled: bool,
        auto_sync: bool,
        prompt_user: bool,
        conflict_resolution: str,
        mappings: Mapping[str, Mapping[str, StatusTarget]],
    ) -> None:
        set_field(self, "enabled", enabled)
        set_field(self, "auto_sync", auto_sync)
        set_field(self, "prompt_user", prompt_user)
        set_field(self, "conflict_resolution", conflict_resolution)
        set_field(self, "mappings", mappings)


class Job(FrozenRecord):
    __slots__ = ("enabled", "interval_minutes")

    enabled: bool
    interval_minutes: int

    def __init__(self, enabled: bool, interval_minutes: int) -> None:
        set_field(self, "enabled", enabled)
        set_field(self, "interval_minutes", interval_minutes)


class Scheduler(FrozenRecord):
    __slots__ = ("enabled", "jobs", "run_on_startup")

    enabled: bool
    run_on_startup: bool
    jobs: Mapping[str, Job]

    def __init__(self, enabled: bool, run_on_startup: bool, jobs: Mapping[str, Job]) -> None:
        set_field(self, "enabled", enabled)
        set_field(self, "run_on_startup", run_on_startup)
        set_field(self, "jobs", jobs)


class PlatformPermissions(FrozenRecord):
    __slots__ = ("can_delete", "can_read", "can_update_status", "can_upsert")

    can_read: bool
    can_upsert: bool
    can_update_status: bool
    can_delete: bool

    def __init__(
        self, can_read: bool, can_upsert: bool, can_update_status: bool, can_delete: bool
    ) -> None:
        set_field(self, "can_read", can_read)
        set_field(self, "can_upsert", can_upsert)
        set_field(self, "can_update_status", can_update_status)
        set_field(self, "can_delete", can_delete)


class Discrepancy(FrozenRecord):
    __slots__ = (
        "auto_update_trivial",
        "check_types",
        "code_globs",
        "enabled",
        "fail_on",
        "ignore_paths",
        "include_tests",
        "max_file_bytes",
        "require_review_for",
        "severity_overrides",
        "spec_globs",
        "stub_spec",
    )

    enabled: bool
    auto_update_trivial: bool
    require_review_for: tuple[str, ...]
    check_types: tuple[str, ...]
    ignore_paths: tuple[str, ...]
    fail_on: str
    # rule id -> trivial|minor|major|breaking|off
    severity_overrides: Mapping[str, str]
    spec_globs: tuple[str, ...]
    # spec glob -> code globs; a plain list in the file becomes {ALL_SPECS: globs}
    code_globs: Mapping[str, tuple[str, ...]]
    max_file_bytes: int
    include_tests: bool
    stub_spec: str  # where `accept --apply` adds a stub when no spec has its neighbours

    def __init__(
        self,
        enabled: bool,
        auto_update_trivial: bool,
        require_review_for: tuple[str, ...],
        check_types: tuple[str, ...],
        ignore_paths: tuple[str, ...],
        fail_on: str,
        severity_overrides: Mapping[str, str],
        spec_globs: tuple[str, ...],
        code_globs: Mapping[str, tuple[str, ...]],
        max_file_bytes: int,
        include_tests: bool,
        stub_spec: str = "docs/api.md",
    ) -> None:
        set_field(self, "enabled", enabled)
        set_field(self, "auto_update_trivial", auto_update_trivial)
        set_field(self, "require_review_for", require_review_for)
        set_field(self, "check_types", check_types)
        set_field(self, "ignore_paths", ignore_paths)
        set_field(self, "fail_on", fail_on)
        set_field(self, "severity_overrides", severity_overrides)
        set_field(self, "spec_globs", spec_globs)
        set_field(self, "code_globs", code_globs)
        set_field(self, "max_file_bytes", max_file_bytes)
        set_field(self, "include_tests", include_tests)
        set_field(self, "stub_spec", stub_spec)


class Notifications(FrozenRecord):
    __slots__ = ("enabled", "retention_days", "show_on_commands", "types")

    enabled: bool
    retention_days: int
    show_on_commands: tuple[str, ...]
    types: Mapping[str, bool]

    def __init__(
        self,
        enabled: bool,
        retention_days: int,
        show_on_commands: tuple[str, ...],
        types: Mapping[str, bool],
    ) -> None:
        set_field(self, "enabled", enabled)
        set_field(self, "retention_days", retention_days)
        set_field(self, "show_on_commands", show_on_commands)
        set_field(self, "types", types)


class Logging(FrozenRecord):
    __slots__ = ("retention_days", "verbosity")

    verbosity: str
    retention_days: int

    def __init__(self, verbosity: str, retention_days: int) -> None:
        set_field(self, "verbosity", verbosity)
        set_field(self, "retention_days", retention_days)


class Orchestration(FrozenRecord):
    __slots__ = ("discrepancy", "logging", "notifications", "permissions", "scheduler")

    scheduler: Scheduler
    permissions: Mapping[str, PlatformPermissions]
    discrepancy: Discrepancy
    notifications: Notifications
    logging: Logging

    def __init__(
        self,
        scheduler: Scheduler,
        permissions: Mapping[str, PlatformPermissions],
        discrepancy: Discrepancy,
        notifications: Notifications,
        logging: Logging,
    ) -> None:
        set_field(self, "scheduler", scheduler)
        set_field(self, "permissions", permissions)
        set_field(self, "discrepancy", discrepancy)
        set_field(self, "notifications", notifications)
        set_field(self, "logging", logging)


class Sync(FrozenRecord):
    __slots__ = ("ado", "budget", "github", "jira", "orchestration", "settings", "status_sync")

    settings: SyncSettings
    github: GitHubTarget
    jira: JiraTarget
    ado: AdoTarget
    status_sync: StatusSync
    orchestration: Orchestration
    budget: int

    def __init__(
        self,
        settings: SyncSettings,
        github: GitHubTarget,
        jira: JiraTarget,
        ado: AdoTarget,
        status_sync: StatusSync,
        orchestration: Orchestration,
        budget: int,
    ) -> None:
        set_field(self, "settings", settings)
        set_field(self, "github", github)
        set_field(self, "jira", jira)
        set_field(self, "ado", ado)
        set_field(self, "status_sync", status_sync)
        set_field(self, "orchestration", orchestration)
        set_field(self, "budget", budget)


class Config(FrozenRecord):
    """The effective config. ``raw`` is the file as parsed ({} without a file);
    ``effective`` is the same document with the schema's defaults filled in."""

    __slots__ = ("effective", "path", "raw", "sync")

    sync: Sync
    path: Path | None
    raw: Mapping[str, Any]
    effective: Mapping[str, Any]

    def __init__(
        self, sync: Sync, path: Path | None, raw: Mapping[str, Any], effective: Mapping[str, Any]
    ) -> None:
        set_field(self, "sync", sync)
        set_field(self, "path", path)
        set_field(self, "raw", raw)
        set_field(self, "effective", effective)

    # Shortcuts for the sections most callers want.
    @property
    def settings(self) -> SyncSettings:
        return self.sync.settings

    @property
    def discrepancy(self) -> Discrepancy:
        return self.sync.orchestration.discrepancy

    @property
    def jobs(self) -> Mapping[str, Job]:
        return self.sync.orchestration.scheduler.jobs

    @property
    def permissions(self) -> Mapping[str, PlatformPermissions]:
        return self.sync.orchestration.permissions

    @property
    def notifications(self) -> Notifications:
        return self.sync.orchestration.notifications

    @property
    def logging(self) -> Logging:
        return self.sync.orchestration.logging


def _target(value: Any) -> StatusTarget:
    if isinstance(value, str):
        return StatusTarget(value)
    return StatusTarget(
        str(value["state"]),
        tuple(value.get("labels", ())),
        tuple(value.get("tags", ())),
    )


def _code_globs(value: Any) -> Mapping[str, tuple[str, ...]]:
    if isinstance(value, list):
        return _frozen({ALL_SPECS: tuple(value)})
    return _frozen({str(k): tuple(v) for k, v in value.items()})


def build(effective: Mapping[str, Any], *, path: Path | None, raw: Mapping[str, Any]) -> Config:
    """Dataclasses from a validated, defaulted document (KeyError/TypeError if it is not)."""
    s = effective["sync"]
    st = s["settings"]
    gh, jr, ad = s["github"], s["jira"], s["ado"]
    ss = s["statusSync"]
    orch = s["orchestration"]
    sched = orch["scheduler"]
    disc = orch["discrepancy"]
    notes = orch["notifications"]
    return Config(
        sync=Sync(
            settings=SyncSettings(
                bool(st["canUpsertInternalItems"]),
                bool(st["canUpdateExternalItems"]),
                bool(st["canUpdateStatus"]),
                bool(st["autoSyncOnCompletion"]),
            ),
            github=GitHubTarget(bool(gh["enabled"]), gh.get("owner"), gh.get("repo")),
            jira=JiraTarget(bool(jr["enabled"]), jr.get("domain"), jr.get("projectKey")),
            ado=AdoTarget(bool(ad["enabled"]), ad.get("organization"), ad.get("project")),
            status_sync=StatusSync(
                bool(ss["enabled"]),
                bool(ss["autoSync"]),
                bool(ss["promptUser"]),
                str(ss["conflictResolution"]),
                _frozen(
                    {
                        platform: _frozen({k: _target(v) for k, v in table.items()})
                        for platform, table in ss["mappings"].items()
                    }
                ),
            ),
            orchestration=Orchestration(
                scheduler=Scheduler(
                    bool(sched["enabled"]),
                    bool(sched["runOnStartup"]),
                    _frozen(
                        {
                            name: Job(bool(job["enabled"]), int(job["intervalMinutes"]))
                            for name, job in sched["jobs"].items()
                        }
                    ),
                ),
                permissions=_frozen(
                    {
                        name: PlatformPermissions(
                            bool(p["canRead"]),
                            bool(p["canUpsert"]),
                            bool(p["canUpdateStatus"]),
                            bool(p["canDelete"]),
                        )
                        for name, p in orch["permissions"].items()
                    }
                ),
                discrepancy=Discrepancy(
                    enabled=bool(disc["enabled"]),
                    auto_update_trivial=bool(disc["autoUpdateTrivial"]),
                    require_review_for=tuple(disc["requireReviewFor"]),
                    check_types=tuple(disc["checkTypes"]),
                    ignore_paths=tuple(disc["ignorePaths"]),
                    fail_on=str(disc["failOn"]),
                    severity_overrides=_frozen(disc["severityOverrides"]),
                    spec_globs=tuple(disc["specGlobs"]),
                    code_globs=_code_globs(disc["codeGlobs"]),
                    max_file_bytes=int(disc["maxFileBytes"]),
                    include_tests=bool(disc["includeTests"]),
                    stub_spec=str(disc["stubSpec"]),
                ),
                notifications=Notifications(
                    bool(notes["enabled"]),
                    int(notes["retentionDays"]),
                    tuple(notes["showOnCommands"]),
                    _frozen({k: bool(v) for k, v in notes["types"].items()}),
                ),
                logging=Logging(
                    str(orch["logging"]["verbosity"]), int(orch["logging"]["retentionDays"])
                ),
            ),
            budget=int(s["budget"]),
        ),
        path=path,
        raw=_frozen(raw),
        effective=_frozen(effective),
    )
