"""JIRA status changes: which transitions lead where, and the error when none does."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from ...net.errors import NetError
from ..plan import Remote, Rendering


class NoTransition(NetError):
    """No transition of the issue's workflow leads from its status to the wanted one."""

    def __init__(self, key: str, current: str, wanted: str, available: Sequence[str], status: str):
        self.key, self.current, self.wanted = key, current, wanted
        self.available = list(available)
        self.hint = (
            f"add a transition to {wanted!r} to the workflow, or map {status!r} to a "
            "reachable status in sync.statusSync.mappings.jira"
        )
        super().__init__(str(self))

    def __str__(self) -> str:
        reachable = ", ".join(repr(a) for a in self.available) or "none"
        return (
            f"{self.key}: no transition leads from {self.current or 'its status'!r} to "
            f"{self.wanted!r} (reachable: {reachable}); {self.hint}"
        )


def transition_to(transition: Mapping[str, Any]) -> str:
    target = transition.get("to")
    return str(target.get("name") or "") if isinstance(target, dict) else ""


def usable(transitions: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [t for t in transitions if t.get("isAvailable", True) is not False]


def moved(remote: Remote, wanted: str) -> Remote:
    """``remote`` in status ``wanted``, without the transitions of its old status."""
    data = {k: v for k, v in remote.data.items() if k != "transitions"}
    content = remote.rendering.content if remote.rendering is not None else None
    rendering = Rendering(content, {"state": wanted}) if content is not None else None
    return dataclasses.replace(remote, rendering=rendering, data=data)


def status_of(remote: Remote) -> dict[str, Any]:
    return dict(remote.rendering.status) if remote.rendering is not None else {}
