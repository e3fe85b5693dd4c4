"""Typed, frozen views of a validated config, built once from the defaulted document."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

PLATFORMS: tuple[str, ...] = ("github", "jira", "ado")

# The spec glob a plain list of codeGlobs applies to: every spec.
ALL_SPECS = "**"


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True)
class SyncSettings:
    """SpecWeave's three permission flags (+ auto sync); all default false."""

    can_upsert_internal_items: bool
    can_update_external_items: bool
    can_update_status: bool
    auto_sync_on_completion: bool


@dataclass(frozen=True, slots=True)
class GitHubTarget:
    enabled: bool
    owner: str | None
    repo: str | None


@dataclass(frozen=True, slots=True)
class JiraTarget:
    enabled: bool
    domain: str | None
    project_key: str | None


@dataclass(frozen=True, slots=True)
class AdoTarget:
    enabled: bool
    organization: str | None
    project: str | None


@dataclass(frozen=True, slots=True)
class StatusTarget:
    """What an increment status becomes in a tracker: a state plus labels or tags."""

    state: str
    labels: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StatusSync:
    enabled: bool
    auto_sync: bool
    prompt_user: bool
    conflict_resolution: str
    # platform -> increment status -> target
    mappings: Mapping[str, Mapping[str, StatusTarget]]


@dataclass(frozen=True, slots=True)
class Job:
    enabled: bool
    interval_minutes: int


@dataclass(frozen=True, slots=True)
class Scheduler:
    enabled: bool
    run_on_startup: bool
    jobs: Mapping[str, Job]


@dataclass(frozen=True, slots=True)
class PlatformPermissions:
    can_read: bool
    can_upsert: bool
    can_update_status: bool
    can_delete: bool


@dataclass(frozen=True, slots=True)
class Discrepancy:
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


@dataclass(frozen=True, slots=True)
class Notifications:
    enabled: bool
    retention_days: int
    show_on_commands: tuple[str, ...]
    types: Mapping[str, bool]


@dataclass(frozen=True, slots=True)
class Logging:
    verbosity: str
    retention_days: int


@dataclass(frozen=True, slots=True)
class Orchestration:
    scheduler: Scheduler
    permissions: Mapping[str, PlatformPermissions]
    discrepancy: Discrepancy
    notifications: Notifications
    logging: Logging


@dataclass(frozen=True, slots=True)
class Sync:
    settings: SyncSettings
    github: GitHubTarget
    jira: JiraTarget
    ado: AdoTarget
    status_sync: StatusSync
    orchestration: Orchestration
    budget: int


@dataclass(frozen=True, slots=True)
class Config:
    """The effective config. ``raw`` is the file as parsed ({} without a file);
    ``effective`` is the same document with the schema's defaults filled in."""

    sync: Sync
    path: Path | None
    raw: Mapping[str, Any]
    effective: Mapping[str, Any]

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
