"""``specweave-git init`` and the templates it ships: written, skipped, never overwritten
without --force; the package copy and the top-level copy identical; the config valid."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from specweave_git import __version__
from specweave_git.cli.init_cmd import SCHEDULED, TARGETS, scheduled_workflow, template_bytes
from specweave_git.cli.main import main
from specweave_git.config import load_config
from specweave_git.schedule.render import render_workflow, template_config

from .conftest import Repo

ROOT = Path(__file__).resolve().parent.parent
PACKAGED = ROOT / "specweave_git" / "templates"
TOP = ROOT / "templates"
WORKFLOW = ".github/workflows/specweave-scheduled.yml"


def expected_files(repo: Repo) -> dict[str, bytes]:
    """What init writes into ``repo`` with no config of its own: the templates, and the
    scheduled workflow rendered for the shipped config, seeded by the directory's name."""
    out = {t: template_bytes(n) for n, t in TARGETS}
    text = render_workflow(template_config(), seed=repo.path.name, version=__version__)
    out[WORKFLOW] = text.encode("utf-8")
    return out


def files_under(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_top_level_templates_are_the_packaged_ones() -> None:
    # specweave_git/templates/ is the source (shipped in the wheel for `init`);
    # templates/ is the copy people browse. Fix a difference with:
    #   rm -r templates && cp -r specweave_git/templates templates
    assert files_under(TOP) == files_under(PACKAGED)


def test_every_template_has_a_target() -> None:
    assert sorted(name for name, _ in TARGETS) == sorted(files_under(PACKAGED))


def test_config_template_passes_config_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "config",
                "validate",
                "--repo",
                str(tmp_path),
                "--config",
                str(PACKAGED / "config.json"),
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.strip().endswith("config.json: ok")


def test_pre_commit_template_matches_the_hook_definitions() -> None:
    """The local hooks of the template run what .pre-commit-hooks.yaml defines."""
    published = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    config = yaml.safe_load(template_bytes("pre-commit-config.yaml"))
    (local,) = config["repos"]
    assert local["repo"] == "local"
    for hook in local["hooks"]:
        source = published[hook["id"]]
        for key in ("entry", "pass_filenames", "files", "stages", "always_run"):
            assert hook.get(key) == source.get(key), (hook["id"], key)
        assert hook["language"] == "system"


@pytest.mark.parametrize(
    ("before", "force", "exit_code", "printed", "after"),
    [
        # nothing there: every file written
        ({}, False, 0, {t: "written" for _, t in TARGETS}, "templates"),
        # one identical file: skipped, the rest written
        (
            {".pre-commit-config.yaml": "same"},
            False,
            0,
            {".pre-commit-config.yaml": "skipped (already up to date)"},
            "templates",
        ),
        # a different file: nothing written at all, exit 2
        ({".pre-commit-config.yaml": "repos: []\n"}, False, 2, {}, "unchanged"),
        # the repository's own config is kept (never a conflict), the rest written
        (
            {".specweave/config.json": "{}\n"},
            False,
            0,
            {".specweave/config.json": "skipped (the repository's own config)"},
            "own config",
        ),
        # --force overwrites it
        (
            {".specweave/config.json": "{}\n"},
            True,
            0,
            {".specweave/config.json": "overwritten (--force)"},
            "templates",
        ),
    ],
)
def test_init(
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    before: dict[str, str],
    force: bool,
    exit_code: int,
    printed: dict[str, str],
    after: str,
) -> None:
    by_target = expected_files(repo)
    for target, text in before.items():
        repo.write(target, by_target[target] if text == "same" else text)
    argv = ["init", "--repo", str(repo.path)] + (["--force"] if force else [])
    assert main(argv) == exit_code
    out, err = capsys.readouterr()
    for target, what in printed.items():
        assert f"{target}: {what}" in out.splitlines()
    for target, content in by_target.items():
        path = repo.path / target
        if after == "own config" and target == dict(TARGETS)[SCHEDULED]:
            continue  # follows the repository's config: `schedule render --check` below
        if after == "templates" or (after == "own config" and target not in before):
            assert path.read_bytes() == content
        elif target in before:
            assert path.read_text() == before[target]
        else:
            assert not path.exists()
    if exit_code == 2:
        assert "exist and differ" in err and ".pre-commit-config.yaml" in err
        assert "--force" in err and out == ""
    else:  # the workflow init wrote is the one `schedule render` writes
        assert main(["schedule", "render", "--check", "--repo", str(repo.path)]) == 0


# A config of the repository's own: GitHub sync every 5 minutes.
OWN_CONFIG = {
    "sync": {
        "github": {"enabled": True, "owner": "acme", "repo": "app"},
        "orchestration": {
            "scheduler": {
                "enabled": True,
                "jobs": {"externalSync": {"enabled": True, "intervalMinutes": 5}},
            }
        },
    }
}


@pytest.mark.parametrize(
    ("config", "force", "expected"),
    [
        (None, False, "template"),  # no config: the one init writes
        ("template", False, "template"),
        ("template", True, "template"),
        (OWN_CONFIG, False, "own"),  # kept: the workflow follows it
        (OWN_CONFIG, True, "template"),  # --force replaces it with the template's
    ],
)
def test_the_scheduled_workflow_is_rendered_from_the_config_init_leaves(
    repo: Repo, config: object, force: bool, expected: str
) -> None:
    if config == "template":
        repo.write(".specweave/config.json", template_bytes("config.json"))
    elif isinstance(config, str):
        repo.write(".specweave/config.json", config)
    elif config is not None:
        repo.write(".specweave/config.json", json.dumps(config))
    if expected == "own":
        own = load_config(repo.path)
        want = render_workflow(own, seed="acme/app", version=__version__)
        assert "issues: write" in want and '-59/5 * * * *"' in want
    else:
        want = render_workflow(template_config(), seed=repo.path.name, version=__version__)
    assert scheduled_workflow(repo.path, force) == want.encode("utf-8")


@pytest.mark.parametrize(
    ("existing", "force", "exit_code", "printed"),
    [
        ("rendered", False, 0, "skipped (already up to date)"),
        ("template", False, 2, None),  # the template's seed is not this repository's
        ("name: mine\n", False, 2, None),
        ("name: mine\n", True, 0, "overwritten (--force)"),
    ],
)
def test_an_existing_scheduled_workflow_is_never_overwritten_without_force(
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    existing: str,
    force: bool,
    exit_code: int,
    printed: str | None,
) -> None:
    if existing == "rendered":
        repo.write(".specweave/config.json", template_bytes("config.json"))
        assert main(["schedule", "render", "--repo", str(repo.path)]) == 0
        (repo.path / ".specweave/config.json").unlink()
        capsys.readouterr()
    else:
        text = template_bytes(SCHEDULED) if existing == "template" else existing.encode()
        repo.write(WORKFLOW, text)
    before = (repo.path / WORKFLOW).read_bytes()
    argv = ["init", "--repo", str(repo.path)] + (["--force"] if force else [])
    assert main(argv) == exit_code
    out, err = capsys.readouterr()
    after = (repo.path / WORKFLOW).read_bytes()
    if exit_code == 2:
        assert f"  {WORKFLOW}" in err and after == before
        assert not (repo.path / ".specweave").exists()  # nothing written at all
    else:
        assert f"{WORKFLOW}: {printed}" in out.splitlines()
        assert after == expected_files(repo)[WORKFLOW]


def test_init_lists_every_conflict(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write(".github/workflows/specweave-pr.yml", "name: mine\n")
    repo.write(".pre-commit-config.yaml", "repos: []\n")
    assert main(["init", "--repo", str(repo.path)]) == 2
    err = capsys.readouterr().err
    assert "  .github/workflows/specweave-pr.yml" in err
    assert "  .pre-commit-config.yaml" in err
    assert not (repo.path / ".specweave").exists()


def test_init_from_a_subdirectory_writes_at_the_top(repo: Repo) -> None:
    (repo.path / "pkg" / "sub").mkdir(parents=True)
    assert main(["init", "--repo", str(repo.path / "pkg" / "sub")]) == 0
    assert (repo.path / ".github" / "workflows" / "specweave-scheduled.yml").is_file()
    assert not (repo.path / "pkg" / "sub" / ".github").exists()


def test_init_outside_a_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--repo", str(tmp_path)]) == 2
    assert "not a git repository" in capsys.readouterr().err


def test_init_works_from_a_wheel(tmp_path: Path, repo: Repo) -> None:
    """The templates are package data: an installed wheel (no source tree) has them."""
    from hatchling.builders.wheel import WheelBuilder

    (wheel,) = WheelBuilder(str(ROOT)).build(
        directory=str(tmp_path / "dist"), versions=["standard"]
    )
    names = zipfile.ZipFile(wheel).namelist()
    for name, _ in TARGETS:
        assert f"specweave_git/templates/{name}" in names
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, specweave_git; assert specweave_git.__file__.startswith(sys.argv[1]);"
            "from specweave_git.cli.main import main; raise SystemExit(main(sys.argv[2:]))",
            str(unpacked),
            "init",
            "--repo",
            str(repo.path),
        ],
        env={"PYTHONPATH": str(unpacked), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert (repo.path / ".specweave" / "config.json").read_bytes() == template_bytes("config.json")


def test_a_broken_config_of_the_repository_stops_init_naming_it(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".specweave/config.json", "{ not json")
    assert main(["init", "--repo", str(repo.path)]) == 2
    out, err = capsys.readouterr()
    assert ".specweave/config.json" in err and out == ""
    assert not (repo.path / ".github").exists()  # nothing written
