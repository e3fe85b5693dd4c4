"""JIRA Cloud REST v3 calls: one method per operation of the contract (contracts/README.md)."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from ..errors import UsageError
from .base import ApiClient
from .errors import HttpError, NetworkError, RateLimited
from .http import HttpClient, Response
from .secret import Secret, as_secret, redact

API = "/rest/api/3"
PAGE = 100  # issues per search page (JIRA's cap when fields other than ids are asked for)

JSON = dict[str, Any]


def jira_message(resp: Response) -> str:
    """JIRA's own explanation: ``errorMessages`` plus the per-field ``errors`` map."""
    try:
        data = resp.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return ""
    parts = [str(m) for m in data.get("errorMessages") or [] if m]
    errors = data.get("errors")
    if isinstance(errors, dict):
        parts += [f"{field}: {text}" for field, text in sorted(errors.items())]
    if not parts and data.get("message"):
        parts.append(str(data["message"]))
    return "; ".join(parts)[:500]


class JiraHttp(HttpClient):
    """HttpClient for JIRA: its error format, and redaction of the API token on its own
    and of the Basic credential (``email:token`` base64) besides the pair itself."""

    def __init__(self, base_url: str, *, extra_secrets: Sequence[Secret], **options: Any) -> None:
        super().__init__(base_url, **options)
        self._extra = list(extra_secrets)

    def read_post(self, path: str, body: Any) -> Response:
        """A POST that only reads (a JQL search): retried like a GET after a 5xx or a lost
        answer, which the generic client does not do for POST (it could duplicate)."""
        attempt = 0
        while True:
            try:
                return self.request("POST", path, json=body)
            except (HttpError, NetworkError) as e:
                status = e.status if isinstance(e, HttpError) else 0
                again = isinstance(e, NetworkError) or (
                    status >= 500 and not isinstance(e, RateLimited)
                )
                if not again or attempt >= self.retries:
                    raise
                self._wait(self._backoff(attempt), f"POST {path}: {e}")
                attempt += 1

    def _redact(self, text: str) -> str:
        return redact(super()._redact(text), self._extra)

    def _error(self, resp: Response, method: str, path: str) -> Any:
        err = super()._error(resp, method, path)
        if resp.status == 401:
            err.hint = "set JIRA_EMAIL and JIRA_API_TOKEN (an Atlassian API token) for this site"
        message = jira_message(resp)
        if message:
            err.message = self._redact(message)
        err.args = (str(err),)
        return err


def credentials(
    email: str | None = None, token: Secret | str | None = None
) -> tuple[str | None, Secret | None]:
    """``email`` / ``token``, else ``$JIRA_EMAIL`` / ``$JIRA_API_TOKEN``."""
    mail = email or os.environ.get("JIRA_EMAIL") or None
    secret = as_secret(token) or as_secret(os.environ.get("JIRA_API_TOKEN"))
    return mail, secret


def api_url(domain: str | None, base_url: str | None = None) -> str:
    """``base_url``, else ``$JIRA_BASE_URL`` (tests, a proxy), else ``https://<domain>``."""
    url = base_url or os.environ.get("JIRA_BASE_URL")
    if url:
        return url.rstrip("/")
    if not domain:
        raise UsageError(
            "sync.jira.domain must name the JIRA site (e.g. acme.atlassian.net)",
            pointer="/sync/jira/domain",
        )
    return f"https://{domain}"


class JiraClient(ApiClient):
    """Calls on one JIRA site, returning JIRA's parsed JSON.

    Authentication is Basic with ``email:API token`` (``$JIRA_EMAIL`` and
    ``$JIRA_API_TOKEN`` by default): both are kept as Secrets and never shown. Without
    them requests go out anonymously and JIRA answers 401 (or hides the project).
    """

    def __init__(
        self,
        domain: str | None = None,
        email: str | None = None,
        token: Secret | str | None = None,
        base_url: str | None = None,
        client: HttpClient | None = None,
        **http_options: Any,
    ) -> None:
        self.base_url = api_url(domain, base_url)
        self.email, self.token = credentials(email, token)
        pair = Secret(f"{self.email}:{self.token.reveal()}") if self.email and self.token else None
        extra = []
        if pair is not None and self.token is not None:
            extra = [self.token, Secret(base64.b64encode(pair.reveal().encode()).decode())]
        self._connect(
            client,
            cls=JiraHttp,
            auth=pair,
            auth_scheme="Basic",
            headers={"Accept": "application/json"},
            http_options=http_options,
            extra_secrets=extra,
        )

    def _describe(self) -> str:
        return f"{self.base_url!r}, email={self.email!r}"

    def _send(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        return self.http.request(method, f"{API}{path}", json=body, params=params).json()

    @staticmethod
    def _issue(id_or_key: str | int, *tail: str) -> str:
        return "/".join([f"/issue/{quote(str(id_or_key), safe='')}", *tail])

    # -- user -----------------------------------------------------------------------------

    def myself(self) -> JSON:
        """The authenticated user (``timeZone``: the zone JQL reads dates in)."""
        result: JSON = self._send("GET", "/myself")
        return result

    # -- issues ---------------------------------------------------------------------------

    def create_issue(
        self, fields: Mapping[str, Any], update: Mapping[str, Any] | None = None
    ) -> JSON:
        """POST an issue; JIRA answers only ``{id, key, self}``."""
        body: JSON = {"fields": dict(fields)}
        if update:
            body["update"] = dict(update)
        result: JSON = self._send("POST", "/issue", body)
        return result

    def get_issue(
        self,
        id_or_key: str | int,
        *,
        fields: Sequence[str] | None = None,
        expand: str | None = None,
    ) -> JSON:
        params = {"fields": list(fields) if fields else None, "expand": expand}
        result: JSON = self._send("GET", self._issue(id_or_key), params=params)
        return result

    def edit_issue(
        self,
        id_or_key: str | int,
        *,
        fields: Mapping[str, Any] | None = None,
        update: Mapping[str, Any] | None = None,
        return_issue: bool = False,
        notify: bool = True,
    ) -> JSON | None:
        """PUT ``fields`` (set) and ``update`` (add/remove/set operations); with
        ``return_issue`` JIRA answers the issue as edited, else nothing (204)."""
        body: JSON = {}
        if fields:
            body["fields"] = dict(fields)
        if update:
            body["update"] = dict(update)
        params = {
            "returnIssue": True if return_issue else None,
            "notifyUsers": None if notify else False,
        }
        result: JSON | None = self._send("PUT", self._issue(id_or_key), body, params)
        return result

    # -- transitions ----------------------------------------------------------------------

    def get_transitions(self, id_or_key: str | int) -> list[JSON]:
        """The transitions the issue can take from its current status (``to``: status)."""
        data = self._send("GET", self._issue(id_or_key, "transitions"))
        return list((data or {}).get("transitions") or [])

    def do_transition(
        self, id_or_key: str | int, transition_id: str, fields: Mapping[str, Any] | None = None
    ) -> None:
        body: JSON = {"transition": {"id": str(transition_id)}}
        if fields:
            body["fields"] = dict(fields)
        self._send("POST", self._issue(id_or_key, "transitions"), body)

    # -- search ---------------------------------------------------------------------------

    def search_page(
        self,
        jql: str,
        *,
        fields: Sequence[str] = ("id",),
        max_results: int = PAGE,
        next_page_token: str | None = None,
        reconcile: Sequence[int] = (),
    ) -> JSON:
        """One page of ``POST /search/jql``. ``reconcile``: ids of issues just written,
        which JIRA then includes with strong consistency (search is eventually consistent;
        at most 50)."""
        body: JSON = {"jql": jql, "fields": list(fields), "maxResults": max_results}
        if next_page_token:
            body["nextPageToken"] = next_page_token
        if reconcile:
            body["reconcileIssues"] = [int(i) for i in reconcile][:50]
        if isinstance(self.http, JiraHttp):
            result: JSON = self.http.read_post(f"{API}/search/jql", body).json()
        else:
            result = self._send("POST", "/search/jql", body)
        return result

    def search(
        self,
        jql: str,
        *,
        fields: Sequence[str] = ("id",),
        max_results: int = PAGE,
        reconcile: Sequence[int] = (),
        max_pages: int | None = None,
    ) -> Iterator[JSON]:
        """Every issue matching ``jql``, following ``nextPageToken``."""
        token: str | None = None
        pages = 0
        seen: set[str] = set()
        while max_pages is None or pages < max_pages:
            page = self.search_page(
                jql, fields=fields, max_results=max_results, next_page_token=token,
                reconcile=reconcile,
            )  # fmt: skip
            pages += 1
            yield from page.get("issues") or []
            token = page.get("nextPageToken")
            if page.get("isLast", token is None) or not token or token in seen:
                return
            seen.add(token)

    # -- comments -------------------------------------------------------------------------

    def add_comment(self, id_or_key: str | int, body: Mapping[str, Any]) -> JSON:
        """A comment whose ``body`` is an ADF document."""
        result: JSON = self._send("POST", self._issue(id_or_key, "comment"), {"body": dict(body)})
        return result

    def get_comments(self, id_or_key: str | int) -> list[JSON]:
        """Every comment of the issue, oldest first (paged by ``startAt``)."""
        out: list[JSON] = []
        while True:
            params = {"startAt": len(out), "maxResults": PAGE}
            page = self._send("GET", self._issue(id_or_key, "comment"), params=params) or {}
            got = list(page.get("comments") or [])
            out += got
            if not got or len(out) >= int(page.get("total") or 0):
                return out

    # -- links ----------------------------------------------------------------------------

    def link_issues(self, link_type: str, inward: str, outward: str) -> None:
        """Link two issues (``Duplicate``: ``inward`` duplicates ``outward``)."""
        body = {
            "type": {"name": link_type},
            "inwardIssue": {"key": inward},
            "outwardIssue": {"key": outward},
        }
        self._send("POST", "/issueLink", body)

    def get_issue_link(self, link_id: str) -> JSON:
        result: JSON = self._send("GET", f"/issueLink/{quote(str(link_id), safe='')}")
        return result
