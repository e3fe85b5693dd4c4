"""Entry point: one argparse parser, lazy dispatch to one module per command, exit codes."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, cast

from .. import __version__
from ..errors import EXIT_INTERRUPTED, EXIT_UNEXPECTED, SpecweaveError

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
}


class CommandModule(Protocol):
    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def _command(name: str) -> CommandModule:
    module = importlib.import_module(f"specweave_git.cli.{COMMANDS[name][0]}")
    return cast(CommandModule, module)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="specweave-git",
        description="Keep specs honest against code and in step with issue trackers.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="more detail (with --version: the context)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
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
        _command(name).add_arguments(p)
    return parser


def _setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("specweave-git: %(message)s"))
    logger = logging.getLogger("specweave_git")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO if verbose else logging.WARNING)
    logger.propagate = False


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args: argparse.Namespace | None = None
    try:
        args = parser.parse_args(argv)
        verbose = bool(getattr(args, "verbose", False))
        _setup_logging(verbose)
        if args.version:
            print(f"specweave-git {__version__}")
            if verbose:
                from ..context import detect

                print(detect().describe())
            return 0
        if not args.command:
            parser.print_help()
            return 2
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
