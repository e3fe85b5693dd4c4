"""Azure DevOps work item calls: one method per operation of the contract (contracts/README.md)."""

# Auth is a personal access token sent as HTTP basic with an empty user name (ADO's own
# rule). Create and Update take a JSON Patch document, which ADO accepts only as
# ``application/json-patch+json``. WIQL and the batch read are POSTs that change nothing,
# so they are retried on a 5xx here (HttpClient retries only idempotent methods).
# Rate limits: a 429 carries ``Retry-After`` (HttpClient waits and retries); ADO may
# also send ``Retry-After`` on a *successful* response when it starts delaying a user,
# and asks clients to wait that long before the next request:
# https://learn.microsoft.com/azure/devops/integrate/concepts/rate-limits

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from ..log import get_logger
from .base import ApiClient
from .errors import HttpError, NetworkError
from .http import HttpClient, Response, parse_retry_after
from .secret import Secret, as_secret

log = get_logger("specweave_git.net")

DEFAULT_BASE_URL = "https://dev.azure.com"
API_VERSION = "7.1"
COMMENTS_API_VERSION = "7.1-preview.4"
JSON_PATCH = "application/json-patch+json"
BATCH_MAX = 200  # ids per workitemsbatch request (ADO's limit)
PAT_ENV = "AZURE_DEVOPS_PAT"
BASE_URL_ENV = "ADO_BASE_URL"

# A GitHub token must never be sent to Azure DevOps as a PAT by mistake.
_GITHUB_TOKEN = re.compile(r"\A(?:gh[pousr]_|github_pat_)")

JSON = dict[str, Any]
PatchOp = dict[str, Any]


def pat_from(token: Secret | str | None = None) -> Secret | None:
    """The PAT: ``$AZURE_DEVOPS_PAT``, else ``token`` unless it is a GitHub token."""
    env = as_secret(os.environ.get(PAT_ENV))
    if env is not None:
        return env
    given = as_secret(token)
    if given is not None and _GITHUB_TOKEN.match(given.reveal()):
        return None
    return given


def field_op(name: str, value: Any, op: str = "add") -> PatchOp:
    """``{"op": "add", "path": "/fields/System.Title", "value": ...}``."""
    return {"op": op, "path": f"/fields/{name}", "value": value}


class AdoClient(ApiClient):
    """Calls on one project, ``organization/project``, returning ADO's parsed JSON.

    The PAT comes from ``token`` or ``$AZURE_DEVOPS_PAT``; the service from ``base_url``
    or ``$ADO_BASE_URL``, else dev.azure.com. ``client`` shares or instruments the HTTP
    client; ``http_options`` go to a new one (``sleep``, ``retries``, ``timeout``...).
    """

    def __init__(
        self,
        organization: str,
        project: str,
        token: Secret | str | None = None,
        base_url: str | None = None,
        client: HttpClient | None = None,
        **http_options: Any,
    ) -> None:
        self.organization = organization
        self.project = project
        self.token = pat_from(token)
        self.base_url = (base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")
        self._sleep: Callable[[float], None] = http_options.get("sleep", time.sleep)
        self._clock: Callable[[], float] = http_options.get("clock", time.time)
        self.retries = int(http_options.get("retries", 4))
        self.max_wait = float(http_options.get("max_wait", 60.0))
        # Basic auth, empty user name: base64(":" + PAT). The Secret keeps it out of reprs.
        auth = Secret(":" + self.token.reveal()) if self.token else None
        self._connect(
            client,
            auth=auth,
            auth_scheme="Basic",
            headers={"Accept": "application/json"},
            http_options=http_options,
        )
        self._pause_until = 0.0

    @property
    def full_name(self) -> str:
        return f"{self.organization}/{self.project}"

    def _path(self, *parts: str | int) -> str:
        base = f"/{quote(self.organization, safe='')}/{quote(self.project, safe='')}/_apis/wit"
        return "/".join([base, *(str(p) for p in parts)])

    def work_item_url(self, ident: int) -> str:
        """The API URL of a work item, as relations name it."""
        return f"{self.base_url}{self._path('workItems', ident)}"

    def web_url(self, ident: int) -> str:
        org, project = quote(self.organization, safe=""), quote(self.project, safe="")
        return f"{self.base_url}/{org}/{project}/_workitems/edit/{ident}"

    # -- sending ------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        content_type: str | None = None,
        api_version: str = API_VERSION,
        safe: bool = False,
    ) -> Any:
        query = {"api-version": api_version, **(params or {})}
        headers = {"Content-Type": content_type} if content_type else None
        attempt = 0
        while True:
            self._wait_if_asked()
            try:
                resp = self.http.request(method, path, params=query, json=body, headers=headers)
            except (HttpError, NetworkError) as e:
                # A read sent as POST (WIQL, batch) is as safe to repeat as a GET.
                server_side = isinstance(e, NetworkError) or e.status >= 500
                if not (safe and server_side and attempt < self.retries):
                    raise
                self._pause(min(30.0, 0.5 * 2.0**attempt), count=True)
                attempt += 1
                continue
            self._note_retry_after(resp)
            return resp.json()

    def _note_retry_after(self, resp: Response) -> None:
        value = resp.headers.get("retry-after")
        if value is None:
            return
        wait = parse_retry_after(value, self._clock())
        if wait:
            log.info(
                "Azure DevOps is delaying requests (%s); pausing %.1f s before the next",
                resp.headers.get("x-ratelimit-resource", "rate limit"),
                min(wait, self.max_wait),
            )
            self._pause_until = max(self._pause_until, self._clock() + min(wait, self.max_wait))

    def _wait_if_asked(self) -> None:
        left = self._pause_until - self._clock()
        if left > 0:
            self._pause(left, count=False)
        self._pause_until = 0.0

    def _pause(self, seconds: float, *, count: bool) -> None:
        if count:
            self.http.stats.retries += 1
        self.http.stats.slept += seconds
        self._sleep(seconds)

    # -- work items ---------------------------------------------------------------------

    def create_work_item(self, work_item_type: str, ops: Sequence[PatchOp]) -> JSON:
        """POST ``.../workitems/$Type`` with a JSON Patch document."""
        path = self._path("workitems", "$" + quote(work_item_type, safe=""))
        result: JSON = self._send("POST", path, body=list(ops), content_type=JSON_PATCH)
        return result

    def update_work_item(self, ident: int, ops: Sequence[PatchOp]) -> JSON:
        """PATCH a work item; put ``{"op": "test", "path": "/rev", ...}`` first to refuse
        overwriting a change made since it was read."""
        path = self._path("workitems", ident)
        result: JSON = self._send("PATCH", path, body=list(ops), content_type=JSON_PATCH)
        return result

    def get_work_item(self, ident: int, *, expand: str | None = "relations") -> JSON:
        params = {"$expand": expand} if expand else None
        result: JSON = self._send("GET", self._path("workitems", ident), params=params)
        return result

    def list_work_items(self, ids: Iterable[int], *, expand: str | None = None) -> list[JSON]:
        """GET ``.../workitems?ids=1,2,3`` (at most 200 ids)."""
        params: dict[str, Any] = {"ids": ",".join(str(i) for i in ids)}
        if expand:
            params["$expand"] = expand
        data = self._send("GET", self._path("workitems"), params=params)
        return list((data or {}).get("value") or [])

    def get_work_items_batch(
        self,
        ids: Sequence[int],
        *,
        fields: Sequence[str] | None = None,
        expand: str | None = None,
    ) -> list[JSON]:
        """Work items by id, ``BATCH_MAX`` per request (ADO refuses ``fields`` with
        ``$expand``: pass one of them). Items deleted meanwhile are left out."""
        out: list[JSON] = []
        for start in range(0, len(ids), BATCH_MAX):
            body: JSON = {"ids": list(ids[start : start + BATCH_MAX]), "errorPolicy": "omit"}
            if fields:
                body["fields"] = list(fields)
            if expand:
                body["$expand"] = expand
            data = self._send("POST", self._path("workitemsbatch"), body=body, safe=True)
            out += [w for w in (data or {}).get("value") or [] if isinstance(w, dict)]
        return out

    def query_wiql(
        self, query: str, *, time_precision: bool = True, top: int | None = None
    ) -> JSON:
        """A flat WIQL query in the project: ``{"asOf": ..., "workItems": [{"id": ..}]}``."""
        params: dict[str, Any] = {"timePrecision": time_precision}
        if top is not None:
            params["$top"] = top
        result: JSON = self._send(
            "POST", self._path("wiql"), body={"query": query}, params=params, safe=True
        )
        return result

    def add_comment(self, ident: int, text: str) -> JSON:
        path = self._path("workItems", ident, "comments")
        result: JSON = self._send(
            "POST", path, body={"text": text}, api_version=COMMENTS_API_VERSION
        )
        return result
