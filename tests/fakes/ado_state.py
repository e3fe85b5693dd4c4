"""The state behind FakeAdo, its rules and the helpers tests use to seed it (no HTTP here)."""

# Work items of one organization (ids are organization-wide, as in ADO), each in a
# project whose process (Agile, Scrum, Basic) decides which types exist and which states
# each type has. A JSON Patch document is applied atomically: the first failing operation
# leaves the item untouched. Error bodies have ADO's shape: $id, innerException, message
# (with its TF/VS code), typeName, typeKey, errorCode, eventId.

from __future__ import annotations

import copy
import datetime as dt
import itertools
import threading
import uuid
from typing import Any

JSON = dict[str, Any]

# process -> work item type -> states, the first being the state a new item gets.
# Azure Boards' inherited processes let an item move between any two states of its type,
# so a state outside the type's list is the only state change ADO refuses.
PROCESSES: dict[str, dict[str, tuple[str, ...]]] = {
    "Agile": {
        "Epic": ("New", "Active", "Resolved", "Closed", "Removed"),
        "Feature": ("New", "Active", "Resolved", "Closed", "Removed"),
        "User Story": ("New", "Active", "Resolved", "Closed", "Removed"),
        "Task": ("New", "Active", "Closed", "Removed"),
        "Bug": ("New", "Active", "Resolved", "Closed"),
    },
    "Scrum": {
        "Epic": ("New", "In Progress", "Done", "Removed"),
        "Feature": ("New", "In Progress", "Done", "Removed"),
        "Product Backlog Item": ("New", "Approved", "Committed", "Done", "Removed"),
        "Task": ("To Do", "In Progress", "Done", "Removed"),
        "Bug": ("New", "Approved", "Committed", "Done", "Removed"),
    },
    "Basic": {
        "Epic": ("To Do", "Doing", "Done"),
        "Issue": ("To Do", "Doing", "Done"),
        "Task": ("To Do", "Doing", "Done"),
    },
}

LINK_TYPES = frozenset(
    {
        "System.LinkTypes.Hierarchy-Reverse",
        "System.LinkTypes.Hierarchy-Forward",
        "System.LinkTypes.Related",
    }
)
READ_ONLY = frozenset(
    {
        "System.Id",
        "System.Rev",
        "System.TeamProject",
        "System.WorkItemType",
        "System.CreatedDate",
        "System.CreatedBy",
        "System.ChangedDate",
        "System.ChangedBy",
    }
)


class AdoError(Exception):
    """An ADO error answer: HTTP status and the body ADO sends."""

    def __init__(self, status: int, message: str, type_key: str, **custom: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body: JSON = {
            "$id": "1",
            "innerException": None,
            "message": message,
            "typeName": f"Microsoft.TeamFoundation.WorkItemTracking.Server.{type_key}, "
            "Microsoft.TeamFoundation.WorkItemTracking.Server",
            "typeKey": type_key,
            "errorCode": 0,
            "eventId": 3200,
        }
        if custom:
            self.body["customProperties"] = custom


def rule_error(field: str, name: str, value: Any, code: str = "InvalidListValue") -> AdoError:
    """TF401320, what ADO answers when a field breaks its type's rules (a state the type
    does not have, an empty required title)."""
    flags = "Required, HasValues, LimitedToValues, AllowsOldValue, " + code
    detail = (
        f"The field '{name}' contains the value '{value}' that is not in the list of "
        "supported values"
        if code == "InvalidListValue"
        else f"The field '{name}' cannot be empty."
    )
    return AdoError(
        400,
        f"TF401320: Rule Error for field {name}. Error code: {flags}.",
        "RuleValidationException",
        FieldReferenceName=field,
        FieldStatusFlags=flags.lower(),
        ErrorMessage=detail,
        FieldStatusCode=code,
    )


class AdoState:
    """Work items by id, projects with their process, and a millisecond clock."""

    organization: str
    url: str

    def _init_state(self, organization: str, projects: dict[str, str]) -> None:
        self._lock = threading.RLock()
        self.organization = organization
        self.projects = dict(projects)  # name -> process
        self.project_ids = {p: str(uuid.uuid5(uuid.NAMESPACE_URL, p)) for p in projects}
        self.items: dict[int, JSON] = {}
        self.comments: dict[int, list[JSON]] = {}
        self._ids = itertools.count(1)
        self._comment_ids = itertools.count(1)
        self._last = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
        self.user = {
            "displayName": "specweave-git bot",
            "url": "https://vssps.dev.azure.com/acme/_apis/Identities/d291b0c4",
            "id": "d291b0c4-a05c-4ea6-8df1-4b41d5f39eff",
            "uniqueName": "bot@example.com",
            "imageUrl": "https://dev.azure.com/acme/_api/_common/identityImage?id=d291b0c4",
            "descriptor": "aad.ZDI5MWIwYzQ",
        }

    # -- clock --------------------------------------------------------------------------

    def now(self) -> str:
        """A strictly increasing UTC time with milliseconds, as ADO stamps changes."""
        with self._lock:
            real = dt.datetime.now(dt.timezone.utc)
            step = self._last + dt.timedelta(milliseconds=1)
            self._last = max(real.replace(microsecond=real.microsecond // 1000 * 1000), step)
            return stamp(self._last)

    # -- seeding and reading ------------------------------------------------------------

    def add_item(
        self,
        project: str,
        work_item_type: str,
        fields: JSON,
        *,
        parent: int | None = None,
    ) -> JSON:
        """A work item made as a human would; returns the stored object."""
        ops = [{"op": "add", "path": f"/fields/{k}", "value": v} for k, v in fields.items()]
        if parent is not None:
            ops.append(
                {
                    "op": "add",
                    "path": "/relations/-",
                    "value": {
                        "rel": "System.LinkTypes.Hierarchy-Reverse",
                        "url": self.api_url(parent),
                    },
                }
            )
        return self.create(project, work_item_type, ops)

    def api_url(self, ident: int) -> str:
        return f"{self.url}/{self.organization}/_apis/wit/workItems/{ident}"

    def tags(self, ident: int) -> list[str]:
        return split_tags(self.items[ident]["fields"].get("System.Tags"))

    def edit(self, ident: int, fields: JSON) -> JSON:
        """A human's edit at the tracker: new revision, new ChangedDate."""
        ops = [{"op": "add", "path": f"/fields/{k}", "value": v} for k, v in fields.items()]
        return self.update(ident, ops)

    # -- the rules ----------------------------------------------------------------------

    def _states(self, project: str, work_item_type: str) -> tuple[str, ...]:
        return PROCESSES[self.projects[project]][work_item_type]

    def create(self, project: str, work_item_type: str, ops: list[JSON]) -> JSON:
        with self._lock:
            types = PROCESSES[self.projects[project]]
            if work_item_type not in types:
                raise AdoError(
                    404,
                    f"VS402323: Work item type {work_item_type} does not exist in project "
                    f"{project} or you do not have permission to access it.",
                    "WorkItemTypeNotFoundException",
                )
            now = self.now()
            first = types[work_item_type][0]
            item: JSON = {
                "id": 0,
                "rev": 0,
                "project": project,
                "fields": {
                    "System.AreaPath": project,
                    "System.TeamProject": project,
                    "System.IterationPath": project,
                    "System.WorkItemType": work_item_type,
                    "System.State": first,
                    "System.Reason": "New",
                    "System.CreatedDate": now,
                    "System.CreatedBy": dict(self.user),
                    "System.ChangedDate": now,
                    "System.ChangedBy": dict(self.user),
                    "System.CommentCount": 0,
                    "Microsoft.VSTS.Common.StateChangeDate": now,
                    "Microsoft.VSTS.Common.Priority": 2,
                },
                "relations": [],
            }
            applied = self._apply(item, ops, creating=True)
            applied["id"] = next(self._ids)
            applied["rev"] = 1
            self.items[applied["id"]] = applied
            return applied

    def update(self, ident: int, ops: list[JSON]) -> JSON:
        with self._lock:
            item = self.get(ident)
            applied = self._apply(item, ops, creating=False)
            applied["rev"] = item["rev"] + 1
            now = self.now()
            applied["fields"]["System.ChangedDate"] = now
            applied["fields"]["System.ChangedBy"] = dict(self.user)
            if applied["fields"]["System.State"] != item["fields"]["System.State"]:
                applied["fields"]["Microsoft.VSTS.Common.StateChangeDate"] = now
                applied["fields"]["System.Reason"] = (
                    f"Moved to state {applied['fields']['System.State']}"
                )
            self.items[ident] = applied
            return applied

    def get(self, ident: int) -> JSON:
        item = self.items.get(ident)
        if item is None:
            raise AdoError(
                404,
                f"TF401232: Work item {ident} does not exist, or you do not have "
                "permissions to read it.",
                "WorkItemUnauthorizedAccessException",
            )
        return item

    def _apply(self, item: JSON, ops: list[JSON], *, creating: bool) -> JSON:
        new = copy.deepcopy(item)
        fields = new["fields"]
        for op in ops:
            kind, path = op.get("op"), str(op.get("path") or "")
            if kind == "test":
                if path == "/rev" and int(op.get("value") or -1) != item["rev"]:
                    raise AdoError(
                        412,
                        "TF26071: This work item has been changed by someone else since you "
                        "opened it. You will need to refresh it and discard your changes.",
                        "WorkItemRevisionMismatchException",
                    )
                continue
            if path.startswith("/fields/"):
                name = path[len("/fields/") :]
                if name in READ_ONLY:
                    raise AdoError(
                        400,
                        f"TF401326: Invalid field status 'ReadOnly' for field '{name}'.",
                        "RuleValidationException",
                    )
                if kind in ("add", "replace"):
                    value = op.get("value")
                    if name == "System.Tags":
                        value = join_tags(split_tags(value))
                        if not value:
                            fields.pop(name, None)
                            continue
                    if name == "System.History":
                        new_comments = self.comments.setdefault(item["id"], [])
                        new_comments.append({"text": value})
                        fields["System.CommentCount"] = len(new_comments)
                        continue
                    fields[name] = value
                elif kind == "remove":
                    fields.pop(name, None)
                else:
                    raise AdoError(
                        400, f"Unsupported JSON patch operation {kind!r}.", "PatchException"
                    )
            elif path == "/relations/-" and kind == "add":
                self._add_relation(new, op.get("value") or {})
            elif path.startswith("/relations/") and kind == "remove":
                index = path.rsplit("/", 1)[1]
                if not index.isdigit() or int(index) >= len(new["relations"]):
                    raise AdoError(
                        400,
                        f"Index out of range for path {path}.",
                        "WorkItemPatchException",
                    )
                del new["relations"][int(index)]
            else:
                raise AdoError(400, f"The path {path!r} is not supported.", "PatchException")
        title = str(fields.get("System.Title") or "").strip()
        if not title:
            raise rule_error("System.Title", "Title", "", "InvalidEmpty")
        if len(title) > 255:
            raise rule_error("System.Title", "Title", title, "InvalidTooLong")
        state = fields.get("System.State")
        if state not in self._states(new["project"], fields["System.WorkItemType"]):
            raise rule_error("System.State", "State", state)
        return new

    def _add_relation(self, item: JSON, value: JSON) -> None:
        rel, url = value.get("rel"), str(value.get("url") or "")
        if rel not in LINK_TYPES:
            raise AdoError(400, f"TF201036: Unknown link type {rel}.", "WorkItemLinkException")
        tail = url.rstrip("/").rsplit("/", 1)[-1]
        if not tail.isdigit() or int(tail) not in self.items:
            raise AdoError(
                400,
                f"TF201063: The work item link target {url} does not exist.",
                "WorkItemLinkInvalidException",
            )
        if rel == "System.LinkTypes.Hierarchy-Reverse" and any(
            r["rel"] == rel for r in item["relations"]
        ):
            raise AdoError(
                400,
                "TF201036: You cannot add a Parent link because a work item can have only "
                "one Parent link.",
                "WorkItemLinkInvalidException",
            )
        item["relations"].append(
            {"rel": rel, "url": self.api_url(int(tail)), "attributes": {"isLocked": False}}
        )

    # -- answers ------------------------------------------------------------------------

    def view(
        self,
        item: JSON,
        expand: str | None,
        fields: list[str] | None = None,
        *,
        written: bool = False,
    ) -> JSON:
        """A work item as the API returns it: relations when expanded, and in the answer
        to a create or update (as ADO's own examples show)."""
        ident = item["id"]
        shown = dict(item["fields"])
        if fields:
            shown = {k: v for k, v in shown.items() if k in fields}
            if "System.Id" in fields:
                shown["System.Id"] = ident
        out: JSON = {"id": ident, "rev": item["rev"], "fields": shown}
        if ((expand or "").lower() in ("relations", "all") or written) and item["relations"]:
            out["relations"] = copy.deepcopy(item["relations"])
        if (expand or "").lower() in ("links", "all", "") and not fields:
            api = self.api_url(ident)
            pid = self.project_ids[item["project"]]
            wtype = item["fields"]["System.WorkItemType"].replace(" ", "%20")
            out["_links"] = {
                "self": {"href": api},
                "workItemUpdates": {"href": f"{api}/updates"},
                "workItemRevisions": {"href": f"{api}/revisions"},
                "workItemComments": {"href": f"{api}/comments"},
                "html": {
                    "href": f"{self.url}/{self.organization}/{item['project']}"
                    f"/_workitems/edit/{ident}"
                },
                "workItemType": {
                    "href": f"{self.url}/{self.organization}/{pid}/_apis/wit/workItemTypes/{wtype}"
                },
                "fields": {"href": f"{self.url}/{self.organization}/_apis/wit/fields"},
            }
        out["url"] = self.api_url(ident)
        return out


def stamp(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def split_tags(value: Any) -> list[str]:
    return [t.strip() for t in str(value or "").split(";") if t.strip()]


def join_tags(tags: list[str]) -> str:
    """ADO stores tags once each (case-blind) and answers them sorted, ``"a; b"``."""
    seen: dict[str, str] = {}
    for t in tags:
        seen.setdefault(t.lower(), t)
    return "; ".join(sorted(seen.values(), key=str.lower))
