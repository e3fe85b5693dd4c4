"""The JIRA provider: Epics and Stories through a gated client, listed with one JQL search.

Steady state costs one request: ``POST /search/jql`` for the project's issues labelled
``specweave`` updated since the cursor (the newest ``updated`` seen, as a JQL date in the
user's time zone, which JQL reads dates in; ``/myself`` tells it once, on a full listing).
A story's Epic is its ``parent`` (JIRA Cloud's one parent field for team- and
company-managed projects alike; the old "Epic Link" custom field is not written).

Status changes are transitions: the one whose ``to`` status has the mapped name
(``sync.statusSync.mappings.jira``). When none leads there the write fails with a
:class:`NoTransition` naming the current status and the reachable ones; multi-step paths
are not walked (a workflow may attach screens and conditions to each step).

Items created outside SpecWeave (``US-004E``, ``sync.external``) are never created nor
edited: an update becomes a progress comment (``upsert-external``), and a status change
is a transition like any other (the gate's status flags decide). An external feature's
Epic is remembered (in the cursor) so its stories are linked to it.
The engine's ``token`` is not used: it is GitHub's. Credentials come only from
``$JIRA_EMAIL`` + ``$JIRA_API_TOKEN``, so no GitHub token is ever sent to JIRA.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ...errors import UsageError
from ...net.errors import HttpError, NetError, NotFound
from ..gate import GatedClient, is_external_item
from ..plan import Remote, Rendering
from . import RemoteState, WriteResult, canonical
from . import jira_render as jr
from .common import config_file, require_target, status_mappings
from .jira_calls import OPS, Calls
from .jira_status import NoTransition, moved, status_of, transition_to, usable

if TYPE_CHECKING:
    from ...config.model import Config
    from ...net.http import Stats
    from ...net.secret import Secret
    from ..gate import Gate
    from ..items import Item

PLATFORM = "jira"
JSON = dict[str, Any]


def _key_number(key: str) -> tuple[int, str]:
    head, _, tail = key.rpartition("-")
    return (int(tail), head) if tail.isdigit() else (1 << 62, key)


class JiraProvider:
    platform = PLATFORM

    def __init__(
        self,
        calls: GatedClient,
        target: str,
        project: str,
        base_url: str,
        statuses: jr.StatusMap,
        stats: Stats,
        closer: Callable[[], None],
    ) -> None:
        self.calls = calls
        self.target = target
        self.project = project
        self.base_url = base_url
        self.statuses = statuses
        self._stats = stats
        self._closer = closer
        self.epics: dict[str, str] = {}  # Epic issue key -> feature key
        self.zone: str | None = None
        self._recheck_since: str | None = None
        self._created: list[int] = []  # ids written this run: searched with strong consistency
        self._missing: set[str] = set()
        self._cursor: dict[str, Any] = {}  # the dict the engine stores: learnt epics go in

    # -- reading ------------------------------------------------------------------------

    def render(self, item: Item) -> Rendering:
        external = is_external_item(item.id)
        if external and item.kind == "feature":
            self._adopt_epic(item)
        rendering = jr.render(item, self.statuses, external=external)
        epic = self._epic_key(rendering.content.get("parent")) if item.kind == "story" else None
        if epic is not None:
            # The kept Epic's key, not the feature's: a story under another Epic of the
            # feature (closed as a duplicate) then differs and is moved under this one.
            content = {**rendering.content, "parent": jr.parent_ref(epic)}
            return Rendering(content, rendering.status)
        return rendering

    def _adopt_epic(self, item: Item) -> None:
        """An external feature's Epic (no marker, no label): known by the id the spec
        records, so the feature's stories get it as parent."""
        key = item.external.get("jira.epic")
        if key and key not in self.epics:
            self.epics[key] = item.key
            self._save_epics()

    def _save_epics(self) -> None:
        if self._cursor:
            self._cursor["epics"] = dict(sorted(self.epics.items()))

    def request_count(self) -> int:
        return self._stats.total

    def close(self) -> None:
        self._closer()

    def jql(self, since: str | None) -> str:
        query = f'project = "{self.project}" AND labels = "{jr.LABEL}"'
        if since:
            query += f' AND updated >= "{jr.jql_time(since, self.zone)}"'
        return query + " ORDER BY created ASC"

    def fetch_all_state(self, cursor: Mapping[str, Any]) -> RemoteState:
        state = RemoteState(cursor={})
        since = cursor.get("since") if isinstance(cursor.get("since"), str) else None
        zone = cursor.get("zone")
        self.zone = zone if isinstance(zone, str) and zone else None
        epics = cursor.get("epics")
        if isinstance(epics, dict):
            self.epics.update({str(k): str(v) for k, v in epics.items()})
        if self.zone is None:
            # The zone JQL reads dates in; asked again only when the cursor is lost.
            out = self.calls.myself(item=None)
            if not out.ok:
                state.denied = out.decision.reason
                return state
            self.zone = str((out.value or {}).get("timeZone") or "UTC")
        out = self.calls.search(self.jql(since), item=None)
        if not out.ok:
            state.denied = out.decision.reason
            return state
        state.complete = since is None
        newest = self._add_all(state, out.value or [], since)
        state.cursor = {
            "since": newest,
            "zone": self.zone,
            "epics": dict(sorted(self.epics.items())),
        }
        self._cursor = state.cursor
        self._recheck_since = newest
        return state

    def _add_all(self, state: RemoteState, issues: list[JSON], newest: str | None) -> str | None:
        # Epics first: a story in the same page names its Epic as parent.
        for issue in issues:
            if jr.issue_kind(issue) == "feature":
                key = jr.issue_key(issue)
                if key is not None:
                    self.epics[str(issue["key"])] = key
        for issue in issues:
            remote = jr.remote_issue(issue, self.base_url)
            state.add(remote)
            if remote.updated_at and (newest is None or remote.updated_at > newest):
                newest = remote.updated_at
        return newest

    def recheck(self, state: RemoteState) -> int:
        before = self.request_count()
        out = self.calls.search(
            self.jql(self._recheck_since), reconcile=self._created[-50:], item=None
        )
        if out.ok and out.value is not None:
            self._recheck_since = self._add_all(state, out.value, self._recheck_since)
        return self.request_count() - before

    def known_id(self, item: Item) -> str | None:
        """The issue key the spec files record (``external.jira.issue|epic``)."""
        key = item.external.get("jira.epic" if item.kind == "feature" else "jira.issue")
        return key or None

    def external_ids(self, item: Item, remote: Remote) -> dict[str, str | int]:
        key = str(remote.data.get("key") or remote.url.rpartition("/browse/")[2])
        return {"epic" if item.kind == "feature" else "issue": key, "url": remote.url}

    def find_existing(self, item: Item, state: RemoteState, known: str | None) -> Remote | None:
        if known is not None:
            remote = state.fresh.get(known) or next(
                (r for r in state.fresh.values() if r.data.get("key") == known), None
            )
            if remote is None:
                remote = self._get_issue(item, known, state)
            kind_ok = remote is not None and remote.data.get("kind") == item.kind
            if remote is not None and kind_ok and remote.key in (None, item.key):
                return remote
        return canonical(state.by_key.get(item.key, []))

    def _get_issue(
        self, item: Item, id_or_key: str, state: RemoteState | None, expand: str | None = None
    ) -> Remote | None:
        if id_or_key in self._missing:
            return None
        try:
            out = self.calls.get_issue(id_or_key, expand=expand, item=item.id)
        except NotFound:
            self._missing.add(id_or_key)  # asked once per run
            return None
        if not out.ok or not isinstance(out.value, dict):
            return None
        remote = jr.remote_issue(out.value, self.base_url)
        if state is not None:
            state.add(remote)
        return remote

    def remote_status(self, remote: Remote) -> str | None:
        """The SpecWeave status the issue's JIRA status reads back as (for ``sync
        --pull``): the mapping reversed, else the status category."""
        if remote.rendering is None:
            return None
        name = str(remote.rendering.status.get("state") or "")
        return self.statuses.reverse(name, str(remote.data.get("category") or ""))

    # -- writing ------------------------------------------------------------------------

    def _epic_key(self, feature: Any) -> str | None:
        """The Epic a story of ``feature`` belongs under: the oldest live one (what
        ``canonical`` keeps; Epics closed as duplicates are no longer in ``epics``)."""
        keys = [k for k, f in self.epics.items() if f == feature]
        return min(keys, key=_key_number) if keys else None

    def _parent_epic(self, parent: Any) -> str | None:
        """The Epic key a rendering's ``parent`` names: ``#KEY``, or a feature key whose
        Epic was made after the rendering (None: it has none yet)."""
        if isinstance(parent, str) and parent.startswith("#"):
            return parent[1:]
        return self._epic_key(parent)

    def _fields(self, item: Item, rendering: Rendering) -> tuple[JSON, Rendering]:
        """The fields to send and the rendering as sent (no parent while the feature has
        no Epic yet: the next run links it)."""
        doc = jr.epic_doc(item) if item.kind == "feature" else jr.story_doc(item)
        fields: JSON = {
            "summary": rendering.content["summary"],
            "description": doc,
            "labels": list(rendering.content["labels"]),
        }
        if item.kind == "feature":
            return fields, rendering
        epic = self._parent_epic(rendering.content.get("parent"))
        if epic is not None:
            fields["parent"] = {"key": epic}
            parent: str | None = jr.parent_ref(epic)
        else:
            parent = None
        return fields, Rendering({**rendering.content, "parent": parent}, rendering.status)

    def create(self, item: Item, rendering: Rendering) -> WriteResult:
        if is_external_item(item.id):
            # It came from JIRA: making a second issue for it would be wrong.
            why = f"{item.id} came from JIRA (E suffix) and its issue was not found: not created"
            return WriteResult("denied", why)
        fields, sent = self._fields(item, rendering)
        fields["project"] = {"key": self.project}
        fields["issuetype"] = {"name": jr.EPIC if item.kind == "feature" else jr.STORY}
        out = self.calls.create_issue(fields, item=item.id)
        if not out.ok:
            return WriteResult(out.result, out.decision.reason)
        made = out.value or {}
        ident, key = str(made["id"]), str(made["key"])
        if ident.isdigit():
            self._created.append(int(ident))
        if item.kind == "feature":
            self.epics[key] = item.key
        # JIRA answers only id and key: read the issue back for its status, its time and
        # the transitions the status change that may follow can take.
        try:
            remote = self._get_issue(item, ident, None, expand="transitions")
        except NetError:
            remote = None
        if remote is None:
            data = {"key": key, "labels": fields["labels"], "kind": item.kind, "ours": True}
            remote = Remote(
                ident, jr.browse_url(self.base_url, key), item.key, "",
                Rendering(sent.content, {"state": ""}), data,
            )  # fmt: skip
        assert remote.rendering is not None
        return WriteResult(
            "success", out.decision.reason, remote, Rendering(sent.content, remote.rendering.status)
        )

    def update(self, item: Item, remote: Remote, rendering: Rendering) -> WriteResult:
        key = self._key(remote)
        if is_external_item(item.id):
            target = self.statuses.target(item.status)
            out = self.calls.add_progress_comment(key, jr.progress_doc(item, target), item=item.id)
            if not out.ok:
                return WriteResult(out.result, out.decision.reason)
            return WriteResult("success", out.decision.reason, remote, rendering)
        remote = self._fresh(item, remote)
        fields, sent = self._fields(item, rendering)
        keep = [n for n in remote.data.get("labels", []) if not jr.is_content_label(n)]
        fields["labels"] = _merge(keep, fields["labels"])
        out = self.calls.edit_issue(key, fields, item=item.id)
        if not out.ok:
            return WriteResult(out.result, out.decision.reason)
        if isinstance(out.value, dict) and out.value.get("id"):
            got = jr.remote_issue(out.value, self.base_url)
        else:  # 204: JIRA did not send the issue back
            got = dataclasses.replace(remote, rendering=Rendering(sent.content, status_of(remote)))
        return WriteResult("success", out.decision.reason, got, sent)

    def set_status(self, item: Item, remote: Remote, rendering: Rendering) -> WriteResult:
        """Take the transition that leads to the mapped status. When none leads there, or
        JIRA refuses the one that did, the issue may have moved since it was read
        (another run, a person): it is read again; already there is success without a
        write, moved elsewhere means one more try from there; only then it fails."""
        wanted = str(rendering.status["state"])
        name = self.statuses.target(item.status)
        if remote.rendering is not None and remote.rendering.status.get("state") == wanted:
            return WriteResult("success", f"already {name!r}", remote, rendering)
        key = self._key(remote)
        transitions = remote.data.get("transitions")
        if not isinstance(transitions, list):
            out = self.calls.get_transitions(key, item=item.id)
            if not out.ok:
                return WriteResult(out.result, out.decision.reason)
            transitions = list(out.value or [])
        tried = self._transition(item, remote, transitions, rendering)
        if isinstance(tried, WriteResult):
            return tried
        refused = tried
        fresh = self._get_issue(item, key, None, expand="transitions")
        if fresh is not None and status_of(fresh).get("state") == wanted:
            return WriteResult("success", f"already {name!r}", moved(fresh, wanted), rendering)
        again = fresh.data.get("transitions") if fresh is not None else None
        if fresh is not None and isinstance(again, list):
            if fresh.data.get("status") != remote.data.get("status"):
                tried = self._transition(item, fresh, again, rendering)
                if isinstance(tried, WriteResult):
                    return tried
                refused = tried
            transitions = again
        if refused is not None:
            raise refused
        current = (fresh or remote).data.get("status")
        reachable = [transition_to(t) for t in usable(transitions)]
        raise NoTransition(key, str(current or ""), name, reachable, item.status)

    def _transition(
        self,
        item: Item,
        remote: Remote,
        transitions: Sequence[Mapping[str, Any]],
        rendering: Rendering,
    ) -> WriteResult | HttpError | None:
        """Take the transition to the wanted status: the write's result; None when no
        transition leads there; JIRA's refusal when the one that did is not valid (any
        more) from the issue's status."""
        wanted = str(rendering.status["state"])
        match = next((t for t in usable(transitions) if jr.state(transition_to(t)) == wanted), None)
        if match is None:
            return None
        try:
            out = self.calls.do_transition(self._key(remote), str(match["id"]), item=item.id)
        except HttpError as e:
            if e.status not in (400, 409):
                raise
            return e
        if not out.ok:
            return WriteResult(out.result, out.decision.reason)
        return WriteResult("success", out.decision.reason, moved(remote, wanted), rendering)

    def close_duplicate(self, item: Item, duplicate: Remote, keep: Remote) -> WriteResult:
        """Take the duplicate out of sync (its ``specweave`` label becomes
        ``specweave-duplicate``) and say so in a comment; its status is left to people."""
        dup = self._fresh(item, duplicate)
        key = self._key(dup)
        labels = [n for n in dup.data.get("labels", []) if n.lower() != jr.LABEL]
        out = self.calls.edit_issue(
            key, {"labels": _merge(labels, [jr.DUPLICATE_LABEL])}, item=item.id
        )
        if not out.ok:
            return WriteResult(out.result, out.decision.reason)
        if self.epics.pop(key, None) is not None:
            # No longer a candidate for the feature's Epic: its stories move to the kept.
            self._save_epics()
        note = jr.doc(
            jr.paragraph(
                jr.text(f"Duplicate of {self._key(keep)}: two specweave-git runs created "
                        f"{item.key} at once. This issue is no longer synced."),
            )
        )  # fmt: skip
        self.calls.add_comment(key, note, item=item.id)
        return WriteResult(
            "success", out.decision.reason, dup, Rendering({}, {"state": "duplicate"})
        )

    def _key(self, remote: Remote) -> str:
        return str(remote.data.get("key") or remote.url.rpartition("/browse/")[2] or remote.id)

    def _fresh(self, item: Item, remote: Remote) -> Remote:
        """``remote`` with its labels: an issue the incremental listing did not show is
        read first, because ``labels`` replaces them all (a human's must survive)."""
        if remote.rendering is not None and "labels" in remote.data:
            return remote
        got = self._get_issue(item, remote.id, None)
        return got if got is not None else remote


def _merge(*groups: Sequence[str]) -> list[str]:
    """Labels in order without duplicates (JIRA's labels are case-sensitive)."""
    seen: dict[str, None] = {}
    for group in groups:
        for name in group:
            seen.setdefault(name, None)
    return list(seen)


def build(
    config: Config,
    gate: Gate,
    *,
    token: Secret | None = None,
    base_url: str | None = None,
    http_options: Mapping[str, Any] | None = None,
) -> JiraProvider:
    """The provider for ``sync.jira``. ``token`` is ignored (see the module docstring)."""
    from ...net.jira import JiraClient, api_url

    target = config.sync.jira
    (project_key,) = require_target(
        config,
        "/sync/jira/projectKey",
        "sync.jira.projectKey must name the JIRA project to sync with (e.g. WEB)",
        target.project_key,
    )
    try:
        url = api_url(target.domain, base_url)
    except UsageError as e:
        raise UsageError(e.message, file=config_file(config), pointer=e.pointer) from None
    jira = JiraClient(target.domain, base_url=url, **dict(http_options or {}))
    calls = GatedClient(gate, PLATFORM, Calls(jira), OPS)
    statuses = jr.StatusMap.from_config(status_mappings(config, PLATFORM))
    name = f"{target.domain}/{project_key}" if target.domain else project_key
    return JiraProvider(calls, name, project_key, url, statuses, jira.http.stats, jira.close)
