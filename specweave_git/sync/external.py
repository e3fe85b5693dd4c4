"""Items created outside SpecWeave (``FS-012E``, ``US-004E``): progress comments, never edits.

SpecWeave's rule: an item imported from a tracker keeps its own title, body and criteria
there. So the engine never creates one on any tracker; where it has an id (frontmatter
``external.<platform>.*`` or metadata.json) its content part is a *progress comment*:

* ``external_rendering`` gives it the content ``{"managed": "comment-only", "progress": {...}}``,
  whose hash keys the status and which acceptance criteria are done, nothing else: the
  snapshot's ``content`` hash is the progress last commented, so the same progress is never
  commented twice and a reworded title or criterion comments nothing;
* ``view`` shows the tracker's item with the constant content ``{"managed":
  "comment-only"}`` (a human's edits there are theirs, never a change or a conflict of ours);
* its status part is rendered and written like any item's (``update-status``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from .gate import is_external_item
from .items import Item
from .plan import Remote, Rendering

EXTERNAL_CONTENT: Mapping[str, str] = {"managed": "comment-only"}
NAMES = {"github": "GitHub", "jira": "JIRA", "ado": "Azure DevOps"}


def is_external(item: Item) -> bool:
    return is_external_item(item.id)


def progress(item: Item) -> dict[str, Any]:
    """What a progress comment reports, and all its hash keys: status and criteria done."""
    return {"status": item.status, "criteria": [[c.id, c.done] for c in item.criteria]}


def external_rendering(
    item: Item, status: Mapping[str, Any], *, comments: bool = True
) -> Rendering:
    """The item as a tracker that got it from elsewhere should show it. ``comments`` False:
    the tracker's item takes no comments (a GitHub milestone): only its status is synced."""
    content: dict[str, Any] = dict(EXTERNAL_CONTENT)
    if comments:
        content["progress"] = progress(item)
    return Rendering(content, dict(status))


def view(remote: Remote) -> Remote:
    """``remote`` as the plan compares an external item: its content is not ours."""
    if remote.rendering is None:
        return remote
    shown = Rendering(dict(EXTERNAL_CONTENT), remote.rendering.status)
    return dataclasses.replace(remote, rendering=shown)


def origins(item: Item) -> list[str]:
    """The trackers the item came from or has ids at: ``external_source``, then the
    platforms its ids name."""
    keys = [*item.external, *item.meta_external]
    found = [item.origin] if item.origin else []
    found += sorted({k.partition(".")[0] for k in keys if "." in k})
    return list(dict.fromkeys(found))


def skip_reason(item: Item, platform: str) -> str:
    """Why an external item that has no item at ``platform`` is not created there."""
    came = origins(item)
    others = [p for p in came if p != platform]
    source = f"external item from {', '.join(others or came)}" if came else "external item"
    if any(k.startswith(platform + ".") for k in [*item.external, *item.meta_external]):
        return f"{source}: its recorded {platform} item was not found; not created"
    if others:
        return f"{source}: not created on {platform}"
    return f"external item (E suffix) with no {platform} id: not created on {platform}"


def summary(item: Item, tracker_status: str | None = None) -> str:
    """``SpecWeave progress for US-004E: status active (JIRA: In Progress); acceptance
    criteria 1/2 done.`` (one line: every comment starts with it)."""
    done = sum(1 for c in item.criteria if c.done)
    shown = f" ({tracker_status})" if tracker_status else ""
    text = f"SpecWeave progress for {item.id}: status {item.status}{shown}"
    if item.kind == "feature" and not item.criteria:
        return text + "."
    return text + f"; acceptance criteria {done}/{len(item.criteria)} done."
