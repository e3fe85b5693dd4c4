"""The GitHub provider: milestones and issues through a gated client, listed cheaply.

Steady state costs two conditional requests: the issues labelled ``specweave`` updated
since the last listing (``since`` + ``If-None-Match``: a 304 when nothing changed) and
the milestones (``If-None-Match``, their last listing kept in the cursor). A full listing
happens only when the snapshot has no cursor (first run, lost state). A 304 is trusted
only for a listing that fit in one page: GitHub's ETag covers one page.

An external item (``US-004E``, ``sync.external``) is never created; its issue gets a
progress comment instead of edits. An external feature's milestone takes no comments:
only its state is synced, and its number is remembered (in the cursor) so the stories
of that feature are shown and linked with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ...net.errors import HttpError
from .. import external
from ..gate import GatedClient, GateOutcome
from ..plan import Remote, Rendering
from . import RemoteState, WriteResult, canonical
from . import github_render as gr
from .common import feature_title, require_target, status_mappings

if TYPE_CHECKING:
    from ...config.model import Config
    from ...net.github import GitHubClient
    from ...net.http import Stats
    from ...net.secret import Secret
    from ..gate import Gate
    from ..items import Item

PLATFORM = "github"
PER_PAGE = 100
JSON = dict[str, Any]


@dataclass
class Listing:
    not_modified: bool
    items: list[JSON] = field(default_factory=list)
    etag: str | None = None  # only for a one-page listing
    pages: int = 0


class Calls:
    """The raw GitHub calls the provider makes; wrapped whole in a ``GatedClient``."""

    def __init__(self, gh: GitHubClient) -> None:
        self._gh = gh
        self._base = f"/repos/{quote(gh.owner, safe='')}/{quote(gh.repo, safe='')}"

    def _listing(
        self, path: str, params: Mapping[str, Any], etag: str | None, stop_before: str | None
    ) -> Listing:
        http = self._gh.http
        headers = {"If-None-Match": etag} if etag else None
        resp = http.request("GET", path, params=params, headers=headers, use_etag=False)
        if resp.status == 304:
            return Listing(True, [], etag, 1)
        out = Listing(False, list(resp.json() or []), None, 1)
        nxt = resp.links.get("next")
        if nxt is None:
            out.etag = resp.headers.get("etag")
        while nxt is not None:
            if stop_before and out.items and str(out.items[-1].get("updated_at")) < stop_before:
                break  # sorted by updated, newest first: the rest is older
            resp = http.request("GET", nxt, use_etag=False)
            out.items += list(resp.json() or [])
            out.pages += 1
            nxt = resp.links.get("next")
        return out

    def list_issues(
        self, *, since: str | None = None, etag: str | None = None, stop_before: str | None = None
    ) -> Listing:
        params = {
            "state": "all",
            "labels": gr.LABEL,
            "sort": "updated",
            "direction": "desc",
            "since": since,
            "per_page": PER_PAGE,
        }
        params = {k: v for k, v in params.items() if v is not None}
        listing = self._listing(f"{self._base}/issues", params, etag, stop_before)
        listing.items = [i for i in listing.items if "pull_request" not in i]
        return listing

    def list_milestones(self, *, etag: str | None = None) -> Listing:
        params = {"state": "all", "per_page": PER_PAGE}
        return self._listing(f"{self._base}/milestones", params, etag, None)

    def get_issue(self, number: int) -> JSON:
        return self._gh.get_issue(number)

    def create_issue(self, payload: JSON) -> JSON:
        return self._gh.create_issue(
            payload["title"],
            payload.get("body"),
            labels=payload.get("labels"),
            milestone=payload.get("milestone"),
        )

    def update_issue(self, number: int, payload: JSON) -> JSON:
        return self._gh.update_issue(number, **payload)

    def set_issue_status(self, number: int, payload: JSON) -> JSON:
        return self._gh.update_issue(number, **payload)

    def create_milestone(self, payload: JSON) -> JSON:
        return self._gh.create_milestone(
            payload["title"], description=payload.get("description"), state=payload.get("state")
        )

    def update_milestone(self, number: int, payload: JSON) -> JSON:
        return self._gh.update_milestone(number, **payload)

    def set_milestone_state(self, number: int, payload: JSON) -> JSON:
        return self._gh.update_milestone(number, **payload)

    def add_progress_comment(self, number: int, body: str) -> JSON:
        return self._gh.create_comment(number, body)


OPS: Mapping[str, Any] = {
    "list_issues": "read",
    "list_milestones": "read",
    "get_issue": "read",
    "create_issue": "upsert-internal",
    "update_issue": "upsert-internal",
    "set_issue_status": "update-status",
    "create_milestone": "upsert-internal",
    "update_milestone": "upsert-internal",
    "set_milestone_state": "update-status",
    "add_progress_comment": "upsert-external",
}


class GitHubProvider:
    platform = PLATFORM

    def __init__(
        self,
        calls: GatedClient,
        target: str,
        statuses: gr.StatusMap,
        stats: Stats,
        closer: Callable[[], None],
    ) -> None:
        self.calls = calls
        self.target = target
        self.statuses = statuses
        self._stats = stats  # the HTTP client's counters (requests, retries, 304s)
        self._closer = closer
        self.milestones: dict[int, str] = {}  # number -> feature key
        # External features' milestones (no marker to know them by): number -> key.
        self.external_milestones: dict[str, str] = {}
        self._ms_cursor: dict[str, Any] = {}
        self._recheck_since: str | None = None
        self._missing: set[int] = set()

    # -- reading ------------------------------------------------------------------------

    def render(self, item: Item) -> Rendering:
        rendering = gr.render(item, self.statuses)
        if not external.is_external(item):
            return rendering
        if item.kind == "feature":
            self._adopt_milestone(item)
        # A milestone takes no comments: an external feature's content is never written.
        return external.external_rendering(item, rendering.status, comments=item.kind == "story")

    def _adopt_milestone(self, item: Item) -> None:
        number = item.external.get("github.milestone") or ""
        if number.isdigit() and int(number) not in self.milestones:
            self.milestones[int(number)] = item.key
            self.external_milestones[number] = item.key
            # Into the dict the engine stores as the cursor: known next run at listing.
            self._ms_cursor["external"] = self.external_milestones

    def request_count(self) -> int:
        return self._stats.total

    def close(self) -> None:
        self._closer()

    def fetch_all_state(self, cursor: Mapping[str, Any]) -> RemoteState:
        state = RemoteState(cursor={})
        ms_cursor = _mapping(cursor.get("milestones"))
        for number, key in _mapping(ms_cursor.get("external")).items():
            if str(number).isdigit():
                self.external_milestones[str(number)] = str(key)
                self.milestones[int(number)] = str(key)
        out = self.calls.list_milestones(etag=ms_cursor.get("etag"), item=None)
        if not out.ok:
            state.denied = out.decision.reason
            return state
        listing = _listing(out.value)
        cached = ms_cursor.get("items")
        milestones = listing.items
        if listing.not_modified:
            milestones = cached if isinstance(cached, list) else []
        for ms in milestones:
            remote = gr.remote_milestone(ms)
            state.add(remote)
            if remote.key is not None:
                self.milestones[int(ms["number"])] = remote.key
        state.cursor["milestones"] = {
            "etag": listing.etag,
            "items": [_slim_milestone(m) for m in milestones] if listing.etag else [],
        }
        self._ms_cursor = state.cursor["milestones"]
        if self.external_milestones:
            self._ms_cursor["external"] = self.external_milestones
        is_cursor = _mapping(cursor.get("issues"))
        since = is_cursor.get("since") if isinstance(is_cursor.get("since"), str) else None
        etag = is_cursor.get("etag") if since else None
        out = self.calls.list_issues(since=since, etag=etag, item=None)
        if not out.ok:
            state.denied = out.decision.reason
            return state
        issues = _listing(out.value)
        state.complete = since is None
        newest = since
        for issue in issues.items:
            remote = gr.remote_issue(issue, self.milestones, self.statuses)
            state.add(remote)
            if newest is None or remote.updated_at > newest:
                newest = remote.updated_at
        # Next time: what changed at or after the newest change seen now (inclusive, so an
        # item updated in the same second is seen again rather than missed). The ETag is
        # kept only for the same query: it names one response.
        keep_etag = etag if issues.not_modified else (issues.etag if newest == since else None)
        state.cursor["issues"] = {"since": newest, "etag": keep_etag}
        self._recheck_since = newest
        return state

    def recheck(self, state: RemoteState) -> int:
        before = self.request_count()
        out = self.calls.list_issues(
            since=self._recheck_since, stop_before=self._recheck_since, item=None
        )
        if out.ok and out.value is not None:
            for issue in out.value.items:
                remote = gr.remote_issue(issue, self.milestones, self.statuses)
                state.add(remote)
                if self._recheck_since is None or remote.updated_at > self._recheck_since:
                    self._recheck_since = remote.updated_at
        return self.request_count() - before

    def known_id(self, item: Item) -> str | None:
        """The id the spec files already record (``external.github.issue|milestone``)."""
        if item.kind == "feature":
            number = item.external.get("github.milestone")
            return gr.milestone_id(number) if number and number.isdigit() else None
        number = item.external.get("github.issue")
        return number if number and number.isdigit() else None

    def external_ids(self, item: Item, remote: Remote) -> dict[str, str | int]:
        """What the spec files record of ``remote``."""
        number = int(remote.data.get("number") or remote.id.rpartition(":")[2])
        key = "milestone" if item.kind == "feature" else "issue"
        return {key: number, "url": remote.url}

    def find_existing(self, item: Item, state: RemoteState, known: str | None) -> Remote | None:
        if known is not None:
            remote = state.fresh.get(known)
            if remote is None and item.kind == "story" and known.isdigit():
                remote = self._get_issue(item, int(known), state)
            if remote is not None and remote.key in (None, item.key) and _kind(remote) == item.kind:
                return remote
        return canonical(state.by_key.get(item.key, []))

    def _get_issue(self, item: Item, number: int, state: RemoteState) -> Remote | None:
        from ...net.errors import NotFound

        if number in self._missing:
            return None
        try:
            out = self.calls.get_issue(number, item=item.id)
        except NotFound:
            self._missing.add(number)  # asked once per run, not again after a re-listing
            return None
        data = out.value
        if not out.ok or not isinstance(data, dict) or "pull_request" in data:
            return None
        remote = gr.remote_issue(data, self.milestones, self.statuses)
        state.add(remote)
        return remote

    def remote_status(self, remote: Remote) -> str | None:
        """The SpecWeave status the tracker shows: an issue's state and status labels read
        back through ``statusSync.mappings.github``; a milestone's state (closed ->
        completed, open -> active)."""
        if remote.rendering is None:
            return None
        state = str(remote.rendering.status.get("state") or "open")
        if _kind(remote) == "feature":
            return "completed" if state == "closed" else "active"
        labels = remote.rendering.status.get("labels") or ()
        reason = remote.data.get("state_reason")
        return self.statuses.reverse(state, labels, reason if isinstance(reason, str) else None)

    # -- writing ------------------------------------------------------------------------

    def _result(self, out: GateOutcome[Any], sent: Rendering, parse: Any) -> WriteResult:
        if not out.ok:
            return WriteResult(out.result, out.decision.reason)
        return WriteResult("success", out.decision.reason, parse(out.value), sent)

    def _issue(self, data: JSON) -> Remote:
        return gr.remote_issue(data, self.milestones, self.statuses)

    def _milestone(self, data: JSON) -> Remote:
        remote = gr.remote_milestone(data)
        if remote.key is not None:
            self.milestones[int(data["number"])] = remote.key
        return remote

    def _milestone_number(self, key: str | None) -> int | None:
        if key is None:
            return None
        return next((n for n, k in sorted(self.milestones.items()) if k == key), None)

    def _sent_content(self, rendering: Rendering) -> tuple[Rendering, int | None]:
        """The rendering as it can be sent: no milestone while the feature has none."""
        number = self._milestone_number(rendering.content.get("milestone"))
        if number is None and rendering.content.get("milestone") is not None:
            content = {**rendering.content, "milestone": None}
            return Rendering(content, rendering.status), None
        return rendering, number

    def create(self, item: Item, rendering: Rendering) -> WriteResult:
        if external.is_external(item):
            return WriteResult("denied", external.skip_reason(item, PLATFORM))
        if item.kind == "feature":
            payload = {**rendering.content, "state": "open"}
            sent = Rendering(rendering.content, {"state": "open"})
            try:
                out = self.calls.create_milestone(payload, item=item.id)
            except HttpError as e:
                # Milestone titles are unique: 422 means a concurrent run made it first.
                found = self._milestone_named(item) if e.status == 422 else None
                if found is None or found.rendering is None:
                    raise
                return WriteResult(
                    "success", "already created by another run", found, found.rendering
                )
            return self._result(out, sent, self._milestone)
        sent, number = self._sent_content(rendering)
        labels = gr.merge_labels(rendering.content["labels"], rendering.status["labels"])
        payload = {
            "title": rendering.content["title"],
            "body": rendering.content["body"],
            "labels": labels,
            "milestone": number,
        }
        # An issue is created open; closing it is a status change of its own (the
        # engine sends it next, if the gate allows it).
        sent = Rendering(sent.content, {**rendering.status, "state": "open"})
        out = self.calls.create_issue(payload, item=item.id)
        return self._result(out, sent, self._issue)

    def _milestone_named(self, item: Item) -> Remote | None:
        out = self.calls.list_milestones(item=item.id)
        if not out.ok:
            return None
        for ms in _listing(out.value).items:
            remote = self._milestone(ms)
            title_match = ms.get("title") == feature_title(item)
            if remote.key == item.key or title_match:
                return remote
        return None

    def update(self, item: Item, remote: Remote, rendering: Rendering) -> WriteResult:
        if external.is_external(item):
            return self._comment(item, remote, rendering)
        number = int(remote.data.get("number") or remote.id.rpartition(":")[2])
        if item.kind == "feature":
            out = self.calls.update_milestone(number, dict(rendering.content), item=item.id)
            return self._result(out, rendering, self._milestone)
        remote = self._fresh(item, remote)
        sent, ms_number = self._sent_content(rendering)
        keep = gr.keep_labels(remote.data.get("labels", []), self.statuses, content=True)
        payload = {
            "title": rendering.content["title"],
            "body": rendering.content["body"],
            "milestone": ms_number,
            "labels": gr.merge_labels(keep, rendering.content["labels"]),
        }
        out = self.calls.update_issue(number, payload, item=item.id)
        return self._result(out, sent, self._issue)

    def _comment(self, item: Item, remote: Remote, rendering: Rendering) -> WriteResult:
        """An external item's progress, as a comment on its issue; nothing else is sent."""
        if item.kind == "feature":
            # Unreachable (render leaves a milestone's content alone); never comment on an
            # issue that happens to have the milestone's number.
            return WriteResult("success", "a milestone takes no comments", remote, rendering)
        number = int(remote.data.get("number") or remote.id)
        state, _ = self.statuses.target(item.status)
        body = gr.progress_comment(item, state)
        out = self.calls.add_progress_comment(number, body, item=item.id)
        if not out.ok:
            return WriteResult(out.result, out.decision.reason)
        return WriteResult("success", out.decision.reason, remote, rendering)

    def set_status(self, item: Item, remote: Remote, rendering: Rendering) -> WriteResult:
        number = int(remote.data.get("number") or remote.id.rpartition(":")[2])
        state = rendering.status["state"]
        if item.kind == "feature":
            out = self.calls.set_milestone_state(number, {"state": state}, item=item.id)
            return self._result(out, rendering, self._milestone)
        remote = self._fresh(item, remote)
        keep = gr.keep_labels(remote.data.get("labels", []), self.statuses, content=False)
        payload: JSON = {
            "state": state,
            "labels": gr.merge_labels(keep, rendering.status["labels"]),
        }
        if state == "closed":
            payload["state_reason"] = gr.STATE_REASON.get(item.status, "completed")
        out = self.calls.set_issue_status(number, payload, item=item.id)
        return self._result(out, rendering, self._issue)

    def close_duplicate(self, item: Item, duplicate: Remote, keep: Remote) -> WriteResult:
        number = int(duplicate.data.get("number") or duplicate.id)
        labels = gr.merge_labels(duplicate.data.get("labels", []), ["duplicate"])
        payload = {"state": "closed", "state_reason": "duplicate", "labels": labels}
        out = self.calls.set_issue_status(number, payload, item=item.id)
        sent = Rendering({}, {"state": "closed"})
        return self._result(out, sent, self._issue)

    def _fresh(self, item: Item, remote: Remote) -> Remote:
        """``remote`` with its labels: an item the incremental listing did not show is read
        first, because a PATCH of labels replaces them all (a human's must survive)."""
        if remote.rendering is not None and "labels" in remote.data:
            return remote
        got = self._get_issue(item, int(remote.id), RemoteState())
        return got if got is not None else remote


def _listing(value: Any) -> Listing:
    return value if isinstance(value, Listing) else Listing(False)


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _kind(remote: Remote) -> str:
    return "feature" if remote.data.get("kind") == "milestone" else "story"


def _slim_milestone(ms: Mapping[str, Any]) -> JSON:
    keys = ("number", "title", "description", "state", "updated_at", "html_url")
    return {k: ms.get(k) for k in keys}


def build(
    config: Config,
    gate: Gate,
    *,
    token: Secret | None = None,
    base_url: str | None = None,
    http_options: Mapping[str, Any] | None = None,
) -> GitHubProvider:
    from ...net.github import GitHubClient

    target = config.sync.github
    owner, repo = require_target(
        config,
        "/sync/github",
        "sync.github.owner and sync.github.repo must name the repository to sync with",
        target.owner,
        target.repo,
    )
    gh = GitHubClient(owner, repo, token, base_url=base_url, **dict(http_options or {}))
    calls = GatedClient(gate, PLATFORM, Calls(gh), OPS)
    statuses = gr.StatusMap.from_config(status_mappings(config, PLATFORM))
    return GitHubProvider(calls, gh.full_name, statuses, gh.http.stats, gh.close)
