"""The Action's run: inputs and event -> range -> check -> reports, annotations, summary,
outputs, PR comment and git notes. The exit code follows ``fail-on`` only."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..record import Record
from .publish import Step

if TYPE_CHECKING:
    from ..drift.result import CheckResult
    from ..gitio.repo import Repo
    from .inputs import Inputs
    from .scope import Range

REPORT_JSON = "specweave-report.json"
REPORT_SARIF = "specweave-report.sarif"


class ActionRun(Record):
    """What a run did: the CLI prints nothing of it (``emit`` already did), tests read it."""

    __slots__ = ("exit_code", "outputs", "range", "result", "steps", "summary")

    exit_code: int
    range: Range
    result: CheckResult | None  # None when there was nothing to check
    outputs: dict[str, str]
    steps: dict[str, Step]  # comment / notes / push / sync -> outcome
    summary: str  # the markdown appended to the job summary

    def __init__(
        self,
        exit_code: int,
        range: Range,
        result: CheckResult | None,
        outputs: dict[str, str],
        steps: dict[str, Step],
        summary: str,
    ) -> None:
        self.exit_code = exit_code
        self.range = range
        self.result = result
        self.outputs = outputs
        self.steps = steps
        self.summary = summary


def escape_data(text: str) -> str:
    from ..report.github import escape_data as escape

    return escape(text)


def report_dir(env: Mapping[str, str], repo: Repo, given: Path | None) -> Path:
    """Where the JSON and SARIF reports go: the given directory, else the runner's
    temporary directory (kept for later steps of the job), else the clone's state dir."""
    from ..gitio.repo import state_dir

    if given is not None:
        return given
    temp = env.get("RUNNER_TEMP")
    if temp:
        return Path(temp) / "specweave-git"
    return state_dir(repo) / "action"


def _write_reports(result: CheckResult, directory: Path) -> tuple[Path, Path]:
    from ..config.atomic import atomic_write
    from ..errors import UsageError
    from ..report import render

    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(
            f"cannot create the report directory ({e.strerror or e})", file=str(directory)
        ) from e
    json_path, sarif_path = directory / REPORT_JSON, directory / REPORT_SARIF
    atomic_write(json_path, render(result, "json", color=False).encode())
    atomic_write(sarif_path, render(result, "sarif", color=False).encode())
    return json_path, sarif_path


def _summary(rng: Range, result: CheckResult | None, steps: Mapping[str, Step]) -> str:
    from ..report.markdown import escape

    parts: list[str] = []
    if result is not None:
        from ..report import render

        parts.append(render(result, "markdown", color=False).rstrip("\n"))
    else:
        parts.append("## specweave-git drift check\n\nNothing to check.")
    parts += ["", "<details><summary>How this run went</summary>", ""]
    parts.append(f"- checked: {escape(rng.reason)}")
    parts += [f"- {escape(note)}" for note in rng.notes]
    for name, step in steps.items():
        mark = "" if step.ok else "**warning:** "
        parts.append(f"- {name}: {mark}{escape(step.message)}")
    parts += ["", "</details>", ""]
    return "\n".join(parts)


def _outputs(
    result: CheckResult | None, json_path: Path | None, sarif_path: Path | None
) -> dict[str, str]:
    from .publish import open_findings

    return {
        "max-severity": (result.max_severity() if result else None) or "none",
        "count": str(open_findings(result) if result else 0),
        "report-path": str(json_path) if json_path else "",
        "sarif-path": str(sarif_path) if sarif_path else "",
    }


def _sync_step(
    repo: Repo, inputs: Inputs, config_path: Path | None, env: Mapping[str, str]
) -> Step:
    """Push the specs to every enabled tracker through the gate (the `sync` input), after
    pulling the state ref: the last sync's snapshot and outbox are there, not on the runner."""
    from ..config.load import load_config
    from ..errors import SpecweaveError
    from ..net.errors import NetError
    from ..sync.engine import SyncOptions, run_sync
    from .publish import done, failed, git_auth, skipped

    if not inputs.sync:
        return skipped("off (the `sync` input)")
    config = load_config(repo.root, path=config_path)
    platforms = tuple(p for p in ("github", "jira", "ado") if getattr(config.sync, p).enabled)
    if not platforms:
        return skipped("no tracker is enabled (sync.github|jira|ado.enabled)", warn=True)
    try:
        if repo.run("remote", "get-url", "--", "origin").returncode == 0:
            from ..gitio.remote import pull

            with git_auth(repo, env, inputs.token):
                pull(repo, "origin")
        from ..net.secret import as_secret

        # The `token` input and the runner's API URL (GHES) serve GitHub; JIRA and Azure
        # DevOps read their own variables.
        options = SyncOptions(
            platforms=platforms,
            token=as_secret(inputs.token),
            base_url=env.get("GITHUB_API_URL") or None,
        )
        report = run_sync(repo, config, options)
    except (SpecweaveError, NetError) as e:
        return failed(f"sync failed: {e}")
    parts = []
    for p in report.platforms:
        counts = {k: v for k, v in p.summary().items() if v}
        text = p.error or ", ".join(f"{v} {k}" for k, v in counts.items()) or "nothing to do"
        parts.append(f"{p.platform}: {text}")
    text = "; ".join(parts) or "nothing to sync"
    return failed(f"sync: {text}") if report.failed else done(text)


def run_action(
    env: Mapping[str, str] | None = None,
    *,
    repo_dir: Path | None = None,
    reports: Path | None = None,
    emit: Callable[[str], None] = lambda line: None,
) -> ActionRun:
    """The whole run. ``emit`` receives each log line (workflow commands included) as it
    happens; nothing here prints. Bad inputs or a bad event payload raise ``UsageError``."""
    from ..drift.engine import check_repository
    from ..gitio.repo import head as head_of
    from ..gitio.repo import open_repo
    from . import publish
    from .event import read_event
    from .inputs import read_inputs
    from .outputs import append_summary, write_outputs
    from .scope import resolve_range

    env = os.environ if env is None else env
    inputs = read_inputs(env)
    event = read_event(env)
    repo = open_repo(repo_dir if repo_dir is not None else inputs.working_directory)
    rng = resolve_range(repo, event, inputs)
    emit(f"specweave-git: checking {rng.reason}")
    for note in rng.notes:
        emit(f"::notice::{escape_data(note)}")

    steps: dict[str, Step] = {}
    result: CheckResult | None = None
    json_path = sarif_path = None
    config = inputs.config
    if config is not None and not config.is_absolute():
        config = (inputs.working_directory / config).resolve()
    if rng.kind != "none":
        result = check_repository(
            repo.root,
            scope_kind=rng.kind,
            base=rng.base,
            head=rng.head,
            fail_on=inputs.fail_on,
            config_path=config,
        )
        json_path, sarif_path = _write_reports(result, report_dir(env, repo, reports))
        from ..report.markdown import render as render_markdown

        # Plain lines: as annotations they would take the slots findings need.
        for w in result.warnings:
            emit(f"specweave-git: warning: {' '.join(w.split())}")
        # No elapsed time: a re-run with the same findings then leaves the comment alone.
        markdown = render_markdown(result, timing=False)
        if event.kind == "pull_request" and inputs.comment:
            steps["PR comment"] = publish.pr_comment(env, event, inputs.token, markdown, result)
        elif event.kind == "pull_request":
            steps["PR comment"] = publish.skipped("off (the `comment` input)")
        target = rng.head or head_of(repo)
        if inputs.notes and target:
            steps["git notes"] = publish.write_notes(repo, target, result, event, env, config)
        elif not inputs.notes:
            steps["git notes"] = publish.skipped("off (the `notes` input)")
    # Sync before the push: its snapshot and audit trail live in the state ref, which the
    # same push carries to origin.
    steps["sync"] = _sync_step(repo, inputs, config, env)
    notes_written = "git notes" in steps and steps["git notes"].status == "done"
    # A sync that failed half-way still wrote its outbox: push that too.
    synced = steps["sync"].status != "skipped"
    if (notes_written or synced) and event.fork and event.name == "pull_request":
        steps["notes push"] = publish.skipped(
            "not pushed: a pull request from a fork gets a read-only token", warn=True
        )
    elif notes_written or synced:
        steps["notes push"] = publish.push_notes(repo, env, inputs.token)
    for name, step in steps.items():
        if step.ok:
            emit(f"specweave-git: {name}: {' '.join(step.message.split())}")
        else:
            emit(f"::warning::specweave-git: {name}: {escape_data(step.message)}")
    if result is not None:
        from ..report.github import render as annotations

        # GitHub shows 10 annotations of a level per step: ours above take theirs first.
        reserved = {
            "notice": len(rng.notes),
            "warning": sum(1 for step in steps.values() if not step.ok),
        }
        for line in annotations(result, reserved=reserved).splitlines():
            emit(line)

    summary = _summary(rng, result, steps)
    append_summary(env, summary)
    outputs = _outputs(result, json_path, sarif_path)
    write_outputs(env, outputs)
    exit_code = result.exit_code if result is not None else 0
    return ActionRun(exit_code, rng, result, outputs, steps, summary)
