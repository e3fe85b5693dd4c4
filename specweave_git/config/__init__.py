"""SpecWeave's `.specweave/config.json`: the sections specweave-git owns, typed and defaulted.

``load_config(repo_root, cache_dir=...)`` returns a frozen :class:`Config`; problems
raise :class:`~specweave_git.errors.ConfigError` naming the file and JSON pointer of
every one. jsonschema is imported only when a config's content has not been validated
before (see DESIGN §11).
"""

from __future__ import annotations

from ..errors import ConfigError, Problem
from .load import CONFIG_RELPATH, default_path, load_config
from .model import (
    ALL_SPECS,
    PLATFORMS,
    AdoTarget,
    Config,
    Discrepancy,
    GitHubTarget,
    JiraTarget,
    Job,
    Logging,
    Notifications,
    Orchestration,
    PlatformPermissions,
    Scheduler,
    StatusSync,
    StatusTarget,
    Sync,
    SyncSettings,
)
from .schema import SCHEMA_PATH, defaults

__all__ = [
    "ALL_SPECS",
    "CONFIG_RELPATH",
    "PLATFORMS",
    "SCHEMA_PATH",
    "AdoTarget",
    "Config",
    "ConfigError",
    "Discrepancy",
    "GitHubTarget",
    "JiraTarget",
    "Job",
    "Logging",
    "Notifications",
    "Orchestration",
    "PlatformPermissions",
    "Problem",
    "Scheduler",
    "StatusSync",
    "StatusTarget",
    "Sync",
    "SyncSettings",
    "default_path",
    "defaults",
    "load_config",
]
