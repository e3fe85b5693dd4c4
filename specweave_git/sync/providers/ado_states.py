"""Azure DevOps states: which to try for a status, and what ADO's refusals mean."""

from __future__ import annotations

from collections.abc import Set

from ...net.errors import HttpError
from . import ado_render as ar


class StateRejected(HttpError):
    """ADO refused a state (TF401320): the message names the states we know it has."""


def type_missing(e: HttpError) -> bool:
    """The project's process has no such work item type (VS402323)."""
    text = e.message.lower()
    return e.status in (400, 404) and ("vs402323" in text or ("type" in text and "exist" in text))


def state_refused(e: HttpError) -> bool:
    """The work item type has no such state (TF401320)."""
    text = e.message
    return (
        e.status == 400 and ("TF401320" in text or "supported values" in text) and ("State" in text)
    )


def candidates(
    known: str | None, configured: str, wtype: str, current: str
) -> list[tuple[str, str | None]]:
    """(state, process) pairs to try, most likely first: the known process's
    translation, or one per process that has this type when that is not known yet."""
    process = known or ar.process_of(wtype, current or None)
    processes: list[str | None] = (
        [process] if process else [p for (p, t) in ar.STATES if t == wtype]
    )
    out: dict[str, str | None] = {}
    for p in processes or [None]:
        out.setdefault(ar.send_state(configured, p, wtype), p)
    if len(out) == 1:
        return [(s, process) for s in out]
    return list(out.items())


def rejected(
    e: HttpError,
    status: str,
    configured: str,
    wtype: str,
    ident: int,
    process: str | None,
    seen_states: Set[str],
) -> StateRejected:
    """ADO's refusal of ``configured`` for SpecWeave ``status``, with the states to map to."""
    known = ar.states_of(process, wtype)
    seen = sorted(set(seen_states) - set(known) - {""})
    which = f"the {process} process's {wtype}" if process else wtype
    if known:
        states = ", ".join(known) + (f" (also seen: {', '.join(seen)})" if seen else "")
        hint = f"states of {which}: {states}"
    else:
        hint = f"states seen on {wtype} items: {', '.join(seen) or 'none yet'}"
    message = (
        f"Azure DevOps refused state {configured!r} for {wtype} {ident} ({e.message}); "
        f"{hint}. Map {status!r} in sync.statusSync.mappings.ado to one of them"
    )
    return StateRejected(e.status, e.method, e.path, message)


def closing_state(process: str | None, wtype: str) -> str:
    """The state a duplicate is closed with: the type's Removed, else its Completed."""
    table = ar.STATES.get((process or "", wtype), ())
    return next((s for s, c in table if c == ar.REMOVED), None) or next(
        (s for s, c in table if c == ar.COMPLETED), "Removed"
    )
