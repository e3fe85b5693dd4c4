"""config migrate: legacy SpecWeave shapes, dry-run diff, idempotence, atomic writes."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from specweave_git.cli.main import main
from specweave_git.config import load_config

ROOT = Path(__file__).resolve().parents[1]
LEGACY = ROOT / "examples" / "legacy-config.json"


def _write(tmp_path: Path, text: str) -> Path:
    cfg = tmp_path / ".specweave" / "config.json"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text(text, encoding="utf-8", newline="")
    return cfg


def _migrate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str, str]:
    code = main(["config", "migrate", "--repo", str(tmp_path), *extra])
    out, err = capsys.readouterr()
    return code, out, err


# (legacy document, expected sync.settings after migration, expected key order of sync)
SHAPES: list[tuple[dict[str, Any], dict[str, bool], list[str]]] = [
    (
        {"sync": {"enabled": True, "direction": "bidirectional", "provider": "github"}},
        {
            "canUpsertInternalItems": True,
            "canUpdateExternalItems": True,
            "canUpdateStatus": True,
            "autoSyncOnCompletion": False,
        },
        ["enabled", "direction", "settings", "provider", "github", "jira", "ado"],
    ),
    (
        {"sync": {"preset": "export", "settings": {"canUpdateStatus": True}, "zz": 1}},
        # the flag already set wins; the missing ones come from the preset
        {"canUpdateStatus": True, "canUpsertInternalItems": True, "canUpdateExternalItems": False},
        ["preset", "settings", "zz", "github", "jira", "ado"],
    ),
    (
        {"sync": {"syncDirection": "import", "profiles": {"p": {"provider": "jira"}}}},
        {
            "canUpsertInternalItems": False,
            "canUpdateExternalItems": False,
            "canUpdateStatus": True,
            "autoSyncOnCompletion": False,
        },
        ["syncDirection", "settings", "profiles", "github", "jira", "ado"],
    ),
    (
        {"sync": {"direction": "to-external"}},
        {
            "canUpsertInternalItems": True,
            "canUpdateExternalItems": False,
            "canUpdateStatus": False,
            "autoSyncOnCompletion": False,
        },
        ["direction", "settings", "github", "jira", "ado"],
    ),
    (
        {"sync": {"direction": "from-external", "preset": "import"}},
        {
            "canUpsertInternalItems": False,
            "canUpdateExternalItems": False,
            "canUpdateStatus": True,
            "autoSyncOnCompletion": False,
        },
        ["direction", "preset", "settings", "github", "jira", "ado"],
    ),
    (
        {"project": {"name": "no-sync-yet"}},
        {
            "canUpsertInternalItems": False,
            "canUpdateExternalItems": False,
            "canUpdateStatus": False,
            "autoSyncOnCompletion": False,
        },
        ["settings", "github", "jira", "ado"],
    ),
]


@pytest.mark.parametrize(("legacy", "settings", "order"), SHAPES)
def test_legacy_shapes(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    legacy: dict[str, Any],
    settings: dict[str, bool],
    order: list[str],
) -> None:
    cfg = _write(tmp_path, json.dumps(legacy, indent=2) + "\n")
    code, out, err = _migrate(tmp_path, capsys)
    assert (code, err) == (0, "")
    assert out.startswith(f"{cfg}: migrated\n")
    doc = json.loads(cfg.read_text(encoding="utf-8"))
    assert doc["sync"]["settings"] == settings
    assert list(doc["sync"])[: len(order)] == order
    assert list(doc["sync"])[len(order) :] == ["statusSync", "orchestration"]
    for key, value in legacy.get("sync", {}).items():
        if key != "settings":
            assert doc["sync"][key] == value  # legacy and unknown keys are preserved
    assert [k for k in doc if k != "sync"] == [k for k in legacy if k != "sync"]
    load_config(tmp_path)  # the result is valid
    # running it again changes nothing
    before = cfg.read_bytes()
    code, out, _ = _migrate(tmp_path, capsys)
    assert code == 0 and out == f"{cfg}: already current, nothing to migrate\n"
    assert cfg.read_bytes() == before


def test_migration_output_is_exact_and_keeps_formatting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Everything already current is kept byte for byte; only the settings are added."""
    from specweave_git.config import defaults

    sync = defaults()["sync"]
    del sync["settings"]
    body = json.dumps({"direction": "import", **sync}, indent=4)[1:-2]
    text = (
        '{\n    "project": {"name": "keep", "stack": ["ts",   "py"]},\n'
        '    "sync": {' + body.replace("\n", "\n    ") + "\n    }\n}\n"
    )
    cfg = _write(tmp_path, text)
    code, _, _ = _migrate(tmp_path, capsys)
    expected = text.replace(
        '        "direction": "import",\n',
        '        "direction": "import",\n'
        '        "settings": {\n'
        '            "canUpsertInternalItems": false,\n'
        '            "canUpdateExternalItems": false,\n'
        '            "canUpdateStatus": true,\n'
        '            "autoSyncOnCompletion": false\n'
        "        },\n",
    )
    assert code == 0
    assert cfg.read_text(encoding="utf-8") == expected


def test_tabs_crlf_and_bom_are_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _write(tmp_path, "")
    cfg.write_bytes(b'\xef\xbb\xbf{\r\n\t"sync": {\r\n\t\t"direction": "export"\r\n\t}\r\n}\r\n')
    code, _, _ = _migrate(tmp_path, capsys)
    data = cfg.read_bytes()
    assert code == 0
    assert data.startswith(
        b'\xef\xbb\xbf{\r\n\t"sync": {\r\n\t\t"direction": "export",\r\n\t\t"settings"'
    )
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"  " not in data  # no space indentation crept in


def test_dry_run_prints_a_diff_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / ".specweave" / "config.json"
    cfg.parent.mkdir()
    shutil.copy(LEGACY, cfg)
    before = cfg.read_bytes()
    code, out, err = _migrate(tmp_path, capsys, "--dry-run")
    assert code == 0
    assert out.startswith(f"--- {cfg}\n+++ {cfg}\n@@ ")
    assert '+    "settings": {\n' in out
    assert '+      "canUpsertInternalItems": true,\n' in out
    assert '     "direction": "export",\n' in out  # context line, unchanged
    assert '-    "techStack"' not in out  # untouched values keep their formatting
    assert "dry run, nothing written" in err
    assert cfg.read_bytes() == before
    assert sorted(os.listdir(cfg.parent)) == ["config.json"]


def test_relative_path_diff_headers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, '{"sync": {"direction": "import"}}\n')
    monkeypatch.chdir(tmp_path)
    code = main(["config", "migrate", "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("--- a/.specweave/config.json\n+++ b/.specweave/config.json\n")


def test_example_legacy_config_migrates_and_then_validates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "legacy.json"
    shutil.copy(LEGACY, cfg)
    assert main(["config", "migrate", "--config", str(cfg)]) == 0
    assert main(["config", "validate", "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert f"{cfg}: ok" in out
    config = load_config(tmp_path, path=cfg)
    assert (config.settings.can_upsert_internal_items, config.settings.can_update_status) == (
        True,
        False,
    )
    assert config.sync.status_sync.conflict_resolution == "prompt"


# (legacy document text, pointer, message fragment) that migrate refuses with exit 2
MIGRATE_BAD: list[tuple[str, str, str]] = [
    ('{"sync": {"direction": "sideways"}}', "/sync/direction", "'sideways' is not a legacy"),
    ('{"sync": {"preset": "read-only"}}', "/sync/preset", "set sync.settings by hand"),
    (
        '{"sync": {"preset": "bidirectional", "direction": "import"}}',
        "/sync/direction",
        "'import' disagrees with /sync/preset 'bidirectional'",
    ),
    ('{"sync": []}', "/sync", "expected object, got array"),
    (
        '{"sync": {"settings": {"canUpdateStatuss": true}}}',
        "/sync/settings/canUpdateStatuss",
        "unknown key",
    ),
    ('{"sync": {"direction": "export",}}', "line 1 column 33", "invalid JSON"),
]


@pytest.mark.parametrize(("text", "where", "fragment"), MIGRATE_BAD)
def test_migrate_refuses_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, where: str, fragment: str
) -> None:
    cfg = _write(tmp_path, text)
    code, out, err = _migrate(tmp_path, capsys)
    assert code == 2
    assert f"{cfg}: {where}: " in err and fragment in err
    assert "Traceback" not in out + err
    assert cfg.read_text(encoding="utf-8") == text


def test_unknown_preset_is_fine_when_the_flags_are_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = {
        "canUpsertInternalItems": True,
        "canUpdateExternalItems": True,
        "canUpdateStatus": False,
    }
    cfg = _write(tmp_path, json.dumps({"sync": {"preset": "full-control", "settings": flags}}))
    code, _, _ = _migrate(tmp_path, capsys)
    assert code == 0
    assert json.loads(cfg.read_text(encoding="utf-8"))["sync"]["settings"] == flags


def test_symlink_and_mode_survive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real = tmp_path / "shared" / "config.json"
    real.parent.mkdir()
    real.write_text('{"sync": {"direction": "bidirectional"}}\n', encoding="utf-8")
    real.chmod(0o640)
    link = tmp_path / ".specweave" / "config.json"
    link.parent.mkdir()
    link.symlink_to(real)
    code, _, _ = _migrate(tmp_path, capsys)
    assert code == 0
    assert link.is_symlink()
    assert json.loads(real.read_text(encoding="utf-8"))["sync"]["settings"]["canUpdateStatus"]
    assert real.stat().st_mode & 0o777 == 0o640


def _limit_file_size() -> None:
    # Any write past 200 bytes fails with EFBIG: a disk that fills up mid-write. (A
    # read-only directory does not stop root, and the tests may run as root.)
    resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))


def test_failed_write_leaves_the_original_and_no_temp_file(tmp_path: Path) -> None:
    text = '{"sync": {"direction": "bidirectional"}}\n'
    cfg = _write(tmp_path, text)
    proc = subprocess.run(
        [sys.executable, "-m", "specweave_git", "config", "migrate", "--repo", str(tmp_path)],
        capture_output=True,
        text=True,
        preexec_fn=_limit_file_size,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert f"{cfg}: cannot write: File too large" in proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert cfg.read_text(encoding="utf-8") == text
    assert sorted(os.listdir(cfg.parent)) == ["config.json"]
