"""The raw JIRA calls the provider makes, and the gate operation of each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import jira_render as jr

if TYPE_CHECKING:
    from ...net.jira import JiraClient

JSON = dict[str, Any]


class Calls:
    """The raw JIRA calls the provider makes; wrapped whole in a ``GatedClient``."""

    def __init__(self, jira: JiraClient) -> None:
        self._jira = jira

    def myself(self) -> JSON:
        return self._jira.myself()

    def search(self, jql: str, reconcile: Sequence[int] = ()) -> list[JSON]:
        return list(self._jira.search(jql, fields=jr.FIELDS, reconcile=reconcile))

    def get_issue(self, id_or_key: str, expand: str | None = None) -> JSON:
        return self._jira.get_issue(id_or_key, fields=jr.FIELDS, expand=expand)

    def create_issue(self, fields: JSON) -> JSON:
        return self._jira.create_issue(fields)

    def edit_issue(self, id_or_key: str, fields: JSON) -> JSON | None:
        return self._jira.edit_issue(id_or_key, fields=fields, return_issue=True)

    def get_transitions(self, id_or_key: str) -> list[JSON]:
        return self._jira.get_transitions(id_or_key)

    def do_transition(self, id_or_key: str, transition_id: str) -> None:
        self._jira.do_transition(id_or_key, transition_id)

    def add_comment(self, id_or_key: str, body: JSON) -> JSON:
        return self._jira.add_comment(id_or_key, body)

    def add_progress_comment(self, id_or_key: str, body: JSON) -> JSON:
        return self._jira.add_comment(id_or_key, body)


OPS: Mapping[str, Any] = {
    "myself": "read",
    "search": "read",
    "get_issue": "read",
    "get_transitions": "read",
    "create_issue": "upsert-internal",
    "edit_issue": "upsert-internal",
    "add_comment": "upsert-internal",  # a duplicate's note
    "add_progress_comment": "upsert-external",  # an external item's only write
    "do_transition": "update-status",
}
