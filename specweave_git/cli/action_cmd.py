"""``specweave-git action``: the entry point of the GitHub Action (action.yml runs it).

Everything comes from the environment the runner and action.yml set: ``INPUT_*`` for
the inputs, ``GITHUB_EVENT_NAME``/``GITHUB_EVENT_PATH`` for the range,
``GITHUB_OUTPUT``/``GITHUB_STEP_SUMMARY`` for the results.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--report-dir",
        metavar="DIR",
        help="where to write the JSON and SARIF reports (default: $RUNNER_TEMP/specweave-git)",
    )


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from ..ci.run import run_action

    def emit(line: str) -> None:
        print(line, flush=True)

    outcome = run_action(
        repo_dir=Path(args.repo) if args.repo else None,
        reports=Path(args.report_dir) if args.report_dir else None,
        emit=emit,
    )
    sys.stdout.flush()
    return outcome.exit_code
