"""Load a repository's config: validate once per content, then reuse the cached result."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from ..digest import digest
from ..errors import UsageError
from ..log import get_logger
from . import schema, validate
from .atomic import atomic_write
from .model import Config, build

log = get_logger(__name__)

CONFIG_RELPATH = Path(".specweave") / "config.json"
CACHE_FORMAT = 1
_CACHE_KEEP = 8  # entries kept per cache dir (branches and worktrees share .git)


def default_path(repo_root: Path) -> Path:
    return repo_root / CONFIG_RELPATH


def read_bytes(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except FileNotFoundError:
        raise UsageError("config file not found", file=str(file)) from None
    except OSError as e:
        raise UsageError(f"cannot read: {e.strerror or e}", file=str(file)) from None


def cache_key(data: bytes) -> str:
    return digest(
        schema.schema_digest().encode("ascii"), f"\0{CACHE_FORMAT}\0".encode("ascii"), data
    )


def _cache_file(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"config-{key}.json"


def _read_cache(cache_dir: Path, key: str) -> dict[str, Any] | None:
    try:
        doc = json.loads(_cache_file(cache_dir, key).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("key") != key:
        return None
    effective = doc.get("effective")
    return effective if isinstance(effective, dict) else None


def _write_cache(cache_dir: Path, key: str, effective: dict[str, Any]) -> None:
    doc = {"format": CACHE_FORMAT, "key": key, "effective": effective}
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        current = _cache_file(cache_dir, key)
        atomic_write(current, json.dumps(doc).encode("utf-8"))
        others = [p for p in cache_dir.glob("config-*.json") if p != current]
        others.sort(key=lambda p: p.stat().st_mtime)
        for stale in others[: max(0, len(others) - (_CACHE_KEEP - 1))]:
            stale.unlink(missing_ok=True)
    except OSError as e:
        # The cache only saves time; a read-only .git must not stop a check.
        log.debug("config cache not written: %s", e)


def load_config(
    repo_root: Path, *, path: Path | None = None, cache_dir: Path | None = None
) -> Config:
    """The effective config of ``repo_root``.

    ``path`` overrides ``<repo_root>/.specweave/config.json`` (and must then exist). A
    missing default file means every default. With ``cache_dir`` the validated result
    is cached by the hash of the file's bytes, and a hit never imports jsonschema.
    Raises ConfigError listing every problem, or UsageError for an unreadable file.
    """
    file = path if path is not None else default_path(repo_root)
    name = str(file)
    if path is None and not file.exists():
        return build(schema.defaults(), path=None, raw={})
    data = read_bytes(file)
    key = cache_key(data)
    if cache_dir is not None:
        cached = _read_cache(cache_dir, key)
        if cached is not None:
            try:
                return build(cached, path=file, raw=validate.parse(name, data, strict=False))
            except (KeyError, TypeError, ValueError, AttributeError):
                log.debug("config cache entry for %s is corrupt; revalidating", name)
    raw = validate.parse(name, data)
    validate.check(name, raw)
    effective = schema.apply_defaults(schema.schema(), copy.deepcopy(raw))
    config = build(effective, path=file, raw=raw)
    if cache_dir is not None:
        _write_cache(cache_dir, key, effective)
    return config
