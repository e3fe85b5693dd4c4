"""The validated-config cache: hits skip jsonschema, corrupt entries are rewritten."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from specweave_git.cli.main import main
from specweave_git.config import load_config
from specweave_git.config.load import cache_key

from .conftest import Repo

CONFIG = json.dumps({"sync": {"budget": 7, "github": {"enabled": True, "owner": "o", "repo": "r"}}})

# A fresh interpreter loads the config and reports what it saw and whether jsonschema
# was imported on the way.
PROBE = """
import sys
from pathlib import Path
from specweave_git.config import load_config
c = load_config(Path(sys.argv[1]), cache_dir=Path(sys.argv[2]))
print(c.sync.budget, "jsonschema" in sys.modules)
"""


def _probe(repo: Path, cache: Path) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(repo), str(cache)],
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.strip()


def _setup(repo: Repo) -> tuple[Path, Path]:
    cfg = repo.write(".specweave/config.json", CONFIG)
    return cfg, repo.path / ".git" / "specweave" / "cache"


def test_cache_hit_does_not_import_jsonschema(repo: Repo) -> None:
    cfg, cache = _setup(repo)
    assert _probe(repo.path, cache) == "7 True"  # a miss validates
    entry = cache / f"config-{cache_key(cfg.read_bytes())}.json"
    assert entry.is_file()
    assert _probe(repo.path, cache) == "7 False"  # a hit does not


def test_changed_content_misses(repo: Repo) -> None:
    cfg, cache = _setup(repo)
    assert load_config(repo.path, cache_dir=cache).sync.budget == 7
    cfg.write_text(CONFIG.replace('"budget": 7', '"budget": 9'), encoding="utf-8")
    assert load_config(repo.path, cache_dir=cache).sync.budget == 9
    assert len(list(cache.glob("config-*.json"))) == 2


def test_invalid_content_is_never_cached(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write(".specweave/config.json", '{"sync": {"budget": 0}}')
    assert main(["config", "validate", "--repo", str(repo.path)]) == 2
    assert main(["config", "validate", "--repo", str(repo.path)]) == 2
    assert "/sync/budget" in capsys.readouterr().err
    assert not list((repo.path / ".git").glob("specweave/cache/config-*.json"))


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"{not json",
        b"[]",
        b'{"key": "someone else", "effective": {}}',
        b'{"key": "KEY", "effective": {"sync": 1}}',
        b'{"key": "KEY", "effective": {"sync": {"settings": {}}}}',
        b'{"key": "KEY"}',
    ],
)
def test_corrupt_entries_are_ignored_and_rewritten(repo: Repo, garbage: bytes) -> None:
    cfg, cache = _setup(repo)
    key = cache_key(cfg.read_bytes())
    entry = cache / f"config-{key}.json"
    cache.mkdir(parents=True)
    entry.write_bytes(garbage.replace(b"KEY", key.encode()))
    assert load_config(repo.path, cache_dir=cache).sync.github.owner == "o"
    doc = json.loads(entry.read_bytes())
    assert doc["key"] == key and doc["effective"]["sync"]["budget"] == 7


def test_unwritable_cache_dir_does_not_fail_the_load(repo: Repo) -> None:
    _setup(repo)
    blocker = repo.path / ".git" / "specweave"
    blocker.write_text("a file where the cache directory should be", encoding="utf-8")
    assert load_config(repo.path, cache_dir=blocker / "cache").sync.budget == 7


def test_cli_uses_the_git_dir_cache(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    _setup(repo)
    assert main(["config", "validate", "--repo", str(repo.path)]) == 0
    assert len(list((repo.path / ".git" / "specweave" / "cache").glob("config-*.json"))) == 1
    assert capsys.readouterr().out.endswith(": ok\n")


def test_old_entries_are_pruned(repo: Repo) -> None:
    cfg, cache = _setup(repo)
    for budget in range(1, 13):
        cfg.write_text(json.dumps({"sync": {"budget": budget}}), encoding="utf-8")
        assert load_config(repo.path, cache_dir=cache).sync.budget == budget
    assert len(list(cache.glob("config-*.json"))) == 8
