"""The state behind FakeJira (one project, a workflow, issues, comments, links), no HTTP."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from typing import Any

JSON = dict[str, Any]
START = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
SITE = "https://acme.atlassian.net"  # what ``self`` links name (clients must not follow them)
ACCOUNT = "5b10a2844c20165700ede21g"

CATEGORIES = {
    "new": {"id": 2, "key": "new", "name": "To Do", "colorName": "blue-gray"},
    "indeterminate": {
        "id": 4,
        "key": "indeterminate",
        "name": "In Progress",
        "colorName": "yellow",
    },
    "done": {"id": 3, "key": "done", "name": "Done", "colorName": "green"},
}

# JIRA's simplified workflow, restricted: no direct way back from Done to To Do.
WORKFLOW: list[tuple[str, str, tuple[str, ...], str]] = [
    # (id, name, from statuses, to status)
    ("11", "Start work", ("To Do",), "In Progress"),
    ("21", "Stop work", ("In Progress",), "To Do"),
    ("31", "Done", ("To Do", "In Progress"), "Done"),
    ("41", "Reopen", ("Done",), "In Progress"),
]


def stamp(when: dt.datetime) -> str:
    """RFC 3339 with milliseconds and ``+00:00`` (real JIRA writes ``+0000``, which the
    contract's ``date-time`` format rejects: see contracts/README.md)."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}+00:00"


def adf_text(node: Any) -> str:
    """All the text of an ADF document, for ``text ~``."""
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return " ".join(adf_text(n) for n in node)
    if isinstance(node, dict):
        own = str(node.get("text") or "")
        return " ".join(p for p in (own, adf_text(node.get("content") or [])) if p)
    return ""


class JiraState:
    """One project (``PROJ``) with Epic / Story / Task, a workflow of transitions, issues
    keyed ``PROJ-1..``, comments and issue links; JIRA-shaped JSON objects."""

    project_key: str

    def _init_state(self, project_key: str, zone: str) -> None:
        self._lock = threading.RLock()
        self.seconds = 0  # the fake's clock: START + seconds, one more per change
        self._ids = itertools.count(10001)
        self._numbers = itertools.count(1)
        self._other_ids = itertools.count(30001)
        self.zone = zone
        self.project_key = project_key
        self.project = {
            "id": "10000",
            "key": project_key,
            "name": f"Project {project_key}",
            "self": f"{SITE}/rest/api/3/project/10000",
            "projectTypeKey": "software",
            "simplified": True,
        }
        self.issue_types = {
            name.casefold(): {
                "id": ident,
                "name": name,
                "subtask": False,
                "hierarchyLevel": level,
                "self": f"{SITE}/rest/api/3/issuetype/{ident}",
            }
            for ident, name, level in (
                ("10001", "Epic", 1),
                ("10002", "Story", 0),
                ("10003", "Task", 0),
            )
        }
        self.statuses: dict[str, JSON] = {}
        for ident, (name, cat) in enumerate(
            (("To Do", "new"), ("In Progress", "indeterminate"), ("Done", "done")), start=1
        ):
            self.add_status(name, cat, ident=str(ident))
        self.workflow = [list(t) for t in WORKFLOW]
        self.issues: dict[str, JSON] = {}  # by id
        self.keys: dict[str, str] = {}  # key -> id
        self.comments: dict[str, list[JSON]] = {}  # issue id -> comments
        self.links: dict[str, JSON] = {}
        self.user = self.make_user(ACCOUNT, "SpecWeave Bot")

    # -- time, users, statuses ------------------------------------------------------------

    def clock(self) -> dt.datetime:
        return START + dt.timedelta(seconds=self.seconds)

    def now(self) -> str:
        self.seconds += 1
        return stamp(self.clock())

    def skip(self, seconds: int) -> None:
        """Move the clock on (a human edit an hour later)."""
        self.seconds += seconds

    def make_user(self, account: str, name: str) -> JSON:
        return {
            "accountId": account,
            "accountType": "atlassian",
            "active": True,
            "displayName": name,
            "self": f"{SITE}/rest/api/3/user?accountId={account}",
        }

    def add_status(self, name: str, category: str, *, ident: str | None = None) -> JSON:
        ident = ident or str(next(self._other_ids))
        status = {
            "id": ident,
            "name": name,
            "description": "",
            "self": f"{SITE}/rest/api/3/status/{ident}",
            "statusCategory": {
                **CATEGORIES[category],
                "self": f"{SITE}/rest/api/3/statuscategory/1",
            },
        }
        self.statuses[name.casefold()] = status
        return status

    def add_transition(self, ident: str, name: str, sources: tuple[str, ...], to: str) -> None:
        self.workflow.append([ident, name, sources, to])

    def transitions_from(self, status_name: str) -> list[JSON]:
        out = []
        for ident, name, sources, to in self.workflow:
            if status_name in sources and to.casefold() in self.statuses:
                out.append(
                    {
                        "id": ident,
                        "name": name,
                        "to": self.statuses[to.casefold()],
                        "hasScreen": False,
                        "isGlobal": False,
                        "isInitial": False,
                        "isAvailable": True,
                        "isConditional": False,
                        "looped": False,
                    }
                )
        return out

    # -- issues ---------------------------------------------------------------------------

    def issue(self, id_or_key: str) -> JSON | None:
        ident = self.keys.get(id_or_key.upper(), id_or_key)
        return self.issues.get(ident)

    def by_key(self, key: str) -> JSON:
        return self.issues[self.keys[key]]

    def _ref(self, issue: JSON) -> JSON:
        """An issue as another issue's ``parent`` names it."""
        f = issue["fields"]
        return {
            "id": issue["id"],
            "key": issue["key"],
            "self": issue["self"],
            "fields": {"summary": f["summary"], "status": f["status"], "issuetype": f["issuetype"]},
        }

    def add_issue(
        self,
        summary: str,
        *,
        issue_type: str = "Story",
        description: Any = None,
        labels: list[str] | tuple[str, ...] = (),
        parent: str | None = None,
        status: str = "To Do",
    ) -> JSON:
        with self._lock:
            ident = str(next(self._ids))
            key = f"{self.project_key}-{next(self._numbers)}"
            now = self.now()
            issue = {
                "id": ident,
                "key": key,
                "self": f"{SITE}/rest/api/3/issue/{ident}",
                "expand": "renderedFields,names,schema,operations,editmeta,changelog",
                "fields": {
                    "summary": summary,
                    "description": description,
                    "labels": list(labels),
                    "issuetype": self.issue_types[issue_type.casefold()],
                    "project": self.project,
                    "status": self.statuses[status.casefold()],
                    "parent": None,
                    "created": now,
                    "updated": now,
                    "creator": self.user,
                    "reporter": self.user,
                },
            }
            self.issues[ident] = issue
            self.keys[key] = ident
            self.comments[ident] = []
            if parent is not None:
                self.set_parent(issue, parent)
            return issue

    def set_parent(self, issue: JSON, parent_key: str | None) -> None:
        issue["fields"]["parent"] = self._ref(self.by_key(parent_key)) if parent_key else None

    def touch(self, issue: JSON) -> None:
        issue["fields"]["updated"] = self.now()

    def move(self, issue: JSON, status: str) -> None:
        issue["fields"]["status"] = self.statuses[status.casefold()]
        self.touch(issue)

    def add_comment(self, issue: JSON, body: Any, *, author: JSON | None = None) -> JSON:
        with self._lock:
            ident = str(next(self._other_ids))
            now = self.now()
            comment = {
                "id": ident,
                "self": f"{issue['self']}/comment/{ident}",
                "author": author or self.user,
                "updateAuthor": author or self.user,
                "body": body,
                "created": now,
                "updated": now,
                "jsdPublic": True,
            }
            self.comments[issue["id"]].append(comment)
            issue["fields"]["updated"] = now  # a comment updates the issue, as in JIRA
            return comment

    def add_link(self, link_type: str, inward: JSON, outward: JSON) -> JSON:
        ident = str(next(self._other_ids))
        link = {
            "id": ident,
            "self": f"{SITE}/rest/api/3/issueLink/{ident}",
            "type": {"name": link_type, "inward": "is duplicated by", "outward": "duplicates"},
            "inwardIssue": {"id": inward["id"], "key": inward["key"], "self": inward["self"]},
            "outwardIssue": {"id": outward["id"], "key": outward["key"], "self": outward["self"]},
        }
        self.links[ident] = link
        return link

    def comment_texts(self, key: str) -> list[str]:
        return [adf_text(c["body"]) for c in self.comments[self.keys[key]]]
