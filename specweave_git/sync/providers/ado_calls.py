"""The raw Azure DevOps calls the provider makes, and the gate operation of each."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import ado_render as ar

if TYPE_CHECKING:
    from ...net.ado import AdoClient, PatchOp

JSON = dict[str, Any]

# WIQL built from constants and a timestamp checked against _STAMP, never from spec text.
WIQL = (
    "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project"  # noqa: S608
    f" AND [System.Tags] CONTAINS '{ar.TAG}'"
)
_STAMP = re.compile(r"\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?\Z")


class Calls:
    """The raw ADO calls the provider makes; wrapped whole in a ``GatedClient``."""

    def __init__(self, ado: AdoClient) -> None:
        self._ado = ado

    def query(self, since: str | None) -> JSON:
        text = WIQL
        if since and _STAMP.match(since):
            text += f" AND [System.ChangedDate] >= '{since}'"
        return self._ado.query_wiql(text + " ORDER BY [System.Id]")

    def read_items(self, ids: Sequence[int]) -> list[JSON]:
        return self._ado.get_work_items_batch(ids, expand="relations")

    def get_item(self, ident: int) -> JSON:
        return self._ado.get_work_item(ident, expand="relations")

    def create_item(self, work_item_type: str, ops: Sequence[PatchOp]) -> JSON:
        return self._ado.create_work_item(work_item_type, ops)

    def update_item(self, ident: int, ops: Sequence[PatchOp]) -> JSON:
        return self._ado.update_work_item(ident, ops)

    def set_item_state(self, ident: int, ops: Sequence[PatchOp]) -> JSON:
        return self._ado.update_work_item(ident, ops)

    def add_progress_comment(self, ident: int, text: str) -> JSON:
        return self._ado.add_comment(ident, text)


OPS: Mapping[str, Any] = {
    "query": "read",
    "read_items": "read",
    "get_item": "read",
    "create_item": "upsert-internal",
    "update_item": "upsert-internal",
    "set_item_state": "update-status",
    "add_progress_comment": "upsert-external",
}
