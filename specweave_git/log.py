"""Loggers that import ``logging`` only when a message is emitted (the hook's budget)."""

from __future__ import annotations

import sys

# logging's levels, without importing logging (with its traceback, threading and string
# imports it costs ~6 ms; a clean pre-commit run logs nothing).
DEBUG, INFO, WARNING = 10, 20, 30

# The CLI's verbosity (None outside the CLI), applied to the "specweave_git" logger as
# soon as logging is imported.
_verbose: bool | None = None
_applied = False


def setup_cli(verbose: bool) -> None:
    """What ``specweave-git -v`` wants: INFO or WARNING, "specweave-git: " on stderr."""
    global _verbose, _applied
    _verbose, _applied = verbose, False
    if "logging" in sys.modules:
        _apply()


def _apply() -> None:
    global _applied
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("specweave-git: %(message)s"))
    logger = logging.getLogger("specweave_git")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO if _verbose else logging.WARNING)
    logger.propagate = False
    _applied = True


class Logger:
    """The part of ``logging.Logger`` this package uses, forwarding to the real one."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def _log(self, level: int, msg: str, args: tuple[object, ...]) -> None:
        # Nobody imported logging, so nobody configured it: the CLI's threshold, or
        # logging's default (WARNING), decides alone.
        if "logging" not in sys.modules and level < (INFO if _verbose else WARNING):
            return
        import logging

        if _verbose is not None and not _applied:
            _apply()
        # stacklevel 3: the record names our caller, not this module.
        logging.getLogger(self.name).log(level, msg, *args, stacklevel=3)

    def debug(self, msg: str, *args: object) -> None:
        self._log(DEBUG, msg, args)

    def info(self, msg: str, *args: object) -> None:
        self._log(INFO, msg, args)

    def warning(self, msg: str, *args: object) -> None:
        self._log(WARNING, msg, args)


def get_logger(name: str) -> Logger:
    return Logger(name)
