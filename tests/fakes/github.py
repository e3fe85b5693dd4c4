"""FakeGitHub: a stateful GitHub REST server over loopback, contract-validated."""

# State: issues and pull requests (one number sequence), comments, labels, milestones,
# check runs, PR files. Behaviour a client must cope with: pagination with ``Link``,
# ETag/304, ``x-ratelimit-*`` headers and an exhaustible limit, a read-only token that
# gets 403 on writes, 401 on a wrong token. Faults come from ``fake.server`` (see server.py).

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from . import github_search, github_shapes
from .base import FakeService
from .github_state import GitHubState
from .server import Reply, Request

if TYPE_CHECKING:
    from specweave_git.net.github import GitHubClient

JSON = dict[str, Any]
DOCS = "https://docs.github.com/rest"

Route = tuple[str, "re.Pattern[str]", Callable[..., Reply]]


def _error(status: int, message: str, **extra: Any) -> Reply:
    return Reply(
        status, {"message": message, "documentation_url": DOCS, "status": str(status), **extra}
    )


def _invalid(resource: str, field: str, code: str) -> Reply:
    errors = [{"resource": resource, "field": field, "code": code}]
    return _error(422, "Validation Failed", errors=errors)


class FakeGitHub(GitHubState, FakeService):
    """A GitHub for one repository, ``owner/repo``, answering on ``self.url``."""

    def __init__(
        self,
        owner: str = "acme",
        repo: str = "widgets",
        *,
        token: str = "ghs_FakeToken0123456789abcdefXYZ",
        login: str = "github-actions[bot]",
        read_only: bool = False,
        rate_limit: int = 5000,
        seed: int = 0,
        validate_responses: bool = False,
    ) -> None:
        self.owner, self.repo, self.token, self.login = owner, repo, token, login
        self.read_only = read_only
        self.rate_limit, self.rate_remaining = rate_limit, rate_limit
        self.rate_reset = int(time.time()) + 3600
        self._serve("github.openapi.json", self._handle, seed=seed, validate=validate_responses)
        self._init_state(owner, repo)
        self._routes = self._build_routes()

    # -- test helpers -------------------------------------------------------------------------

    @property
    def writes(self) -> int:
        return sum(1 for r in self.requests if r.method not in ("GET", "HEAD"))

    def env(self) -> dict[str, str]:
        """Variables that point the CLI (or Actions code) at this fake."""
        return {
            "GITHUB_API_URL": self.url,
            "GITHUB_TOKEN": self.token,
            "GITHUB_REPOSITORY": f"{self.owner}/{self.repo}",
        }

    def client(self, **http_options: Any) -> GitHubClient:
        """A GitHubClient wired to this fake; sleeps are recorded in ``self.sleeps``."""
        from specweave_git.net.github import GitHubClient

        http_options.setdefault("sleep", self.sleeps.append)
        return GitHubClient(self.owner, self.repo, self.token, base_url=self.url, **http_options)

    # -- dispatch -----------------------------------------------------------------------------

    def _build_routes(self) -> list[Route]:
        repo = rf"/repos/{re.escape(self.owner)}/{re.escape(self.repo)}"
        table: list[tuple[str, str, Callable[..., Reply]]] = [
            ("GET", "", self._get_repo),
            ("POST", "/issues", self._create_issue),
            ("GET", "/issues", self._list_issues),
            ("GET", r"/issues/(\d+)", self._get_issue),
            ("PATCH", r"/issues/(\d+)", self._update_issue),
            ("GET", r"/issues/(\d+)/comments", self._list_comments),
            ("POST", r"/issues/(\d+)/comments", self._create_comment),
            ("PATCH", r"/issues/comments/(\d+)", self._update_comment),
            ("DELETE", r"/issues/comments/(\d+)", self._delete_comment),
            ("POST", r"/issues/(\d+)/labels", self._add_labels),
            ("DELETE", r"/issues/(\d+)/labels/([^/]+)", self._remove_label),
            ("POST", "/milestones", self._create_milestone),
            ("GET", "/milestones", self._list_milestones),
            ("PATCH", r"/milestones/(\d+)", self._update_milestone),
            ("POST", "/labels", self._create_label),
            ("GET", "/labels", self._list_labels),
            ("GET", r"/pulls/(\d+)", self._get_pull),
            ("GET", r"/pulls/(\d+)/files", self._list_pull_files),
            ("POST", "/check-runs", self._create_check_run),
            ("PATCH", r"/check-runs/(\d+)", self._update_check_run),
        ]
        routes = [(m, re.compile(f"{repo}{p}"), f) for m, p, f in table]
        routes.append(("GET", re.compile("/search/issues"), self._search))
        routes.append(("GET", re.compile("/rate_limit"), self._get_rate_limit))
        return routes

    def _handle(self, req: Request) -> Reply:
        with self._lock:
            reply = self._dispatch(req)
            if req.method == "GET" and reply.status == 200:
                etag = '"' + hashlib.sha1(reply.encode()).hexdigest() + '"'
                reply.headers["ETag"] = etag
                if req.headers.get("if-none-match") == etag:
                    # GitHub does not charge a 304 to the rate limit.
                    self.rate_remaining += 1
                    reply = Reply(304, None, {"ETag": etag})
            reply.headers.update(self._rate_headers())
            return reply

    def _rate_headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.rate_limit),
            "x-ratelimit-remaining": str(self.rate_remaining),
            "x-ratelimit-reset": str(self.rate_reset),
            "x-ratelimit-used": str(self.rate_limit - self.rate_remaining),
            "x-ratelimit-resource": "core",
        }

    def _dispatch(self, req: Request) -> Reply:
        auth = req.headers.get("authorization", "")
        scheme, _, given = auth.partition(" ")
        write = req.method not in ("GET", "HEAD")
        if auth and (scheme.lower() not in ("bearer", "token") or given != self.token):
            return _error(401, "Bad credentials")
        if not auth and write:
            return _error(401, "Requires authentication")
        if req.path != "/rate_limit":
            if self.rate_remaining <= 0:
                return _error(
                    403, f"API rate limit exceeded for installation ID {self.repository['id']}."
                )
            self.rate_remaining -= 1
        if write and self.read_only:
            return _error(403, "Resource not accessible by integration")
        for method, pattern, func in self._routes:
            m = pattern.fullmatch(req.path)
            if m and method == req.method:
                return func(req, *m.groups())
        return _error(404, "Not Found")

    def _page(
        self, req: Request, items: list[JSON], wrap: Callable[[list[JSON]], Any] | None = None
    ) -> Reply:
        per_page = min(int(req.arg("per_page") or 30), 100)
        page = max(int(req.arg("page") or 1), 1)
        last = max(1, math.ceil(len(items) / per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        query = {k: v[0] for k, v in req.query.items() if k != "page"}

        def link(n: int) -> str:
            return f"<{self.url}{req.path}?{urlencode({**query, 'page': n})}>"

        rels = []
        if page < last:
            rels += [f'{link(page + 1)}; rel="next"', f'{link(last)}; rel="last"']
        if page > 1:
            rels += [f'{link(1)}; rel="first"', f'{link(page - 1)}; rel="prev"']
        headers = {"Link": ", ".join(rels)} if rels else {}
        return Reply(200, wrap(chunk) if wrap else chunk, headers)

    def _issue_or_404(self, number: str) -> JSON | None:
        return self.issues.get(int(number))

    # -- repository, rate limit, search ----------------------------------------------------

    def _get_repo(self, req: Request) -> Reply:
        open_count = sum(1 for i in self.issues.values() if i["state"] == "open")
        self.repository.update(open_issues=open_count, open_issues_count=open_count)
        return Reply(200, self.repository)

    def _get_rate_limit(self, req: Request) -> Reply:
        body = github_shapes.rate_limit(self.rate_limit, self.rate_remaining, self.rate_reset, 30)
        return Reply(200, body)

    def _search(self, req: Request) -> Reply:
        query = github_search.parse(req.arg("q") or "")
        full_name = f"{self.owner}/{self.repo}"
        found = [
            {**item, "score": 1.0}
            for item in sorted(self.issues.values(), key=lambda i: -i["number"])
            if github_search.matches(item, query, full_name=full_name)
        ]

        def wrap(chunk: list[JSON]) -> JSON:
            return {
                "total_count": len(found),
                "incomplete_results": False,
                "items": chunk,
                "search_type": "lexical",
            }

        return self._page(req, found, wrap)

    # -- issues -------------------------------------------------------------------------------

    def _create_issue(self, req: Request) -> Reply:
        data = req.json
        milestone = data.get("milestone")
        if milestone is not None and int(milestone) not in self.milestones:
            return _invalid("Issue", "milestone", "invalid")
        item = self.add_issue(
            data["title"],
            data.get("body"),
            labels=list(data.get("labels") or []),
            milestone=int(milestone) if milestone else None,
            login=self.login,
        )
        return Reply(201, item)

    def _list_issues(self, req: Request) -> Reply:
        state = req.arg("state", "open")
        wanted = [n.strip().lower() for n in (req.arg("labels") or "").split(",") if n.strip()]
        milestone = req.arg("milestone")
        since = req.arg("since")
        out = []
        for item in sorted(self.issues.values(), key=lambda i: -i["number"]):
            names = {lbl["name"].lower() for lbl in item["labels"]}
            ms = item["milestone"]
            if state != "all" and item["state"] != state:
                continue
            if any(n not in names for n in wanted):
                continue
            if milestone == "none" and ms is not None:
                continue
            if milestone == "*" and ms is None:
                continue
            if milestone not in (None, "*", "none") and (
                ms is None or str(ms["number"]) != milestone
            ):
                continue
            if since and item["updated_at"] < since:
                continue
            out.append(item)
        return self._page(req, out)

    def _get_issue(self, req: Request, number: str) -> Reply:
        item = self._issue_or_404(number)
        return Reply(200, item) if item else _error(404, "Not Found")

    def _update_issue(self, req: Request, number: str) -> Reply:
        item = self._issue_or_404(number)
        if item is None:
            return _error(404, "Not Found")
        data = req.json or {}
        for key in ("title", "body"):
            if key in data:
                item[key] = data[key]
        if "state" in data and data["state"] != item["state"]:
            self._set_state(item, data["state"], data.get("state_reason") or "completed")
        if "labels" in data:
            item["labels"] = [
                self._label(n if isinstance(n, str) else n["name"]) for n in data["labels"]
            ]
        if "milestone" in data:
            number_ = data["milestone"]
            if number_ is not None and int(number_) not in self.milestones:
                return _invalid("Issue", "milestone", "invalid")
            item["milestone"] = self.milestones[int(number_)] if number_ is not None else None
        if "assignees" in data:
            item["assignees"] = [self.user(login) for login in data["assignees"]]
            item["assignee"] = item["assignees"][0] if item["assignees"] else None
        item["updated_at"] = self._now()
        return Reply(200, item)

    # -- comments -----------------------------------------------------------------------------

    def _list_comments(self, req: Request, number: str) -> Reply:
        if self._issue_or_404(number) is None:
            return _error(404, "Not Found")
        since = req.arg("since")
        items = [c for c in self.comments_on(int(number)) if not since or c["updated_at"] >= since]
        return self._page(req, items)

    def _create_comment(self, req: Request, number: str) -> Reply:
        if self._issue_or_404(number) is None:
            return _error(404, "Not Found")
        body = req.json["body"]
        if len(body) > 65536:
            return _invalid("IssueComment", "body", "custom")
        return Reply(201, self.add_comment(int(number), body, login=self.login))

    def _update_comment(self, req: Request, ident: str) -> Reply:
        c = self.comments.get(int(ident))
        if c is None:
            return _error(404, "Not Found")
        if len(req.json["body"]) > 65536:
            return _invalid("IssueComment", "body", "custom")
        c["body"] = req.json["body"]
        c["updated_at"] = self._now()
        return Reply(200, c)

    def _delete_comment(self, req: Request, ident: str) -> Reply:
        if self.comments.pop(int(ident), None) is None:
            return _error(404, "Not Found")
        self.issues[self.comment_issue.pop(int(ident))]["comments"] -= 1
        return Reply(204)

    # -- labels and milestones ----------------------------------------------------------------

    def _add_labels(self, req: Request, number: str) -> Reply:
        item = self._issue_or_404(number)
        if item is None:
            return _error(404, "Not Found")
        data = req.json
        names = data.get("labels", []) if isinstance(data, dict) else data
        have = {lbl["name"].lower() for lbl in item["labels"]}
        for n in names:
            name = n if isinstance(n, str) else n["name"]
            if name.lower() not in have:
                item["labels"].append(self._label(name))
                have.add(name.lower())
        return Reply(200, item["labels"])

    def _remove_label(self, req: Request, number: str, name: str) -> Reply:
        from urllib.parse import unquote

        item = self._issue_or_404(number)
        if item is None:
            return _error(404, "Not Found")
        wanted = unquote(name).lower()
        kept = [lbl for lbl in item["labels"] if lbl["name"].lower() != wanted]
        if len(kept) == len(item["labels"]):
            return _error(404, "Label does not exist")
        item["labels"] = kept
        return Reply(200, kept)

    def _create_label(self, req: Request) -> Reply:
        data = req.json
        if data["name"].lower() in self.labels:
            return _invalid("Label", "name", "already_exists")
        lbl = self.add_label(data["name"], data.get("color", "ededed"), data.get("description"))
        return Reply(201, lbl)

    def _list_labels(self, req: Request) -> Reply:
        return self._page(req, list(self.labels.values()))

    def _create_milestone(self, req: Request) -> Reply:
        data = req.json
        if any(m["title"] == data["title"] for m in self.milestones.values()):
            return _invalid("Milestone", "title", "already_exists")
        ms = self.add_milestone(
            data["title"], state=data.get("state", "open"), description=data.get("description")
        )
        ms["due_on"] = data.get("due_on")
        return Reply(201, ms)

    def _list_milestones(self, req: Request) -> Reply:
        state = req.arg("state", "open")
        items = [m for m in self.milestones.values() if state == "all" or m["state"] == state]
        return self._page(req, items)

    def _update_milestone(self, req: Request, number: str) -> Reply:
        ms = self.milestones.get(int(number))
        if ms is None:
            return _error(404, "Not Found")
        for key in ("title", "state", "description", "due_on"):
            if key in req.json:
                ms[key] = req.json[key]
        ms["closed_at"] = self._now() if ms["state"] == "closed" else None
        ms["updated_at"] = self._now()
        return Reply(200, ms)

    # -- pulls and checks ---------------------------------------------------------------------

    def _get_pull(self, req: Request, number: str) -> Reply:
        pr = self.pulls.get(int(number))
        return Reply(200, pr) if pr else _error(404, "Not Found")

    def _list_pull_files(self, req: Request, number: str) -> Reply:
        if int(number) not in self.pulls:
            return _error(404, "Not Found")
        return self._page(req, self.pull_files[int(number)])

    def _create_check_run(self, req: Request) -> Reply:
        data = req.json
        run = github_shapes.check_run(
            self.repository, next(self._ids), data["name"], data["head_sha"]
        )
        self._apply_check(run, data)
        self.check_runs[run["id"]] = run
        return Reply(201, run)

    def _update_check_run(self, req: Request, ident: str) -> Reply:
        run = self.check_runs.get(int(ident))
        if run is None:
            return _error(404, "Not Found")
        self._apply_check(run, req.json)
        return Reply(200, run)

    def _apply_check(self, run: JSON, data: JSON) -> None:
        for key in ("name", "details_url", "external_id", "status", "conclusion", "started_at"):
            if key in data:
                run[key] = data[key]
        if "conclusion" in data and "status" not in data:
            run["status"] = "completed"  # GitHub: a conclusion completes the run
        if run["status"] == "completed" and not run["completed_at"]:
            run["completed_at"] = data.get("completed_at") or self._now()
        output = data.get("output")
        if output:
            run["output"].update(
                {k: output.get(k) for k in ("title", "summary", "text") if k in output}
            )
            run["output"]["annotations_count"] += len(output.get("annotations") or [])
