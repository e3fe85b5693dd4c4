"""Entry point: one argparse parser, lazy dispatch to one module per command, exit codes."""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, cast

from .. import __version__
from ..errors import EXIT_INTERRUPTED, EXIT_UNEXPECTED, SpecweaveError
from ..log import setup_cli

# name -> (module under specweave_git.cli, one-line help). Command modules import only
# argparse at top level; their heavy imports happen inside run(), so building the whole
# parser stays cheap on the hook path.
COMMANDS: dict[str, tuple[str, str]] = {
    "context": ("context_cmd", "show the detected run context and why"),
    "check": ("check_cmd", "check specs against code (the drift check)"),
    "demo": ("demo_cmd", "build a small example repository with planted drift and check it"),
    "surface": ("surface_cmd", "print the code (or documented) surface the tool sees"),
    "discrepancies": ("discrepancies_cmd", "list, show, accept or dismiss discrepancies"),
    "config": ("config_cmd", "validate, show or migrate .specweave/config.json"),
    "changes": ("changes_cmd", "list the changed files git reports for a scope (debugging)"),
    "notifications": ("notifications_cmd", "list, dismiss, archive or clean up notifications"),
    "hook": ("hook_cmd", "run as a git hook: `hook pre-push` checks the pushed commits"),
    "schedule": (
        "schedule_cmd",
        "scheduled jobs: list, run-due, run, pause, resume, reset, render",
    ),
    "action": ("action_cmd", "entry point of the GitHub Action (reads INPUT_* and the event)"),
    "init": ("init_cmd", "write the workflow, pre-commit and config templates into a repository"),
    "state": ("state_cmd", "pull or push the git notes and the state ref (refs/specweave/state)"),
    "logs": ("logs_cmd", "the sync audit log: query, stats, export, verify, prune"),
    "monitor": ("monitor_cmd", "dashboard: jobs, notifications, sync activity, drift trend"),
    "sync": ("sync_cmd", "sync specs with trackers (GitHub, JIRA, Azure DevOps): push, pull, plan"),
}
# Commands a git hook runs: they exit 0 at once when our own git call fired the hook.
_HOOK_COMMANDS = frozenset({"check", "hook"})


class CommandModule(Protocol):
    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def _command(name: str) -> CommandModule:
    module = importlib.import_module(f"specweave_git.cli.{COMMANDS[name][0]}")
    return cast(CommandModule, module)


def _terminal_width() -> int:
    """``shutil.get_terminal_size().columns``, without importing shutil (bz2, lzma)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter with the width found without shutil.

    argparse builds a formatter for every ``add_argument`` and each one imports shutil
    for the terminal width: ~3 ms on the pre-commit hook path (DESIGN §11).
    """

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        if width is None:
            width = _terminal_width() - 2
        super().__init__(prog, indent_increment, max_help_position, width)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser using ``_Formatter``; subparsers (nested ones too) inherit it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)


def _chosen_command(argv: Sequence[str]) -> str | None:
    """The command named on the command line, if it is one of COMMANDS.

    The top-level options take no value, so the first word not starting with ``-`` is
    the command.
    """
    for word in argv:
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; with ``argv`` naming a command, only that command gets its arguments.

    Building every command's arguments means importing every command module and
    building dozens of arguments: several ms a pre-commit hook does not need.
    """
    only = _chosen_command(argv) if argv is not None else None
    parser = _Parser(
        prog="specweave-git",
        description="Keep specs honest against code and in step with issue trackers.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="more detail (with --version: the context)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        if only is not None and name != only:
            continue
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument(
            "--repo",
            metavar="DIR",
            default=None,
            help="repository to work in (default: the current directory)",
        )
        p.add_argument(
            "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="more detail"
        )
        if argv is None or only == name:
            # Without a command (`--version`, `--help`) the names and help lines are
            # all the parser needs; no command module is imported.
            _command(name).add_arguments(p)
    return parser


def _crash_report(args: argparse.Namespace | None) -> str:
    """Write the traceback under .specweave/logs/ of the repository (or a temp dir)."""
    base: Path | None = None
    repo = getattr(args, "repo", None) if args is not None else None
    start = Path(repo) if repo else Path.cwd()
    for candidate in (start, *start.resolve().parents):
        if (candidate / ".git").exists():
            base = candidate / ".specweave" / "logs"
            break
    if base is None:
        import tempfile

        base = Path(tempfile.gettempdir()) / "specweave-git"
    import time
    import traceback

    stamp = time.strftime("%Y%m%d-%H%M%S")
    try:
        base.mkdir(parents=True, exist_ok=True)
        path = base / f"crash-{stamp}-{os.getpid()}.log"
        path.write_text(
            f"specweave-git {__version__}\nargv: {sys.argv!r}\n\n{traceback.format_exc()}",
            encoding="utf-8",
        )
        return str(path)
    except OSError:
        return "(could not write a crash report)"


def _guarded(args: argparse.Namespace) -> bool:
    """True when this is a hook fired by a git command specweave-git itself runs (DESIGN §7).

    Only a live guard whose token is in our environment blocks; nothing is imported or
    run unless ``SPECWEAVE_GIT_GUARD`` is set.
    """
    if args.command not in _HOOK_COMMANDS or not os.environ.get("SPECWEAVE_GIT_GUARD"):
        return False
    from ..context import detect, guard_blocks
    from ..gitio.repo import open_repo, state_dir

    if detect().name != "hook":
        return False
    return guard_blocks(state_dir(open_repo(Path(args.repo) if args.repo else None)))


def main(argv: Sequence[str] | None = None) -> int:
    # Fewer garbage collections (mypy does the same): a short run allocates many
    # long-lived objects and little cyclic garbage, and the default thresholds spend
    # ~5 ms collecting during the hook's imports alone (DESIGN §11).
    gc.set_threshold(100_000, 50, 50)
    parser = build_parser(sys.argv[1:] if argv is None else argv)
    args: argparse.Namespace | None = None
    try:
        args = parser.parse_args(argv)
        verbose = bool(getattr(args, "verbose", False))
        setup_cli(verbose)
        if args.version:
            print(f"specweave-git {__version__}")
            if verbose:
                from ..context import detect

                print(detect().describe())
            return 0
        if not args.command:
            parser.print_help()
            return 2
        if _guarded(args):
            return 0
        return _command(args.command).run(args)
    except SpecweaveError as e:
        if e.exit_code == EXIT_UNEXPECTED:
            path = _crash_report(args)
            print(f"specweave-git: error: {e} (details: {path})", file=sys.stderr)
        else:
            print(f"specweave-git: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("specweave-git: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # Output piped into `head` or similar: not an error of ours. Point stdout at
        # devnull so the interpreter's final flush does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as e:
        path = _crash_report(args)
        print(
            f"specweave-git: unexpected error: {type(e).__name__}: {e} (traceback: {path})",
            file=sys.stderr,
        )
        return EXIT_UNEXPECTED


if __name__ == "__main__":
    raise SystemExit(main())
