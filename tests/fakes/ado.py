"""FakeAdo: a stateful Azure DevOps work item server over loopback, contract-validated."""

# Every request is validated against contracts/ado-wit.openapi.json first (a create or
# update sent as application/json, a missing api-version: 400 and kept in ``invalid``).
# Then: PAT basic auth (401 without it or with a wrong one, as the API answers a client
# that sends credentials), the project's process rules (ado_state), WIQL (ado_wiql), and
# ADO's rate limiting: ``throttle_next`` answers 429 with Retry-After and X-RateLimit-*
# (TF400733), ``pace_next`` delays successful answers with Retry-After, which a client
# must honour before its next request. Other faults come from ``fake.server``.

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import ado_wiql
from .ado_state import AdoError, AdoState
from .base import FakeService
from .server import Reply, Request

if TYPE_CHECKING:
    from specweave_git.net.ado import AdoClient

JSON = dict[str, Any]
Route = tuple[str, "re.Pattern[str]", Callable[..., Reply]]

WIQL_LIMIT = 20000
BATCH_LIMIT = 200


def _error(e: AdoError) -> Reply:
    return Reply(e.status, e.body)


class FakeAdo(AdoState, FakeService):
    """An Azure DevOps organization with projects of the given processes, on ``self.url``."""

    def __init__(
        self,
        organization: str = "acme",
        projects: dict[str, str] | None = None,
        *,
        pat: str = "fakepat7q2x5k9m3w8z4c6v1b0n2h7j5g3f9d4s1a8p6o2i4u7y",
        seed: int = 0,
        validate_responses: bool = False,
    ) -> None:
        self.pat = pat
        self._serve("ado-wit.openapi.json", self._handle, seed=seed, validate=validate_responses)
        self.rate_limit = 200.0  # TSTUs, as X-RateLimit-Limit reports them
        self._pace: list[str] = []
        self._init_state(organization, projects or {"widgets": "Agile"})
        self._routes = self._build_routes()

    # -- test helpers -------------------------------------------------------------------

    @property
    def writes(self) -> int:
        return sum(1 for r in self.requests if r.method in ("POST", "PATCH") and _writes(r.path))

    def env(self) -> dict[str, str]:
        return {"ADO_BASE_URL": self.url, "AZURE_DEVOPS_PAT": self.pat}

    def client(self, project: str = "widgets", **http_options: Any) -> AdoClient:
        """An AdoClient wired to this fake; sleeps are recorded in ``self.sleeps``."""
        from specweave_git.net.ado import AdoClient

        http_options.setdefault("sleep", self.sleeps.append)
        return AdoClient(self.organization, project, self.pat, base_url=self.url, **http_options)

    def throttle_next(
        self, n: int = 1, *, retry_after: str = "1", match: str | None = None
    ) -> None:
        """The next ``n`` (matching) requests are blocked: 429, Retry-After, X-RateLimit-*."""
        body = {
            "$id": "1",
            "innerException": None,
            "message": "TF400733: The request has been canceled: Request was blocked due to "
            "exceeding usage of resource 'WorkItemTrackingResource' in namespace 'User'.",
            "typeName": "Microsoft.TeamFoundation.Framework.Server.RequestBlockedException",
            "typeKey": "RequestBlockedException",
            "errorCode": 0,
            "eventId": 3000,
        }
        headers = {**self._rate_headers(remaining=0, delay=0.0), "Retry-After": retry_after}
        self.server.fail_next(n, 429, body=body, headers=headers, match=match)

    def pace_next(self, n: int = 1, *, retry_after: str = "2") -> None:
        """The next ``n`` successful answers carry Retry-After: ADO is delaying this user."""
        self._pace += [retry_after] * n

    def _rate_headers(self, *, remaining: float, delay: float) -> dict[str, str]:
        return {
            "X-RateLimit-Resource": "WorkItemTrackingResource",
            "X-RateLimit-Delay": f"{delay:.3f}",
            "X-RateLimit-Limit": f"{self.rate_limit:.0f}",
            "X-RateLimit-Remaining": f"{remaining:.0f}",
            "X-RateLimit-Reset": str(int(time.time()) + 300),
        }

    # -- dispatch -----------------------------------------------------------------------

    def _build_routes(self) -> list[Route]:
        base = r"/(?P<org>[^/]+)/(?P<project>[^/]+)(?:/[^/]+)?/_apis/wit"
        table: list[tuple[str, str, Callable[..., Reply]]] = [
            ("POST", r"/workitems/\$(?P<type>[^/]+)", self._create),
            ("GET", r"/workitems/(?P<id>\d+)", self._get),
            ("PATCH", r"/workitems/(?P<id>\d+)", self._update),
            ("GET", r"/workitems", self._list),
            ("POST", r"/workitemsbatch", self._batch),
            ("POST", r"/wiql", self._wiql),
            ("POST", r"/workitems/(?P<id>\d+)/comments", self._comment),
        ]
        return [(m, re.compile(base + p, re.IGNORECASE), f) for m, p, f in table]

    def _handle(self, req: Request) -> Reply:
        from urllib.parse import unquote

        with self._lock:
            problem = self._auth_problem(req)
            if problem is not None:
                return problem
            path = unquote(req.path)
            for method, pattern, func in self._routes:
                m = pattern.fullmatch(path)
                if m and method == req.method:
                    params = m.groupdict()
                    if params["org"] != self.organization or params["project"] not in self.projects:
                        return _error(
                            AdoError(
                                404,
                                "TF200016: The following project does not exist: "
                                f"{params['project']}.",
                                "ProjectDoesNotExistException",
                            )
                        )
                    try:
                        reply = func(req, **params)
                    except AdoError as e:
                        return _error(e)
                    if self._pace and reply.status < 300:
                        wait = self._pace.pop(0)
                        reply.headers.update(self._rate_headers(remaining=0, delay=float(wait)))
                        reply.headers["Retry-After"] = wait
                    return reply
            return Reply(404, {"message": f"No route for {req.method} {path}"})

    def _auth_problem(self, req: Request) -> Reply | None:
        auth = req.headers.get("authorization", "")
        scheme, _, given = auth.partition(" ")
        secret = ""
        if scheme.lower() == "basic":
            try:
                secret = base64.b64decode(given).decode().partition(":")[2]
            except ValueError:
                secret = ""
        if secret and secret == self.pat:
            return None
        # What ADO's API answers a request without valid credentials.
        body = {
            "$id": "1",
            "innerException": None,
            "message": "TF400813: The user '' is not authorized to access this resource.",
            "typeName": "Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException",
            "typeKey": "UnauthorizedRequestException",
            "errorCode": 0,
            "eventId": 3000,
        }
        return Reply(401, body, {"WWW-Authenticate": 'Basic realm="https://dev.azure.com/"'})

    # -- work items ---------------------------------------------------------------------

    def _item_in(self, project: str, ident: str) -> JSON:
        item = self.get(int(ident))
        if item["project"] != project:
            self.get(-1)  # ADO: not visible from another project's URL
        return item

    def _create(self, req: Request, org: str, project: str, type: str) -> Reply:
        item = self.create(project, type, list(req.json or []))
        return Reply(200, self.view(item, req.arg("$expand"), written=True))

    def _get(self, req: Request, org: str, project: str, id: str) -> Reply:
        return Reply(200, self.view(self._item_in(project, id), req.arg("$expand")))

    def _update(self, req: Request, org: str, project: str, id: str) -> Reply:
        self._item_in(project, id)
        item = self.update(int(id), list(req.json or []))
        return Reply(200, self.view(item, req.arg("$expand"), written=True))

    def _list(self, req: Request, org: str, project: str) -> Reply:
        ids = [int(i) for i in (req.arg("ids") or "").split(",") if i.strip().isdigit()]
        fields = [f for f in (req.arg("fields") or "").split(",") if f] or None
        return self._items(project, ids, req.arg("$expand"), fields, req.arg("errorPolicy"))

    def _batch(self, req: Request, org: str, project: str) -> Reply:
        body = req.json or {}
        ids = [int(i) for i in body.get("ids") or []]
        if not ids or len(ids) > BATCH_LIMIT:
            raise AdoError(
                400,
                f"VS402335: The number of IDs must be between 1 and {BATCH_LIMIT}.",
                "ArgumentException",
            )
        if body.get("fields") and body.get("$expand") not in (None, "none"):
            raise AdoError(
                400,
                "The expand parameter can not be used with the fields parameter.",
                "ArgumentException",
            )
        return self._items(
            project, ids, body.get("$expand"), body.get("fields"), body.get("errorPolicy")
        )

    def _items(
        self,
        project: str,
        ids: list[int],
        expand: str | None,
        fields: list[str] | None,
        policy: str | None,
    ) -> Reply:
        out = []
        for ident in ids:
            item = self.items.get(ident)
            if item is None or item["project"] != project:
                if (policy or "fail").lower() != "omit":
                    self.get(-ident if ident else -1)
                continue  # ADO answers null in its place; left out here
            out.append(self.view(item, expand, fields))
        return Reply(200, {"count": len(out), "value": out})

    def _wiql(self, req: Request, org: str, project: str) -> Reply:
        precise = (req.arg("timePrecision") or "false").lower() == "true"
        query = ado_wiql.parse(
            str((req.json or {}).get("query") or ""), project, time_precision=precise
        )
        as_of = self.now()
        items = [i for i in self.items.values() if i["project"] == project]
        ids = ado_wiql.run(query, items, time_precision=precise)
        if len(ids) > WIQL_LIMIT:
            raise AdoError(
                400,
                "VS402337: The number of work items returned exceeds the size limit of "
                f"{WIQL_LIMIT}.",
                "WorkItemTrackingQueryResultSizeLimitExceededException",
            )
        top = req.arg("$top")
        if top and top.isdigit():
            ids = ids[: int(top)]
        fields_url = f"{self.url}/{self.organization}/_apis/wit/fields"
        return Reply(
            200,
            {
                "queryType": "flat",
                "queryResultType": "workItem",
                "asOf": as_of,
                "columns": [
                    {"referenceName": c, "name": c.rsplit(".", 1)[-1], "url": f"{fields_url}/{c}"}
                    for c in query.columns
                ],
                "sortColumns": [],
                "workItems": [{"id": i, "url": self.api_url(i)} for i in ids],
            },
        )

    def _comment(self, req: Request, org: str, project: str, id: str) -> Reply:
        item = self._item_in(project, id)
        text = str((req.json or {}).get("text") or "")
        comments = self.comments.setdefault(item["id"], [])
        now = self.now()
        comment = {
            "workItemId": item["id"],
            "commentId": len(comments) + 1,
            "version": 1,
            "text": text,
            "createdBy": dict(self.user),
            "createdDate": now,
            "modifiedBy": dict(self.user),
            "modifiedDate": now,
            "isDeleted": False,
            "url": f"{self.api_url(item['id'])}/comments/{len(comments) + 1}",
        }
        comments.append(comment)
        item["fields"]["System.CommentCount"] = len(comments)
        return Reply(200, comment)


def _writes(path: str) -> bool:
    low = path.lower()
    return not (low.endswith("/wiql") or low.endswith("/workitemsbatch"))
