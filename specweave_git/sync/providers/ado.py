"""The Azure DevOps provider: Features and User Stories through a gated client, via WIQL.

Listing is a WIQL query for the project's work items tagged ``specweave`` followed by one
``workitemsbatch`` read per 200 ids (with relations, for the parent link). The cursor keeps
the query's ``asOf``; the next run asks only for ``[System.ChangedDate] >= asOf`` (time
precision on), so a steady-state run costs one request. Writes are JSON Patch documents
that start with ``test /rev``: ADO then refuses to overwrite a change made since the item
was read (HTTP 412), and a retried PATCH whose first attempt did land cannot apply twice.

The process template (Agile, Scrum, Basic) is learnt, not assumed: from the types of the
items listed, from which type ``$User Story`` creation accepts (a missing type is answered
VS402323; the next process's type is tried) and, for a ``Feature`` (shared by Agile and
Scrum), from which translation of the state ADO accepts. What was learnt is kept in the
cursor. ``ado_render`` has the state tables and the rule.

An external item (``US-004E``, ``sync.external``) is never created; its work item gets a
progress comment (Comments API, ``upsert-external``) instead of edits. An external
feature's work item is remembered (in the cursor) so its stories are linked to it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ...net.ado import field_op
from ...net.errors import HttpError, NotFound
from .. import external
from ..gate import GatedClient, GateOutcome
from ..plan import Remote, Rendering
from . import RemoteState, WriteResult, ado_states, canonical
from . import ado_render as ar
from .ado_calls import OPS, Calls
from .common import require_target, status_mappings

if TYPE_CHECKING:
    from ...config.model import Config
    from ...net.ado import PatchOp
    from ...net.http import Stats
    from ...net.secret import Secret
    from ..gate import Gate
    from ..items import Item

PLATFORM = "ado"
JSON = dict[str, Any]


class AdoProvider:
    platform = PLATFORM

    def __init__(
        self,
        calls: GatedClient,
        target: str,
        statuses: ar.StatusMap,
        stats: Stats,
        closer: Callable[[], None],
        api_url: Callable[[int], str],
        web_url: Callable[[int], str],
    ) -> None:
        self.calls = calls
        self.target = target
        self.statuses = statuses
        self._stats = stats
        self._closer = closer
        self._api_url = api_url  # a work item's API URL, as relations name it
        self._web_url = web_url
        self.process: str | None = None
        self.types: dict[str, str] = {}  # kind -> work item type that ADO accepted
        self.features: dict[int, str] = {}  # feature work item id -> feature key
        self.seen_states: dict[str, set[str]] = {}  # type -> states seen on items
        self._cursor: dict[str, Any] = {}
        self._since: str | None = None
        self._missing: set[int] = set()

    # -- reading ------------------------------------------------------------------------

    def render(self, item: Item) -> Rendering:
        rendering = ar.render(item, self.statuses)
        if not external.is_external(item):
            parent = self._feature_id(rendering.content.get("parent"))
            if item.kind == "story" and parent is not None:
                # The kept work item's id, not the feature's key: a story under another
                # work item of the feature (closed as a duplicate) then differs and moves.
                content = {**rendering.content, "parent": ar.parent_ref(parent)}
                return Rendering(content, rendering.status)
            return rendering
        if item.kind == "feature":
            self._adopt_feature(item)
        return external.external_rendering(item, rendering.status)

    def _adopt_feature(self, item: Item) -> None:
        """An external feature's work item (no marker): known by the id the spec records,
        so the feature's stories are linked to it."""
        ident = self.known_id(item)
        if ident is not None and int(ident) not in self.features:
            self.features[int(ident)] = item.key
            self._sync_cursor()

    def request_count(self) -> int:
        return self._stats.total

    def close(self) -> None:
        self._closer()

    def _load(self, cursor: Mapping[str, Any]) -> None:
        process = cursor.get("process")
        if isinstance(process, str) and process in ar.PROCESS_TYPES:
            self.process = process
        types = cursor.get("types")
        if isinstance(types, dict):
            self.types.update({k: str(v) for k, v in types.items() if k in ("feature", "story")})
        features = cursor.get("features")
        if isinstance(features, dict):
            self.features.update({int(k): str(v) for k, v in features.items() if k.isdigit()})

    def _sync_cursor(self) -> None:
        # The engine stores the dict fetch_all_state returned; what is learnt later in the
        # run (a type, a feature's id) is written into it so the next run knows it.
        self._cursor.update(
            since=self._since,
            process=self.process,
            types=dict(sorted(self.types.items())),
            features={str(k): v for k, v in sorted(self.features.items())},
        )

    def fetch_all_state(self, cursor: Mapping[str, Any]) -> RemoteState:
        state = RemoteState(cursor={})
        self._load(cursor)
        since = cursor.get("since") if isinstance(cursor.get("since"), str) else None
        found = self._query(since, state, skip_known=False)
        if found is None:
            return state
        state.complete = since is None
        self._cursor = state.cursor
        self._sync_cursor()
        return state

    def _query(self, since: str | None, state: RemoteState, *, skip_known: bool) -> int | None:
        """Run the WIQL query and read what it names; None when the gate said no."""
        out = self.calls.query(since, item=None)
        if not out.ok or not isinstance(out.value, dict):
            state.denied = out.decision.reason
            return None
        result: JSON = out.value
        ids = [int(w["id"]) for w in result.get("workItems") or [] if isinstance(w, dict)]
        if skip_known:
            ids = [i for i in ids if str(i) not in state.fresh]
        self._since = str(result.get("asOf") or since or "") or None
        if not ids:
            return 0
        got = self.calls.read_items(ids, item=None)
        if not got.ok or not isinstance(got.value, list):
            state.denied = got.decision.reason
            return None
        # Features first: a story's parent is shown by its feature key.
        items = sorted(got.value, key=lambda w: self._kind_of(w) != "feature")
        for wi in items:
            state.add(self._remote(wi))
        return len(items)

    def _kind_of(self, wi: Mapping[str, Any]) -> str:
        fields = wi.get("fields") or {}
        key = ar.item_key(fields)
        if key is not None:
            return "story" if "/" in key else "feature"
        return "feature" if fields.get(ar.TYPE) in ar.FEATURE_TYPES else "story"

    def _remote(self, wi: Mapping[str, Any]) -> Remote:
        ident = int(wi["id"])
        fields = wi.get("fields") or {}
        kind = self._kind_of(wi)
        wtype = str(fields.get(ar.TYPE) or "")
        state = str(fields.get(ar.STATE) or "")
        if wtype:
            self.seen_states.setdefault(wtype, set()).add(state)
            self._learn(kind, wtype, state)
        remote = ar.remote_item(wi, self.statuses, self._web_url(ident))
        duplicate = any(t.lower() == ar.DUPLICATE_TAG for t in remote.data.get("tags", []))
        if kind == "feature" and remote.key is not None and not duplicate:
            self.features[ident] = remote.key
            self._sync_cursor()
        return remote

    def _learn(self, kind: str, wtype: str, state: str | None = None) -> None:
        if kind in ("feature", "story") and (kind == "story") == (wtype in ar.STORY_TYPES):
            self.types.setdefault(kind, wtype)
        process = ar.process_of(wtype, state)
        if process is not None and self.process is None:
            self.process = process
        self._sync_cursor()

    def recheck(self, state: RemoteState) -> int:
        before = self.request_count()
        self._query(self._since, state, skip_known=True)
        state.denied = None  # a recheck that may not read changes nothing listed
        return self.request_count() - before

    def known_id(self, item: Item) -> str | None:
        ident = item.external.get("ado.workItem")
        return ident if ident and ident.isdigit() else None

    def external_ids(self, item: Item, remote: Remote) -> dict[str, str | int]:
        return {"workItem": int(remote.id), "url": remote.url}

    def find_existing(self, item: Item, state: RemoteState, known: str | None) -> Remote | None:
        if known is not None and known.isdigit():
            remote = state.fresh.get(known) or self._get(item, int(known), state)
            same_key = remote is not None and remote.key in (None, item.key)
            if remote is not None and same_key and remote.data.get("kind") == item.kind:
                return remote
        return canonical(state.by_key.get(item.key, []))

    def _get(self, item: Item, ident: int, state: RemoteState) -> Remote | None:
        if ident in self._missing:
            return None
        try:
            out = self.calls.get_item(ident, item=item.id)
        except NotFound:
            self._missing.add(ident)
            return None
        if not out.ok or not isinstance(out.value, dict):
            return None
        remote = self._remote(out.value)
        state.add(remote)
        return remote

    def _fresh(self, item: Item, remote: Remote) -> Remote:
        """``remote`` with its rev and tags: an item the incremental listing did not show
        is read first (the PATCH tests the rev, and a human's tags must survive)."""
        if remote.rendering is not None and "rev" in remote.data:
            return remote
        return self._reread(item, remote) or remote

    def _reread(self, item: Item, remote: Remote) -> Remote | None:
        """The work item as it is now (its current rev); None when it cannot be read."""
        out = self.calls.get_item(int(remote.id), item=item.id)
        return self._remote(out.value) if out.ok and isinstance(out.value, dict) else None

    def remote_status(self, remote: Remote) -> str | None:
        """The SpecWeave status the work item shows: its state's category and status tags
        read back through ``statusSync.mappings.ado``."""
        if remote.rendering is None:
            return None
        status = remote.rendering.status
        return self.statuses.reverse(str(status.get("state") or ""), status.get("tags") or ())

    # -- writing ------------------------------------------------------------------------

    def _feature_id(self, key: Any) -> int | None:
        """The work item a story of feature ``key`` belongs under: the oldest live one
        (what ``canonical`` keeps; those closed as duplicates are not in ``features``)."""
        if key is None:
            return None
        return next((i for i, k in sorted(self.features.items()) if k == key), None)

    def _parent_id(self, parent: Any) -> int | None:
        """The work item a rendering's ``parent`` names: ``#12``, or a feature key whose
        work item was made after the rendering (None: it has none yet)."""
        if isinstance(parent, str) and parent.startswith("#") and parent[1:].isdigit():
            return int(parent[1:])
        return self._feature_id(parent)

    def _type_candidates(self, kind: str) -> list[str]:
        if kind in self.types:
            return [self.types[kind]]
        index = 0 if kind == "feature" else 1
        if self.process is not None:
            return [ar.PROCESS_TYPES[self.process][index]]
        names = [types[index] for types in ar.PROCESS_TYPES.values()]
        return list(dict.fromkeys(names))

    def _result(self, out: GateOutcome[Any], sent: Rendering) -> WriteResult:
        if not out.ok or not isinstance(out.value, dict):
            return WriteResult(out.result, out.decision.reason)
        return WriteResult("success", out.decision.reason, self._remote(out.value), sent)

    def create(self, item: Item, rendering: Rendering) -> WriteResult:
        if external.is_external(item):
            return WriteResult("denied", external.skip_reason(item, PLATFORM))
        content = dict(rendering.content)
        ops: list[PatchOp] = [
            field_op(ar.TITLE, content["title"]),
            field_op(ar.DESCRIPTION, content["description"]),
        ]
        if item.kind == "story":
            ops.append(field_op(ar.CRITERIA, content["criteria"]))
        ops.append(field_op(ar.TAGS, ar.join_tags([*content["tags"], *rendering.status["tags"]])))
        if item.kind == "story":
            parent = self._parent_id(content.get("parent"))
            if parent is None:
                content["parent"] = None  # the feature has no work item (yet)
            else:
                content["parent"] = ar.parent_ref(parent)
                ops.append(self._parent_op(parent))
        candidates = self._type_candidates(item.kind)
        for n, wtype in enumerate(candidates):
            try:
                out = self.calls.create_item(wtype, ops, item=item.id)
            except HttpError as e:
                if ado_states.type_missing(e) and n + 1 < len(candidates):
                    continue  # another process: try its type
                raise
            if out.ok:
                self._learn(item.kind, wtype)
            break
        if not out.ok or not isinstance(out.value, dict):
            return WriteResult(out.result, out.decision.reason)
        remote = self._remote(out.value)
        assert remote.rendering is not None
        # Created in its type's first state; the state is a status change of its own.
        sent = Rendering(content, remote.rendering.status)
        return WriteResult("success", out.decision.reason, remote, sent)

    def _parent_op(self, parent: int) -> PatchOp:
        return {
            "op": "add",
            "path": "/relations/-",
            "value": {"rel": ar.PARENT, "url": self._api_url(parent)},
        }

    def update(self, item: Item, remote: Remote, rendering: Rendering) -> WriteResult:
        """Write the content part. After a 412 the item is read again; the patch is
        sent once more only when its content is as it was (a state, a link or a comment
        changed it): an edit made meanwhile is never overwritten."""
        if external.is_external(item):
            return self._comment(item, remote, rendering)
        remote = self._fresh(item, remote)
        try:
            return self._update(item, remote, rendering)
        except HttpError as e:
            fresh = self._reread(item, remote) if e.status == 412 else None
            if fresh is None or fresh.hash("content", None) != remote.hash("content", None):
                raise
        return self._update(item, fresh, rendering)

    def _update(self, item: Item, remote: Remote, rendering: Rendering) -> WriteResult:
        content = dict(rendering.content)
        data = remote.data
        keep = [t for t in data.get("tags", []) if not ar.is_content_tag(t)]
        ops: list[PatchOp] = [
            {"op": "test", "path": "/rev", "value": int(data.get("rev") or 0)},
            field_op(ar.TITLE, content["title"]),
            field_op(ar.DESCRIPTION, content["description"]),
            field_op(ar.TAGS, ar.join_tags([*keep, *content["tags"]])),
        ]
        if item.kind == "story":
            ops.append(field_op(ar.CRITERIA, content["criteria"]))
            want = self._parent_id(content.get("parent"))
            if want is None:
                # Nothing to link to yet: the link is left as it is.
                content["parent"] = (
                    remote.rendering.content.get("parent") if remote.rendering else None
                )
            else:
                content["parent"] = ar.parent_ref(want)
                if want != data.get("parent"):
                    # Moved (from a feature's duplicate): one parent link only, so the old
                    # is removed in the same patch, which the rev test guards.
                    if data.get("parent_index") is not None:
                        path = f"/relations/{data['parent_index']}"
                        ops.append({"op": "remove", "path": path})
                    ops.append(self._parent_op(want))
        out = self.calls.update_item(int(remote.id), ops, item=item.id)
        return self._result(out, Rendering(content, rendering.status))

    def _comment(self, item: Item, remote: Remote, rendering: Rendering) -> WriteResult:
        """An external item's progress, as a comment on its work item; nothing else."""
        state = self.statuses.configured(item.status)
        text = ar.progress_comment(item, state)
        out = self.calls.add_progress_comment(int(remote.id), text, item=item.id)
        if not out.ok:
            return WriteResult(out.result, out.decision.reason)
        # A comment may make a revision: a status change that follows reads the item again.
        data = {k: v for k, v in remote.data.items() if k != "rev"}
        return WriteResult("success", out.decision.reason, replace(remote, data=data), rendering)

    def set_status(self, item: Item, remote: Remote, rendering: Rendering) -> WriteResult:
        """Move the work item to the mapped state. A 412 (changed since it was read:
        another run set the state, a person edited it) is not a failure yet: the item is
        read again and the decision made again on it, once (already there: no write)."""
        remote = self._fresh(item, remote)
        try:
            return self._set_state(item, remote, rendering)
        except HttpError as e:
            fresh = self._reread(item, remote) if e.status == 412 else None
            if fresh is None:
                raise
        return self._set_state(item, fresh, rendering)

    def _set_state(self, item: Item, remote: Remote, rendering: Rendering) -> WriteResult:
        data = remote.data
        wtype = str(data.get("type") or self.types.get(item.kind, ""))
        configured = self.statuses.configured(item.status)
        keep = [t for t in data.get("tags", []) if not self.statuses.is_status_tag(t)]
        tags = ar.join_tags([*keep, *rendering.status["tags"]])
        tag_op = [field_op(ar.TAGS, tags)] if tags != ar.join_tags(data.get("tags", [])) else []
        current = str(data.get("state") or "")
        candidates = ado_states.candidates(self.process, configured, wtype, current)
        if str(data.get("state")) in [s for s, _ in candidates] and not tag_op:
            # Already there (a story created in the state asked for): nothing to send.
            return WriteResult("success", "already in that state", remote, rendering)
        test = {"op": "test", "path": "/rev", "value": int(data.get("rev") or 0)}
        refused: HttpError | None = None
        for state, process in candidates:
            ops = [test, field_op(ar.STATE, state), *tag_op]
            try:
                out = self.calls.set_item_state(int(remote.id), ops, item=item.id)
            except HttpError as e:
                if not ado_states.state_refused(e):
                    raise
                refused = e
                continue
            if out.ok and process is not None and self.process is None:
                self.process = process
                self._sync_cursor()
            return self._result(out, rendering)
        assert refused is not None
        seen = self.seen_states.get(wtype, set())
        process = self.process or ar.process_of(wtype)
        raise ado_states.rejected(
            refused, item.status, configured, wtype, int(remote.id), process, seen
        )

    def close_duplicate(self, item: Item, duplicate: Remote, keep: Remote) -> WriteResult:
        dup = self._fresh(item, duplicate)
        data = dup.data
        wtype = str(data.get("type") or "")
        process = self.process or ar.process_of(wtype, str(data.get("state") or "") or None)
        closing = ado_states.closing_state(process, wtype)
        tags = [t for t in data.get("tags", []) if t.lower() != ar.TAG] + [ar.DUPLICATE_TAG]
        ops: list[PatchOp] = [
            {"op": "test", "path": "/rev", "value": int(data.get("rev") or 0)},
            field_op(ar.TAGS, ar.join_tags(tags)),
            field_op("System.History", f"Duplicate of work item {keep.id} (specweave-git)."),
        ]
        if data.get("state") != closing:
            ops.insert(1, field_op(ar.STATE, closing))
        out = self.calls.set_item_state(int(dup.id), ops, item=item.id)
        if out.ok and self.features.pop(int(dup.id), None) is not None:
            self._sync_cursor()  # no longer a candidate parent: its stories move
        return self._result(out, Rendering({}, {"state": "closed"}))


def build(
    config: Config,
    gate: Gate,
    *,
    token: Secret | None = None,
    base_url: str | None = None,
    http_options: Mapping[str, Any] | None = None,
) -> AdoProvider:
    from ...net.ado import AdoClient

    target = config.sync.ado
    organization, project = require_target(
        config,
        "/sync/ado",
        "sync.ado.organization and sync.ado.project must name the project to sync with",
        target.organization,
        target.project,
    )
    ado = AdoClient(organization, project, token, base_url=base_url, **dict(http_options or {}))
    calls = GatedClient(gate, PLATFORM, Calls(ado), OPS)
    statuses = ar.StatusMap.from_config(status_mappings(config, PLATFORM))
    return AdoProvider(
        calls,
        ado.full_name,
        statuses,
        ado.http.stats,
        ado.close,
        ado.work_item_url,
        ado.web_url,
    )
