"""Sub-commands (`ACTION`) of a command, each also taking ``--repo`` after the action."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def action_adder(
    parser: argparse.ArgumentParser, dest: str = "action"
) -> Callable[[str, str], argparse.ArgumentParser]:
    """A function adding one action to ``parser``: ``add(name, help) -> its parser``.

    ``--repo`` is accepted after the action too (`logs verify --repo DIR`); SUPPRESS keeps
    a value given before the action, which the top-level parser already read.
    """
    sub = parser.add_subparsers(dest=dest, metavar="ACTION", required=True)

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--repo", metavar="DIR", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        return p

    return add
