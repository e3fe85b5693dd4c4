"""Content-addressed cache of per-file facts, keyed by blob id (never stale, never committed).

One SQLite file under ``<git common dir>/specweave/cache/`` rather than one JSON file per
blob: a whole-repository lookup is a single indexed query instead of thousands of opens,
SQLite serialises concurrent writers for us, and a torn write cannot corrupt an entry.
A corrupt database is moved aside and rebuilt; a corrupt entry is ignored and rewritten.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..log import get_logger

log = get_logger(__name__)

_SCHEMA = "CREATE TABLE IF NOT EXISTS facts (key TEXT PRIMARY KEY, value BLOB NOT NULL)"
_CHUNK = 500  # SQLite's default limit on host parameters is 999 on old builds


def cache_key(language: str, analyzer_version: str, blob_id: str, path: str) -> str:
    # The path is part of the key because facts carry locations; a copied file with the
    # same content under another name is analysed again (cheap, and never wrong).
    return f"{analyzer_version}:{language}:{blob_id}:{path}"


_OPEN_TRIES = 5
# SQLITE_CORRUPT, SQLITE_NOTADB: the file is damaged (anything else may pass).
_CORRUPT_CODES = (11, 26)


def _is_corrupt(error: sqlite3.DatabaseError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)  # Python >= 3.11
    if code is not None:
        return int(code) & 0xFF in _CORRUPT_CODES
    return not isinstance(error, sqlite3.OperationalError)


def _connect(path: Path, *, wal: bool) -> sqlite3.Connection:
    db = sqlite3.connect(str(path), timeout=10.0, isolation_level=None)
    try:
        if wal:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
        db.execute(_SCHEMA)
    except BaseException:
        db.close()
        raise
    return db


class FactsCache:
    """``get_many``/``put_many`` over a SQLite file; ``path=None`` keeps it in memory only."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._mem: dict[str, dict[str, Any]] = {}
        self._db: sqlite3.Connection | None = None
        if path is not None:
            self._db = self._open(path)

    def _open(self, path: Path) -> sqlite3.Connection | None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            log.warning("parse cache disabled: %s", e)
            return None
        error: sqlite3.DatabaseError | None = None
        for attempt in range(_OPEN_TRIES):
            try:
                return _connect(path, wal=True)
            except sqlite3.DatabaseError as e:
                if _is_corrupt(e):
                    return self._rebuild(path, e)
                # Locked or a transient I/O error while another process creates the file
                # or its WAL: retry. Moving a healthy database aside would lose its rows.
                error = e
                time.sleep(0.02 * (attempt + 1))
        log.warning("parse cache disabled: %s", error)
        return None

    def _rebuild(self, path: Path, error: sqlite3.DatabaseError) -> sqlite3.Connection | None:
        log.warning("parse cache %s unreadable (%s); rebuilding it", path, error)
        with contextlib.suppress(OSError):
            path.replace(path.with_suffix(".corrupt"))
        try:
            return _connect(path, wal=False)
        except (sqlite3.DatabaseError, OSError) as e2:
            log.warning("parse cache disabled: %s", e2)
            return None

    def get_many(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        wanted = list(keys)
        found: dict[str, dict[str, Any]] = {k: self._mem[k] for k in wanted if k in self._mem}
        if self._db is None:
            return found
        missing = [k for k in wanted if k not in found]
        for i in range(0, len(missing), _CHUNK):
            chunk = missing[i : i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            try:
                rows = self._db.execute(
                    f"SELECT key, value FROM facts WHERE key IN ({marks})",  # noqa: S608
                    chunk,
                ).fetchall()
            except sqlite3.DatabaseError as e:
                log.warning("parse cache read failed (%s); continuing without it", e)
                return found
            for key, value in rows:
                try:
                    facts = json.loads(value)
                except (ValueError, TypeError):
                    continue  # corrupt entry: treated as a miss and rewritten
                if isinstance(facts, dict):
                    found[key] = facts
                    # Both sides of a change share most blobs: decode each row once.
                    self._mem[key] = facts
        return found

    def put_many(self, items: Mapping[str, dict[str, Any]]) -> None:
        self._mem.update(items)
        if self._db is None or not items:
            return
        rows = [(k, json.dumps(v, separators=(",", ":"))) for k, v in items.items()]
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("INSERT OR REPLACE INTO facts (key, value) VALUES (?, ?)", rows)
            self._db.execute("COMMIT")
        except sqlite3.DatabaseError as e:
            log.warning("parse cache write failed: %s", e)
            with contextlib.suppress(sqlite3.DatabaseError):
                self._db.execute("ROLLBACK")

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
