"""FakeJira: a stateful JIRA Cloud REST v3 server over loopback, contract-validated."""

# State lives in jira_state.py, JQL in jira_jql.py. Behaviour a client must cope with:
# Basic auth (401 without or with a wrong pair), nextPageToken pagination, a workflow
# whose transitions are the only way to change a status, ADF-only descriptions and
# comments, the retired /rest/api/3/search (410), and the faults of ContractServer
# (``fake.server.rate_limit_next`` answers 429 + Retry-After). Timestamps are RFC 3339.

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import jira_jql
from .base import FakeService
from .jira_state import JiraState, adf_text
from .server import Reply, Request

if TYPE_CHECKING:
    from specweave_git.net.jira import JiraClient

JSON = dict[str, Any]
API = "/rest/api/3"
Route = tuple[str, "re.Pattern[str]", Callable[..., Reply]]
EDITABLE = {"summary", "description", "labels", "parent"}


def _error(status: int, *messages: str, **errors: str) -> Reply:
    return Reply(status, {"errorMessages": list(messages), "errors": errors})


def _is_doc(value: Any) -> bool:
    return isinstance(value, dict) and value.get("type") == "doc" and value.get("version") == 1


class FakeJira(JiraState, FakeService):
    """A JIRA site with one project, answering on ``self.url``."""

    def __init__(
        self,
        project: str = "PROJ",
        *,
        email: str = "bot@example.com",
        token: str = "ATATT3xFfGF0FakeJiraApiToken0123456789abcdef",
        zone: str = "UTC",
        seed: int = 0,
        validate_responses: bool = True,
    ) -> None:
        self.email, self.token = email, token
        self._serve("jira.openapi.json", self._handle, seed=seed, validate=validate_responses)
        self._init_state(project, zone)
        self._routes = self._build_routes()

    # -- test helpers -------------------------------------------------------------------------

    @property
    def writes(self) -> int:
        return sum(
            1 for r in self.requests if r.method not in ("GET", "HEAD") and "/search" not in r.path
        )

    @property
    def basic(self) -> str:
        """The Authorization value a client must send (for leak checks)."""
        return base64.b64encode(f"{self.email}:{self.token}".encode()).decode()

    def env(self) -> dict[str, str]:
        return {"JIRA_BASE_URL": self.url, "JIRA_EMAIL": self.email, "JIRA_API_TOKEN": self.token}

    def client(self, **http_options: Any) -> JiraClient:
        from specweave_git.net.jira import JiraClient

        http_options.setdefault("sleep", self.sleeps.append)
        return JiraClient(email=self.email, token=self.token, base_url=self.url, **http_options)

    def by_marker(self) -> dict[str, list[str]]:
        """SpecWeave key -> keys of the issues whose description carries its marker."""
        out: dict[str, list[str]] = {}
        for issue in self.issues.values():
            m = re.search(r"specweave:(\S+)", adf_text(issue["fields"]["description"] or ""))
            if m and "specweave" in issue["fields"]["labels"]:
                out.setdefault(m.group(1), []).append(issue["key"])
        return out

    # -- dispatch -----------------------------------------------------------------------------

    def _build_routes(self) -> list[Route]:
        issue = r"/issue/([^/]+)"
        table: list[tuple[str, str, Callable[..., Reply]]] = [
            ("GET", "/myself", self._myself),
            ("POST", "/issue", self._create_issue),
            ("GET", issue, self._get_issue),
            ("PUT", issue, self._edit_issue),
            ("GET", issue + "/transitions", self._get_transitions),
            ("POST", issue + "/transitions", self._do_transition),
            ("GET", issue + "/comment", self._get_comments),
            ("POST", issue + "/comment", self._add_comment),
            ("GET", "/search/jql", self._search),
            ("POST", "/search/jql", self._search),
            ("GET", "/search", self._retired),
            ("POST", "/search", self._retired),
            ("POST", "/issueLink", self._link),
            ("GET", r"/issueLink/([^/]+)", self._get_link),
        ]
        return [(m, re.compile(API + p), f) for m, p, f in table]

    def _handle(self, req: Request) -> Reply:
        auth = req.headers.get("authorization", "")
        scheme, _, given = auth.partition(" ")
        if scheme.lower() != "basic" or given != self.basic:
            return _error(401, "Client must be authenticated to access this resource.")
        with self._lock:
            for method, pattern, func in self._routes:
                m = pattern.fullmatch(req.path)
                if m and method == req.method:
                    return func(req, *m.groups())
        return _error(404, "Not Found")

    def _view(self, issue: JSON, fields: list[str] | None, expand: str = "") -> JSON:
        """The issue with only the asked ``fields`` (all for ``*all`` or none asked)."""
        out: JSON = {k: issue[k] for k in ("id", "key", "self", "expand")}
        if fields is None or "*all" in fields or "*navigable" in fields:
            out["fields"] = dict(issue["fields"])
        else:
            out["fields"] = {k: v for k, v in issue["fields"].items() if k in fields}
        if "transitions" in expand.split(","):
            out["transitions"] = self.transitions_from(issue["fields"]["status"]["name"])
        return out

    @staticmethod
    def _fields_arg(values: Any) -> list[str] | None:
        if values is None:
            return None
        items = values if isinstance(values, list) else [values]
        return [f.strip() for v in items for f in str(v).split(",") if f.strip()]

    # -- user, search -------------------------------------------------------------------------

    def _myself(self, req: Request) -> Reply:
        return Reply(
            200, {**self.user, "emailAddress": self.email, "timeZone": self.zone, "locale": "en_US"}
        )

    def _retired(self, req: Request) -> Reply:
        return _error(410, "The requested API has been removed. Please use /rest/api/3/search/jql.")

    def _search(self, req: Request) -> Reply:
        body = (req.json or {}) if req.method == "POST" else {}
        jql = body.get("jql") if req.method == "POST" else req.arg("jql")
        token = body.get("nextPageToken") if req.method == "POST" else req.arg("nextPageToken")
        fields = self._fields_arg(
            body.get("fields") if req.method == "POST" else req.query.get("fields")
        )
        size = int(
            (body.get("maxResults") if req.method == "POST" else req.arg("maxResults")) or 50
        )
        size = max(1, min(size, 5000 if fields in (None, ["id"]) else 100))
        try:
            query = jira_jql.parse(jql or "")
            now = self.clock()
            found = [
                issue
                for issue in self.issues.values()
                if all(
                    jira_jql.matches(
                        issue, c, zone=self.zone, now=now,
                        comments=" ".join(self.comment_texts(issue["key"])),
                    )
                    for c in query.clauses
                )
            ]  # fmt: skip
            found.sort(key=jira_jql.sort_key(query.order))
        except jira_jql.JqlError as e:
            return _error(400, str(e))
        start = int(base64.b64decode(token).decode()) if token else 0
        page = found[start : start + size]
        out: JSON = {
            "issues": [self._view(i, fields or ["id"]) for i in page],
            "isLast": start + size >= len(found),
        }
        if not out["isLast"]:
            out["nextPageToken"] = base64.b64encode(str(start + size).encode()).decode()
        return Reply(200, out)

    # -- issues -------------------------------------------------------------------------------

    def _check_fields(self, fields: JSON, issue_type: JSON) -> Reply | None:
        if "summary" in fields and not str(fields["summary"] or "").strip():
            return _error(400, summary="You must specify a summary of the issue.")
        if (
            "description" in fields
            and fields["description"] is not None
            and not _is_doc(fields["description"])
        ):
            return _error(
                400,
                description="Operation value must be an Atlassian Document",
            )
        for label in fields.get("labels") or []:
            if not isinstance(label, str) or " " in label or not label:
                return _error(400, labels=f"The label '{label}' contains spaces which is invalid.")
        parent = fields.get("parent")
        if parent is not None:
            target = self.issue(str(parent.get("key") or parent.get("id") or ""))
            if target is None:
                return _error(400, parent="Could not find issue by id or key.")
            if target["fields"]["issuetype"]["hierarchyLevel"] <= issue_type["hierarchyLevel"]:
                return _error(
                    400, parent="Given parent work item does not belong to appropriate hierarchy."
                )
        unknown = set(fields) - EDITABLE - {"project", "issuetype"}
        if unknown:
            return _error(
                400,
                **{
                    u: f"Field '{u}' cannot be set. It is not on the appropriate screen."
                    for u in sorted(unknown)
                },
            )
        return None

    def _create_issue(self, req: Request) -> Reply:
        fields = (req.json or {}).get("fields") or {}
        project = fields.get("project") or {}
        if project.get("key") != self.project_key and project.get("id") != self.project["id"]:
            return _error(400, project="valid project is required")
        kind = self.issue_types.get(
            str((fields.get("issuetype") or {}).get("name") or "").casefold()
        )
        if kind is None:
            return _error(400, issuetype="Specify a valid issue type")
        if "summary" not in fields:
            return _error(400, summary="You must specify a summary of the issue.")
        problem = self._check_fields(fields, kind)
        if problem is not None:
            return problem
        parent = fields.get("parent")
        issue = self.add_issue(
            fields["summary"],
            issue_type=kind["name"],
            description=fields.get("description"),
            labels=list(fields.get("labels") or []),
            parent=self.issue(str(parent.get("key") or parent.get("id")))["key"]
            if parent
            else None,
        )
        return Reply(201, {"id": issue["id"], "key": issue["key"], "self": issue["self"]})

    def _get_issue(self, req: Request, ident: str) -> Reply:
        issue = self.issue(ident)
        if issue is None:
            return _error(404, "Issue does not exist or you do not have permission to see it.")
        return Reply(
            200,
            self._view(issue, self._fields_arg(req.query.get("fields")), req.arg("expand") or ""),
        )

    def _edit_issue(self, req: Request, ident: str) -> Reply:
        issue = self.issue(ident)
        if issue is None:
            return _error(404, "Issue does not exist or you do not have permission to see it.")
        data = req.json or {}
        fields = dict(data.get("fields") or {})
        update = data.get("update") or {}
        both = set(fields) & set(update)
        if both:
            return _error(400, **{b: "Field cannot be in both fields and update" for b in both})
        problem = self._check_fields(fields, issue["fields"]["issuetype"])
        if problem is not None:
            return problem
        for name, ops in update.items():
            if name != "labels":
                return _error(400, **{name: "Field does not support update operations here."})
            labels = list(issue["fields"]["labels"])
            for op in ops:
                if "set" in op:
                    labels = list(op["set"])
                if "add" in op and op["add"] not in labels:
                    labels.append(op["add"])
                if "remove" in op and op["remove"] in labels:
                    labels.remove(op["remove"])
            fields["labels"] = labels
        for name, value in fields.items():
            if name == "parent":
                self.set_parent(
                    issue,
                    self.issue(str(value.get("key") or value.get("id")))["key"] if value else None,
                )
            else:
                issue["fields"][name] = value
        self.touch(issue)
        if req.arg("returnIssue") == "true":
            return Reply(200, self._view(issue, None, req.arg("expand") or ""))
        return Reply(204)

    # -- transitions, comments, links ---------------------------------------------------------

    def _get_transitions(self, req: Request, ident: str) -> Reply:
        issue = self.issue(ident)
        if issue is None:
            return _error(404, "Issue does not exist or you do not have permission to see it.")
        return Reply(200, {"transitions": self.transitions_from(issue["fields"]["status"]["name"])})

    def _do_transition(self, req: Request, ident: str) -> Reply:
        issue = self.issue(ident)
        if issue is None:
            return _error(404, "Issue does not exist or you do not have permission to see it.")
        wanted = str(((req.json or {}).get("transition") or {}).get("id") or "")
        for t in self.transitions_from(issue["fields"]["status"]["name"]):
            if t["id"] == wanted:
                self.move(issue, t["to"]["name"])
                return Reply(204)
        return _error(400, f"Transition id '{wanted}' is not valid for this issue.")

    def _get_comments(self, req: Request, ident: str) -> Reply:
        issue = self.issue(ident)
        if issue is None:
            return _error(404, "Issue does not exist or you do not have permission to see it.")
        start = int(req.arg("startAt") or 0)
        size = min(int(req.arg("maxResults") or 50), 100)
        items = self.comments[issue["id"]]
        return Reply(
            200,
            {
                "startAt": start,
                "maxResults": size,
                "total": len(items),
                "comments": items[start : start + size],
            },
        )

    def _add_comment(self, req: Request, ident: str) -> Reply:
        issue = self.issue(ident)
        if issue is None:
            return _error(404, "Issue does not exist or you do not have permission to see it.")
        body = (req.json or {}).get("body")
        if not _is_doc(body):
            return _error(400, comment="Comment body must be an Atlassian Document.")
        return Reply(201, self.add_comment(issue, body))

    def _link(self, req: Request) -> Reply:
        data = req.json or {}
        inward = self.issue(str(data["inwardIssue"].get("key") or data["inwardIssue"].get("id")))
        outward = self.issue(str(data["outwardIssue"].get("key") or data["outwardIssue"].get("id")))
        if inward is None or outward is None:
            return _error(404, "Issue does not exist or you do not have permission to see it.")
        if data["type"].get("name") not in ("Duplicate", "Blocks", "Relates"):
            return _error(404, "No issue link type with name 'x' found.")
        self.add_link(data["type"]["name"], inward, outward)
        return Reply(201)

    def _get_link(self, req: Request, ident: str) -> Reply:
        link = self.links.get(ident)
        return Reply(200, link) if link else _error(404, "No issue link with id exists.")
