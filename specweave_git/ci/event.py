"""The triggering GitHub event: which commits a run checks, read from ``GITHUB_EVENT_PATH``."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..record import FrozenRecord, set_field

ZERO_OID = "0" * 40
_OID = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")  # SHA-1, or SHA-256 repositories

PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_target"})
# Events without a commit range: the whole tree of what was checked out.
WHOLE_TREE_EVENTS = frozenset({"workflow_dispatch", "schedule", "repository_dispatch"})


class Event(FrozenRecord):
    """What a run needs from the event payload; fields an event does not have are None.

    ``kind`` is ``pull_request`` (base/head/number), ``push`` (before/after, the zero id
    as ``before`` for a new branch), ``merge_group`` (base/head) or ``none`` (no range).
    """

    __slots__ = (
        "after",
        "base",
        "before",
        "default_branch",
        "deleted",
        "fork",
        "head",
        "kind",
        "name",
        "pr_number",
        "ref",
        "repository",
    )

    name: str  # GITHUB_EVENT_NAME ("" when not in Actions)
    kind: str
    base: str | None
    head: str | None
    pr_number: int | None
    fork: bool  # a pull request from another repository: the token is read-only
    before: str | None
    after: str | None
    ref: str | None  # refs/heads/BRANCH of a push
    deleted: bool  # a push deleting its branch
    default_branch: str | None
    repository: str | None  # owner/name

    def __init__(
        self,
        name: str,
        kind: str,
        base: str | None = None,
        head: str | None = None,
        pr_number: int | None = None,
        fork: bool = False,
        before: str | None = None,
        after: str | None = None,
        ref: str | None = None,
        deleted: bool = False,
        default_branch: str | None = None,
        repository: str | None = None,
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "kind", kind)
        set_field(self, "base", base)
        set_field(self, "head", head)
        set_field(self, "pr_number", pr_number)
        set_field(self, "fork", fork)
        set_field(self, "before", before)
        set_field(self, "after", after)
        set_field(self, "ref", ref)
        set_field(self, "deleted", deleted)
        set_field(self, "default_branch", default_branch)
        set_field(self, "repository", repository)

    @property
    def new_branch(self) -> bool:
        return self.kind == "push" and self.before == ZERO_OID


class _Payload:
    """The payload with lookups that fail naming the file and the JSON pointer."""

    def __init__(self, data: Any, file: str) -> None:
        self.data = data
        self.file = file

    def get(self, *keys: str) -> Any:
        node = self.data
        for key in keys:
            if not isinstance(node, dict):
                return None
            node = node.get(key)
        return node

    def fail(self, keys: tuple[str, ...], why: str) -> UsageError:
        return UsageError(why, file=self.file, pointer="/" + "/".join(keys))

    def oid(self, *keys: str) -> str:
        value = self.get(*keys)
        if not isinstance(value, str) or not _OID.match(value):
            raise self.fail(keys, f"expected a commit id, found {_short(value)}")
        return value

    def text(self, *keys: str) -> str | None:
        value = self.get(*keys)
        if value is not None and not isinstance(value, str):
            raise self.fail(keys, f"expected a string, found {_short(value)}")
        return value


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _load(path_text: str | None, name: str) -> _Payload:
    if not path_text:
        raise UsageError(
            f"GITHUB_EVENT_PATH is not set: a {name!r} event needs its payload "
            "(run inside GitHub Actions, or point GITHUB_EVENT_PATH at the event JSON)",
            file="environment",
            pointer="GITHUB_EVENT_PATH",
        )
    path = Path(path_text)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise UsageError(
            f"cannot read the event payload ({e.strerror or e})", file=str(path)
        ) from e
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        where = f"line {e.lineno} column {e.colno}" if isinstance(e, json.JSONDecodeError) else None
        raise UsageError(f"not a JSON event payload: {e}", file=str(path), pointer=where) from e
    if not isinstance(data, dict):
        raise UsageError("the event payload is not a JSON object", file=str(path))
    return _Payload(data, str(path))


def _pull_request(name: str, p: _Payload) -> Event:
    base = p.oid("pull_request", "base", "sha")
    head = p.oid("pull_request", "head", "sha")
    number = p.get("pull_request", "number")
    if number is None:
        number = p.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
        raise p.fail(("pull_request", "number"), f"expected a PR number, found {_short(number)}")
    base_repo = p.text("pull_request", "base", "repo", "full_name")
    # A fork deleted after opening its PR leaves head.repo null: still not ours.
    head_repo = p.text("pull_request", "head", "repo", "full_name")
    return Event(
        name,
        "pull_request",
        base=base,
        head=head,
        pr_number=number,
        fork=head_repo is None or head_repo != base_repo,
        repository=p.text("repository", "full_name") or base_repo,
        default_branch=p.text("repository", "default_branch"),
    )


def _push(name: str, p: _Payload) -> Event:
    return Event(
        name,
        "push",
        before=p.oid("before"),
        after=p.oid("after"),
        ref=p.text("ref"),
        deleted=p.get("deleted") is True or p.get("after") == ZERO_OID,
        default_branch=p.text("repository", "default_branch"),
        repository=p.text("repository", "full_name"),
    )


def _merge_group(name: str, p: _Payload) -> Event:
    return Event(
        name,
        "merge_group",
        base=p.oid("merge_group", "base_sha"),
        head=p.oid("merge_group", "head_sha"),
        repository=p.text("repository", "full_name"),
        default_branch=p.text("repository", "default_branch"),
    )


def read_event(env: Mapping[str, str]) -> Event:
    """The event of this run from ``GITHUB_EVENT_NAME`` and the payload file.

    Outside Actions (no event name) there is no event: ``kind`` is ``none``. A payload
    that is needed but missing or malformed is a ``UsageError`` naming the file.
    """
    name = env.get("GITHUB_EVENT_NAME", "").strip()
    path = env.get("GITHUB_EVENT_PATH", "").strip() or None
    if name in PULL_REQUEST_EVENTS:
        return _pull_request(name, _load(path, name))
    if name == "push":
        return _push(name, _load(path, name))
    if name == "merge_group":
        return _merge_group(name, _load(path, name))
    repository = env.get("GITHUB_REPOSITORY") or None
    if path and Path(path).is_file():
        p = _load(path, name)
        repository = p.text("repository", "full_name") or repository
        return Event(
            name,
            "none",
            repository=repository,
            default_branch=p.text("repository", "default_branch"),
        )
    return Event(name, "none", repository=repository)
