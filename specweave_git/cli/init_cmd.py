"""``specweave-git init``: write the workflow, pre-commit and config templates into a repository.

An existing file that differs is never overwritten without ``--force``: the command then
writes nothing, lists the files and exits 2. A file already identical is skipped.

The scheduled workflow is not copied but rendered, as `schedule render` does, from the
config the repository has once init is done (its own when init keeps it, else the shipped
template's), so `schedule render --check` agrees right after init; its shipped template is
that rendering for the shipped config (``schedule.render.render_template``).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

# template (under specweave_git/templates/) -> where it goes in the repository
SCHEDULED = "workflows/specweave-scheduled.yml"  # rendered, see the module docstring
TARGETS: tuple[tuple[str, str], ...] = (
    ("workflows/specweave-pr.yml", ".github/workflows/specweave-pr.yml"),
    (SCHEDULED, ".github/workflows/specweave-scheduled.yml"),
    ("pre-commit-config.yaml", ".pre-commit-config.yaml"),
    ("config.json", ".specweave/config.json"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--force", action="store_true", help="overwrite files that exist and differ"
    )


def template_bytes(name: str) -> bytes:
    """A shipped template (package data, so it works from an installed wheel)."""
    from importlib.resources import files

    return files("specweave_git").joinpath("templates", *name.split("/")).read_bytes()


def scheduled_workflow(root: Path, force: bool) -> bytes:
    """The scheduled workflow for the repository at ``root``: rendered from its config
    when init keeps that file (it exists and no ``--force``), else from the shipped one."""
    from .. import __version__
    from ..config.load import default_path, load_config
    from ..schedule.render import render_workflow, template_config, workflow_seed

    config = template_config()
    if default_path(root).is_file() and not force:
        # The repository's own config drives the workflow; a broken one stops init with
        # the file and key named (exit 2) before anything is written.
        config = load_config(root)
    text = render_workflow(config, seed=workflow_seed(root, config), version=__version__)
    return text.encode("utf-8")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..config.atomic import atomic_write
    from ..errors import UsageError
    from ..gitio.repo import open_repo

    # The top level, also from a subdirectory: .github/ only works there.
    root = open_repo(Path(args.repo) if args.repo else None).root
    plan: list[tuple[str, Path, bytes, str]] = []
    conflicts: list[str] = []
    for name, target in TARGETS:
        content = (
            scheduled_workflow(root, args.force) if name == SCHEDULED else template_bytes(name)
        )
        path = root / target
        if path.is_dir():
            conflicts.append(f"{target} (a directory)")
            continue
        if path.exists():
            try:
                same = path.read_bytes() == content
            except OSError as e:
                raise UsageError(f"cannot read ({e.strerror or e})", file=str(path)) from e
            if same:
                plan.append((target, path, content, "skipped (already up to date)"))
                continue
            if name == "config.json" and not args.force:
                # A SpecWeave repository has its own config: it is kept, never a conflict.
                plan.append((target, path, content, "skipped (the repository's own config)"))
                continue
            if not args.force:
                conflicts.append(target)
                continue
            plan.append((target, path, content, "overwritten (--force)"))
        else:
            plan.append((target, path, content, "written"))
    if conflicts:
        listed = "".join(f"\n  {c}" for c in conflicts)
        raise UsageError(
            "these files exist and differ from the templates; nothing was written "
            f"(--force overwrites them):{listed}",
            file=str(root),
        )
    for target, path, content, what in plan:
        if what.startswith("skipped"):
            print(f"{target}: {what}")
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if what == "written":
                # A new file: created exclusively, with the usual permissions (umask).
                with path.open("xb") as f:
                    f.write(content)
            else:
                atomic_write(path, content)
        except OSError as e:
            raise UsageError(f"cannot write ({e.strerror or e})", file=str(path)) from e
        print(f"{target}: {what}")
    print(
        "next: set `uses:` in .github/workflows/specweave-pr.yml to where you get "
        "specweave-git (OWNER/specweave-git@COMMIT), then `pre-commit install`"
    )
    return 0
