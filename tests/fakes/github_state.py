"""The state behind FakeGitHub, and the helpers tests use to seed it (no HTTP here)."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from typing import Any

from . import github_shapes

JSON = dict[str, Any]
START = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


class GitHubState:
    """Issues and pull requests (one number sequence), comments, labels, milestones,
    check runs and PR files of one repository; GitHub-shaped JSON objects."""

    owner: str
    repo: str

    def _init_state(self, owner: str, repo: str) -> None:
        self._lock = threading.RLock()
        self._ids = itertools.count(1001)
        self._numbers = itertools.count(1)
        self._ticks = itertools.count(1)
        self.issues: dict[int, JSON] = {}
        self.pulls: dict[int, JSON] = {}
        self.pull_files: dict[int, list[JSON]] = {}
        self.comments: dict[int, JSON] = {}
        self.comment_issue: dict[int, int] = {}
        self.labels: dict[str, JSON] = {}  # by lower-cased name: GitHub's are case-blind
        self.milestones: dict[int, JSON] = {}
        self.check_runs: dict[int, JSON] = {}
        self._api = "https://api.github.example.test"
        self._web = "https://github.example.test"
        self._owner_user = github_shapes.user(self._api, owner, bot=False)
        self.repository = github_shapes.full_repository(
            self._api, self._web, self._owner_user, repo
        )

    def user(self, login: str) -> JSON:
        return github_shapes.user(self._api, login)

    def _now(self) -> str:
        stamp = START + dt.timedelta(seconds=next(self._ticks))
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")

    def add_label(self, name: str, color: str = "ededed", description: str | None = None) -> JSON:
        with self._lock:
            lbl = github_shapes.label(
                self.repository["url"], next(self._ids), name, color, description
            )
            self.labels[name.lower()] = lbl
            return lbl

    def _label(self, name: str) -> JSON:
        # GitHub creates a label that does not exist yet when it is put on an issue.
        return self.labels.get(name.lower()) or self.add_label(name)

    def add_milestone(
        self, title: str, *, state: str = "open", description: str | None = None
    ) -> JSON:
        with self._lock:
            number = len(self.milestones) + 1
            ms = github_shapes.milestone(
                self.repository["url"],
                self.repository["html_url"],
                next(self._ids),
                number,
                self._owner_user,
            )
            ms.update(title=title, state=state, description=description, created_at=self._now())
            ms["updated_at"] = ms["created_at"]
            self.milestones[number] = ms
            return ms

    def add_issue(
        self,
        title: str,
        body: str | None = None,
        *,
        labels: tuple[str, ...] | list[str] = (),
        milestone: int | None = None,
        state: str = "open",
        login: str = "octocat",
    ) -> JSON:
        with self._lock:
            number = next(self._numbers)
            item = github_shapes.issue(
                self.repository["url"],
                self.repository["html_url"],
                next(self._ids),
                number,
                self.user(login),
            )
            item.update(title=title, body=body, created_at=self._now())
            item["updated_at"] = item["created_at"]
            item["labels"] = [self._label(n) for n in labels]
            item["milestone"] = self.milestones[milestone] if milestone else None
            self.issues[number] = item
            if state == "closed":
                self._set_state(item, "closed", "completed")
            return item

    def add_pull(
        self,
        title: str = "A change",
        *,
        files: list[tuple[str, str, int, int]] | None = None,
        head_sha: str = "a" * 40,
        login: str = "contributor",
    ) -> JSON:
        """A pull request (and its issue, same number); files are (name, status, +, -)."""
        with self._lock:
            item = self.add_issue(title, login=login)
            number = item["number"]
            pr = github_shapes.pull(
                self._api,
                self._web,
                self.repository,
                number,
                next(self._ids),
                self.user(login),
                head_sha,
            )
            pr.update(title=title, created_at=item["created_at"], updated_at=item["updated_at"])
            item["pull_request"] = {
                "url": pr["url"],
                "html_url": pr["html_url"],
                "diff_url": pr["diff_url"],
                "patch_url": pr["patch_url"],
                "merged_at": None,
            }
            self.pulls[number] = pr
            entries = [github_shapes.diff_entry(self.repository, *f) for f in files or []]
            self.pull_files[number] = entries
            pr["changed_files"] = len(entries)
            return pr

    def add_comment(self, issue_number: int, body: str, *, login: str = "octocat") -> JSON:
        with self._lock:
            item = self.issues[issue_number]
            ident = next(self._ids)
            c = github_shapes.comment(
                self.repository["url"], item["html_url"], ident, issue_number, self.user(login)
            )
            c.update(body=body, created_at=self._now())
            c["updated_at"] = c["created_at"]
            self.comments[ident] = c
            self.comment_issue[ident] = issue_number
            item["comments"] += 1
            return c

    def comments_on(self, issue_number: int) -> list[JSON]:
        return [c for i, c in self.comments.items() if self.comment_issue[i] == issue_number]

    def _set_state(self, item: JSON, state: str, reason: str | None = None) -> None:
        item["state"] = state
        item["closed_at"] = self._now() if state == "closed" else None
        item["state_reason"] = reason if state == "closed" else ("reopened" if reason else None)
