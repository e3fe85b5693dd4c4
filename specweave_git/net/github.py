"""GitHub REST calls: one method per operation of the contract (contracts/README.md)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from .base import ApiClient
from .http import HttpClient
from .secret import Secret, as_secret

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
PER_PAGE = 100

JSON = dict[str, Any]


def _drop_none(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


class GitHubClient(ApiClient):
    """Calls on one repository, ``owner/repo``, returning GitHub's parsed JSON.

    The token comes from ``token`` or ``$GITHUB_TOKEN``; the API from ``base_url`` or
    ``$GITHUB_API_URL`` (set by Actions, and on GitHub Enterprise Server), else
    api.github.com. Pass ``client`` to share or instrument the HTTP client (tests do).
    """

    def __init__(
        self,
        owner: str,
        repo: str,
        token: Secret | str | None = None,
        base_url: str | None = None,
        client: HttpClient | None = None,
        **http_options: Any,
    ) -> None:
        self.owner = owner
        self.repo = repo
        self.token = as_secret(token) or as_secret(os.environ.get("GITHUB_TOKEN"))
        self.base_url = (base_url or os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip(
            "/"
        )
        self._connect(
            client,
            auth=self.token,
            headers={"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION},
            http_options=http_options,
        )

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repo}"

    def _repo(self, *parts: str | int) -> str:
        tail = "/".join(str(p) for p in parts)
        base = f"/repos/{quote(self.owner, safe='')}/{quote(self.repo, safe='')}"
        return f"{base}/{tail}" if tail else base

    def _list(self, path: str, params: dict[str, Any] | None = None) -> list[JSON]:
        query = {**_drop_none(params or {}), "per_page": PER_PAGE}
        return list(self.http.paginate(path, params=query))

    def _send(self, method: str, path: str, body: Any = None) -> Any:
        return self.http.request(method, path, json=body).json()

    # -- repository -----------------------------------------------------------------------

    def get_repo(self) -> JSON:
        result: JSON = self._send("GET", self._repo())
        return result

    def rate_limit(self) -> JSON:
        result: JSON = self._send("GET", "/rate_limit")
        return result

    # -- issues ---------------------------------------------------------------------------

    def create_issue(
        self,
        title: str,
        body: str | None = None,
        *,
        labels: Sequence[str] | None = None,
        milestone: int | None = None,
        assignees: Sequence[str] | None = None,
    ) -> JSON:
        payload = _drop_none(
            {
                "title": title,
                "body": body,
                "labels": list(labels) if labels is not None else None,
                "milestone": milestone,
                "assignees": list(assignees) if assignees is not None else None,
            }
        )
        result: JSON = self._send("POST", self._repo("issues"), payload)
        return result

    def list_issues(
        self,
        *,
        state: str = "open",
        labels: Sequence[str] | None = None,
        milestone: str | int | None = None,
        since: str | None = None,
        include_pulls: bool = False,
    ) -> list[JSON]:
        """Issues of the repository; GitHub lists pull requests here too, dropped unless asked."""
        params = {
            "state": state,
            "labels": ",".join(labels) if labels else None,
            "milestone": milestone,
            "since": since,
        }
        items = self._list(self._repo("issues"), params)
        return items if include_pulls else [i for i in items if "pull_request" not in i]

    def get_issue(self, number: int) -> JSON:
        result: JSON = self._send("GET", self._repo("issues", number))
        return result

    def update_issue(self, number: int, **fields: Any) -> JSON:
        """PATCH the issue: ``title``, ``body``, ``state``, ``state_reason``, ``labels``,
        ``milestone`` (None clears it), ``assignees``."""
        result: JSON = self._send("PATCH", self._repo("issues", number), fields)
        return result

    # -- comments -------------------------------------------------------------------------

    def list_comments(self, issue_number: int, *, since: str | None = None) -> list[JSON]:
        return self._list(self._repo("issues", issue_number, "comments"), {"since": since})

    def create_comment(self, issue_number: int, body: str) -> JSON:
        path = self._repo("issues", issue_number, "comments")
        result: JSON = self._send("POST", path, {"body": body})
        return result

    def update_comment(self, comment_id: int, body: str) -> JSON:
        path = self._repo("issues", "comments", comment_id)
        result: JSON = self._send("PATCH", path, {"body": body})
        return result

    def delete_comment(self, comment_id: int) -> None:
        self.http.request("DELETE", self._repo("issues", "comments", comment_id))

    # -- labels ---------------------------------------------------------------------------

    def add_labels(self, issue_number: int, labels: Sequence[str]) -> list[JSON]:
        path = self._repo("issues", issue_number, "labels")
        result: list[JSON] = self._send("POST", path, {"labels": list(labels)})
        return result

    def remove_label(self, issue_number: int, name: str) -> list[JSON]:
        # Label names hold spaces, slashes and colons ("area/api", "status: done").
        path = self._repo("issues", issue_number, "labels", quote(name, safe=""))
        result: list[JSON] = self._send("DELETE", path)
        return result

    def create_label(
        self, name: str, color: str = "ededed", description: str | None = None
    ) -> JSON:
        payload = _drop_none({"name": name, "color": color.lstrip("#"), "description": description})
        result: JSON = self._send("POST", self._repo("labels"), payload)
        return result

    def list_labels(self) -> list[JSON]:
        return self._list(self._repo("labels"))

    # -- milestones -----------------------------------------------------------------------

    def create_milestone(
        self,
        title: str,
        *,
        state: str | None = None,
        description: str | None = None,
        due_on: str | None = None,
    ) -> JSON:
        payload = _drop_none(
            {"title": title, "state": state, "description": description, "due_on": due_on}
        )
        result: JSON = self._send("POST", self._repo("milestones"), payload)
        return result

    def list_milestones(self, *, state: str = "open") -> list[JSON]:
        return self._list(self._repo("milestones"), {"state": state})

    def update_milestone(self, number: int, **fields: Any) -> JSON:
        """PATCH the milestone: ``title``, ``state``, ``description``, ``due_on``."""
        result: JSON = self._send("PATCH", self._repo("milestones", number), fields)
        return result

    # -- pull requests --------------------------------------------------------------------

    def get_pull(self, number: int) -> JSON:
        result: JSON = self._send("GET", self._repo("pulls", number))
        return result

    def list_pull_files(self, number: int) -> list[JSON]:
        return self._list(self._repo("pulls", number, "files"))

    # -- search ---------------------------------------------------------------------------

    def search_issues(
        self, q: str, *, sort: str | None = None, order: str | None = None
    ) -> list[JSON]:
        """Every item matching ``q`` (GitHub caps a search at 1,000 results)."""
        params = {**_drop_none({"q": q, "sort": sort, "order": order}), "per_page": PER_PAGE}
        return list(self.http.paginate("/search/issues", params=params, items_key="items"))

    # -- checks ---------------------------------------------------------------------------

    def create_check_run(self, name: str, head_sha: str, **fields: Any) -> JSON:
        """POST a check run: ``status``, ``conclusion``, ``output``, ``details_url``..."""
        payload = {"name": name, "head_sha": head_sha, **fields}
        result: JSON = self._send("POST", self._repo("check-runs"), payload)
        return result

    def update_check_run(self, check_run_id: int, **fields: Any) -> JSON:
        result: JSON = self._send("PATCH", self._repo("check-runs", check_run_id), fields)
        return result
