"""Builders shared by the ADO sync tests and benchmark: a config that lets the gate write
to Azure DevOps, one sync run against a FakeAdo, and the fake's items by marker."""

from __future__ import annotations

import contextlib
import copy
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from specweave_git.config.load import load_config
from specweave_git.context import Context
from specweave_git.gitio.repo import open_repo
from specweave_git.net.secret import Secret
from specweave_git.sync.engine import SyncOptions, run_sync
from specweave_git.sync.report import SyncReport
from tests.fakes.ado import FakeAdo
from tests.sync_support import ALL_ALLOWED

USER = Context("user", "test")
PERMS = {"canRead": True, "canUpsert": True, "canUpdateStatus": True}


def ado_config(project: str = "widgets", **sync: Any) -> dict[str, Any]:
    base: dict[str, Any] = copy.deepcopy(ALL_ALLOWED)
    base["orchestration"]["permissions"] = {"ado": dict(PERMS)}
    base["ado"] = {"enabled": True, "organization": "acme", "project": project}
    base.update(sync)
    return {"sync": base}


@contextlib.contextmanager
def fake_for(process: str) -> Iterator[FakeAdo]:
    """A started FakeAdo whose project ``widgets`` uses ``process``; like the ``fake_ado``
    fixture, it fails the test if a request broke the contract or the fake crashed."""
    with FakeAdo(projects={"widgets": process}) as fake:
        yield fake
    assert fake.invalid == [], fake.invalid
    assert fake.server.crashes == [], fake.server.crashes


def sync(root: Path, fake: FakeAdo, context: Context = USER, **kw: Any) -> SyncReport:
    kw.setdefault("budget", 1000)
    kw.setdefault("living_docs", False)
    http = {"sleep": fake.sleeps.append, **kw.pop("http", {})}
    opts = SyncOptions(
        platforms=("ado",), token=Secret(fake.pat), base_url=fake.url, http_options=http, **kw
    )
    return run_sync(open_repo(root), load_config(root), opts, context=context)


def summary(report: SyncReport) -> dict[str, int]:
    return {k: v for k, v in report.platforms[0].summary().items() if v}


def by_marker(fake: FakeAdo, *, duplicates: bool = False) -> dict[str, list[int]]:
    """Marker key -> ids of the work items carrying it (closed duplicates left out)."""
    out: dict[str, list[int]] = {}
    for ident, item in sorted(fake.items.items()):
        text = str(item["fields"].get("System.Description") or "")
        if not text.startswith("<!-- specweave:"):
            continue
        if not duplicates and "specweave-duplicate" in fake.tags(ident):
            continue
        out.setdefault(text.split("specweave:", 1)[1].split(" ", 1)[0], []).append(ident)
    return out


def state_file(root: Path, name: str) -> Any:
    import json

    proc = subprocess.run(
        ["git", "show", f"refs/specweave/state:sync/ado/{name}"],
        cwd=root,
        capture_output=True,
        check=False,
    )
    return json.loads(proc.stdout) if proc.returncode == 0 else None
