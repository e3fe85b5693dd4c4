"""The parse cache: hits by blob id, corrupt entries and files, concurrent processes, worktrees."""

from __future__ import annotations

import json
import logging
import multiprocessing
import random
import sqlite3
from pathlib import Path

import pytest

from specweave_git.code import surface
from specweave_git.code.cache import FactsCache
from specweave_git.code.select import CodeFile, SelectOptions, select
from specweave_git.drift import engine
from specweave_git.gitio.repo import open_repo
from tests.conftest import Repo

FILES = {
    "src/users.ts": "export function getUser(id: string, full?: boolean): void {}\n",
    "src/orders.ts": "export class Orders { place(item: string, qty = 1): void {} }\n",
    "app/views.py": "def index(request, page=1):\n    return page\n",
}


def code_files(repo: Repo) -> list[CodeFile]:
    out = repo.git("ls-files", "-s").splitlines()
    entries = [(line.split("\t", 1)[1], line.split()[1]) for line in out]
    files, _ = select(entries, SelectOptions())
    return files


class Loader:
    """Reads blobs with git and counts what it was asked for."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.asked: list[str] = []

    def __call__(self, oids: list[str]) -> dict[str, bytes]:
        self.asked += oids
        return {o: self.repo.git("cat-file", "blob", o).encode() for o in oids}


def run(repo: Repo, cache_path: Path) -> tuple[dict[str, surface.Facts], surface.Stats, Loader]:
    stats = surface.Stats()
    load = Loader(repo)
    cache = FactsCache(cache_path)
    try:
        facts = surface.analyze_files(code_files(repo), load, cache, stats)
    finally:
        cache.close()
    return facts, stats, load


@pytest.fixture
def committed(repo: Repo) -> Repo:
    for path, text in FILES.items():
        repo.write(path, text)
    repo.commit("code")
    return repo


def test_second_run_parses_nothing(committed: Repo, tmp_path: Path) -> None:
    db = tmp_path / "cache" / "facts.sqlite"
    first, s1, l1 = run(committed, db)
    assert (s1.files_parsed, s1.cache_hits, len(l1.asked)) == (3, 0, 3)
    # A new FactsCache (a new process, in effect): everything comes from the file.
    second, s2, l2 = run(committed, db)
    assert (s2.files_parsed, s2.cache_hits, l2.asked) == (0, 3, [])
    assert second == first


def test_changed_file_is_the_only_miss(committed: Repo, tmp_path: Path) -> None:
    db = tmp_path / "facts.sqlite"
    run(committed, db)
    committed.write("src/users.ts", "export function getUser(id: number): void {}\n")
    committed.commit("change")
    facts, stats, load = run(committed, db)
    assert (stats.files_parsed, stats.cache_hits, len(load.asked)) == (1, 2, 1)
    params = facts["src/users.ts"]["symbols"]["decls"]["getUser"]["signatures"][0]["params"]
    assert [p["type"] for p in params] == ["number"]


def test_corrupt_entry_is_ignored_and_rewritten(committed: Repo, tmp_path: Path) -> None:
    db = tmp_path / "facts.sqlite"
    first, _, _ = run(committed, db)
    with sqlite3.connect(db) as con:
        key = next(k for (k,) in con.execute("SELECT key FROM facts") if "src/orders.ts" in k)
        con.execute("UPDATE facts SET value = ? WHERE key = ?", ("{not json", key))
    facts, stats, load = run(committed, db)
    assert (stats.files_parsed, stats.cache_hits, len(load.asked)) == (1, 2, 1)
    assert facts == first
    with sqlite3.connect(db) as con:
        (value,) = con.execute("SELECT value FROM facts WHERE key = ?", (key,)).fetchone()
    assert json.loads(value) == first["src/orders.ts"]


def test_corrupt_database_is_moved_aside_and_rebuilt(
    committed: Repo, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "facts.sqlite"
    db.write_bytes(random.Random(7).randbytes(8192))
    with caplog.at_level(logging.WARNING, logger="specweave_git"):
        first, s1, _ = run(committed, db)
    assert s1.files_parsed == 3
    assert (tmp_path / "facts.corrupt").read_bytes()[:16] == random.Random(7).randbytes(16)
    assert any("unreadable" in r.getMessage() for r in caplog.records)
    second, s2, _ = run(committed, db)
    assert (s2.files_parsed, s2.cache_hits) == (0, 3)
    assert second == first


def _worker(args: tuple[str, int, int]) -> tuple[int, int]:
    """Write this worker's keys and a shared one in many small transactions, read them back.

    Returns (keys read back intact, cache warnings logged)."""
    path, n, rounds = args
    warnings: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = warnings.append  # type: ignore[method-assign]
    logging.getLogger("specweave_git.code.cache").addHandler(handler)
    ok = 0
    for i in range(rounds):
        cache = FactsCache(Path(path))
        mine = {f"w{n}:{i}": {"worker": n, "round": i, "body": "x" * 2000}}
        cache.put_many({**mine, "shared": {"worker": n, "round": i}})
        back = FactsCache(Path(path)).get_many([*mine, "shared"])
        ok += back.get(f"w{n}:{i}") == mine[f"w{n}:{i}"] and "shared" in back
        cache.close()
    return ok, len(warnings)


def test_concurrent_processes_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "cache" / "facts.sqlite"
    workers, rounds = 4, 25
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers) as pool:
        results = pool.map(_worker, [(str(db), n, rounds) for n in range(workers)])
    assert results == [(rounds, 0)] * workers
    with sqlite3.connect(db) as con:
        keys = {k for (k,) in con.execute("SELECT key FROM facts")}
        (shared,) = con.execute("SELECT value FROM facts WHERE key = 'shared'").fetchone()
    assert keys == {f"w{n}:{i}" for n in range(workers) for i in range(rounds)} | {"shared"}
    assert json.loads(shared)["round"] == rounds - 1


def test_cache_lives_in_the_common_dir_and_is_shared_by_worktrees(
    committed: Repo, tmp_path: Path
) -> None:
    worktree = tmp_path / "wt"
    committed.git("worktree", "add", "-q", str(worktree))
    main_cache = engine.open_cache(open_repo(committed.path))
    wt_cache = engine.open_cache(open_repo(worktree))
    try:
        expected = (committed.path / ".git" / "specweave" / "cache" / "facts.sqlite").resolve()
        assert main_cache.path is not None and wt_cache.path is not None
        assert (main_cache.path.resolve(), wt_cache.path.resolve()) == (expected, expected)
        main_cache.put_many({"k": {"from": "main"}})
        assert wt_cache.get_many(["k"]) == {"k": {"from": "main"}}
    finally:
        main_cache.close()
        wt_cache.close()
    assert not (worktree / ".git").is_dir()  # a worktree's .git is a file: nothing written there
