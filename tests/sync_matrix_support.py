"""One adapter per tracker so the sync matrix tests run the same scenario on each fake."""

# A ``Platform`` knows its fake (how to start it, its request log, what counts as a write),
# the config and environment that point the CLI and ``run_sync`` at it, the secrets a leak
# check greps for, how to list the items it holds per SpecWeave key (live ones, and the
# ones closed as duplicates), and how to inject its faults. "Closed as a duplicate" means:
#   github  the issue is closed with state_reason "duplicate" (milestones cannot race:
#           GitHub refuses a second milestone of the same title)
#   jira    the issue's "specweave" label became "specweave-duplicate" (its status is left
#           to people, so it may still be open)
#   ado     the work item is tagged "specweave-duplicate" and moved to Removed (or the
#           process's done state where the type has no Removed)

from __future__ import annotations

import base64
import contextlib
import copy
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

from specweave_git.config.load import load_config
from specweave_git.context import Context
from specweave_git.gitio.repo import open_repo
from specweave_git.net.secret import Secret
from specweave_git.sync.engine import SyncOptions, run_sync
from specweave_git.sync.report import SyncReport
from tests.fakes.ado import FakeAdo
from tests.fakes.github import FakeGitHub
from tests.fakes.jira import FakeJira
from tests.fakes.jira_fixtures import EMPTY_ANSWER
from tests.fakes.jira_state import adf_text
from tests.fakes.server import Reply, Request
from tests.sync_support import ALL_ALLOWED

USER = Context("user", "test")
SPECS = ".specweave/docs/internal/specs"
PERMS = {"canRead": True, "canUpsert": True, "canUpdateStatus": True}
MARKER = re.compile(r"specweave:(\S+)")

Fake = Any  # FakeGitHub | FakeJira | FakeAdo: they share requests/invalid/server/writes


class Platform:
    """What the matrix tests need of one tracker and its fake (``self.fake`` once started)."""

    name = ""
    steady = 0  # requests a steady-state run may make (what the provider's docstring says)
    id_keys: tuple[str, str] = ("", "")  # (feature, story) id keys under external.<name>
    duplicate_meaning = ""
    fake: Fake

    # -- the fake -------------------------------------------------------------------------

    def new_fake(self) -> Fake:
        raise NotImplementedError

    @contextlib.contextmanager
    def started(self) -> Iterator[Fake]:
        with self.new_fake() as fake:
            self.fake = fake
            yield fake

    def problems(self) -> list[str]:
        """Contract violations (requests and answers) and crashes of the fake."""
        server = self.fake.server
        out = [f"request {r.method} {r.path}: {why}" for r, why in server.invalid]
        out += [
            f"answer {r.method} {r.path}: {why}"
            for r, why in server.invalid_responses
            if why != EMPTY_ANSWER  # JIRA's 201/204 have a schema but no body
        ]
        out += [f"crash {r.method} {r.path}: {tb}" for r, tb in server.crashes]
        return out

    def writes(self) -> int:
        return int(self.fake.writes)

    # -- pointing the tool at it ------------------------------------------------------------

    def config(self) -> dict[str, Any]:
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        return dict(self.fake.env())

    def options(self) -> dict[str, Any]:
        return {"base_url": self.fake.url}

    def secrets(self) -> list[str]:
        raise NotImplementedError

    def wrong_secret_env(self) -> dict[str, str]:
        """Variables with a wrong secret (the right one plus a character: a leak of it
        would show the right one too)."""
        raise NotImplementedError

    def sync(self, root: Path, **kw: Any) -> SyncReport:
        """``run_sync`` in this process (sleeps recorded in ``fake.sleeps``, not slept)."""
        kw.setdefault("budget", 1000)
        kw.setdefault("living_docs", False)
        http = {"sleep": self.fake.sleeps.append, **kw.pop("http", {})}
        opts = SyncOptions(platforms=(self.name,), http_options=http, **self.options(), **kw)
        return run_sync(open_repo(root), load_config(root), opts, context=USER)

    def cli(
        self, root: Path, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.Popen[str]:
        """``specweave-git sync <platform> ARGS --repo ROOT`` as a subprocess."""
        full = {**os.environ, **self.env(), **(env or {})}
        cmd = [sys.executable, "-m", "specweave_git", "sync", self.name, *args]
        return subprocess.Popen(
            [*cmd, "--repo", str(root)],
            env=full,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    # -- what the tracker holds ----------------------------------------------------------

    def items(self) -> dict[str, list[tuple[Any, bool]]]:
        """SpecWeave key -> (id, live) of every item carrying its marker, oldest first;
        ``live`` is False for an item closed as a duplicate."""
        raise NotImplementedError

    def live(self) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {}
        for key, found in self.items().items():
            ids = [i for i, alive in found if alive]
            if ids:
                out[key] = ids
        return out

    def is_story_create(self, req: Request) -> bool:
        raise NotImplementedError

    # -- faults ---------------------------------------------------------------------------

    def rate_limit_listing(self, retry_after: str) -> None:
        """The next listing request is answered 429 with ``Retry-After``."""
        raise NotImplementedError

    def lost_create_answer(self, delay: float) -> None:
        """The next story create is carried out after ``delay`` s: a client with a shorter
        read timeout never sees the answer although the tracker made the item."""
        from tests.fakes.server import Fault

        self.fake.server.faults.append(Fault(0, delay=delay, match=self.create_match))

    create_match = ""

    @contextlib.contextmanager
    def hold_story_create(self, nth: int) -> Iterator[threading.Event]:
        """Hold the answer to the ``nth`` successful story create (the tracker has made the
        item) until the context ends; the event is set while it is held."""
        server = self.fake.server
        original: Callable[[Request], Reply] = server.handler
        holding, release = threading.Event(), threading.Event()
        seen = [0]

        def handler(req: Request) -> Reply:
            reply = original(req)
            if self.is_story_create(req) and reply.status < 300:
                seen[0] += 1
                if seen[0] == nth:
                    holding.set()
                    release.wait(30)
            return reply

        server.handler = handler
        try:
            yield holding
        finally:
            release.set()
            server.handler = original

    @contextlib.contextmanager
    def completed_meanwhile(self, story: Any) -> Iterator[list[Request]]:
        """Another run completes ``story`` just before this run's status write for it
        reaches the tracker (once); the list gets the request it happened before."""
        server = self.fake.server
        original: Callable[[Request], Reply] = server.handler
        hit: list[Request] = []

        def handler(req: Request) -> Reply:
            if not hit and self.is_status_write(req, story):
                hit.append(req)
                self.complete(story)
            return original(req)

        server.handler = handler
        try:
            yield hit
        finally:
            server.handler = original

    def is_status_write(self, req: Request, story: Any) -> bool:
        """The first request of a status change of ``story``."""
        raise NotImplementedError

    def complete(self, story: Any) -> None:
        """Another run moves ``story`` to the status SpecWeave's ``completed`` maps to."""
        raise NotImplementedError

    def retitle(self, key: str, title: str) -> None:
        """A person renames the live item of ``key`` at the tracker."""
        raise NotImplementedError

    def parent_of(self, story: Any) -> Any:
        """The id of the feature item the story item hangs under (None: none)."""
        raise NotImplementedError

    def seed_unlisted_feature(self, key: str, title: str) -> Any:
        """A feature item with ``key``'s marker that the tool's listing does not show yet
        (no ``specweave`` label or tag): another run's create, not visible so far."""
        raise NotImplementedError

    def list_feature(self, ident: Any) -> None:
        """Make a seeded feature item visible to the (incremental) listing."""
        raise NotImplementedError

    # -- what the spec files record ------------------------------------------------------

    def recorded(self, root: Path) -> dict[str, Any]:
        """SpecWeave key -> the id the spec files record for this platform."""
        out: dict[str, Any] = {}
        for path in sorted((root / SPECS).rglob("*.md")):
            text = path.read_text(encoding="utf-8")
            if not text.startswith("---\n"):
                continue
            meta = yaml.safe_load(text.split("---\n", 2)[1]) or {}
            kind = "story" if "feature" in meta else "feature"
            key = f"{meta['feature']}/{meta['id']}" if kind == "story" else str(meta["id"])
            ours = ((meta.get("external") or {}).get(self.name)) or {}
            id_key = self.id_keys[0 if kind == "feature" else 1]
            if id_key in ours:
                out[key] = ours[id_key]
        return out


def _marker(text: str) -> str | None:
    m = MARKER.search(text)
    return m.group(1).removesuffix("-->") if m else None


def _config(platform: str, target: dict[str, Any]) -> dict[str, Any]:
    base: dict[str, Any] = copy.deepcopy(ALL_ALLOWED)
    base["orchestration"]["permissions"] = {platform: dict(PERMS)}
    base[platform] = {"enabled": True, **target}
    return {"sync": base}


class GitHub(Platform):
    name = "github"
    steady = 6
    id_keys: tuple[str, str] = ("milestone", "issue")
    duplicate_meaning = "closed with state_reason duplicate"
    create_match = "POST /repos/acme/widgets/issues"

    def new_fake(self) -> FakeGitHub:
        return FakeGitHub()

    def config(self) -> dict[str, Any]:
        return _config("github", {"owner": "acme", "repo": "widgets"})

    def options(self) -> dict[str, Any]:
        return {"base_url": self.fake.url, "token": Secret(self.fake.token)}

    def secrets(self) -> list[str]:
        return [self.fake.token]

    def wrong_secret_env(self) -> dict[str, str]:
        return {"GITHUB_TOKEN": self.fake.token + "x"}

    def items(self) -> dict[str, list[tuple[Any, bool]]]:
        out: dict[str, list[tuple[Any, bool]]] = {}
        for number, ms in sorted(self.fake.milestones.items()):
            out.setdefault(str(ms["title"]).split(":", 1)[0], []).append((number, True))
        for number, issue in sorted(self.fake.issues.items()):
            key = _marker(issue.get("body") or "")
            if key is not None:
                dup = issue["state"] == "closed" and issue["state_reason"] == "duplicate"
                out.setdefault(key, []).append((number, not dup))
        return out

    def is_story_create(self, req: Request) -> bool:
        return req.method == "POST" and req.path == "/repos/acme/widgets/issues"

    def rate_limit_listing(self, retry_after: str) -> None:
        self.fake.server.rate_limit_next(1, retry_after=retry_after, match="GET /repos/")

    def retitle(self, key: str, title: str) -> None:
        number = self.live()[key][0]
        issue = self.fake.issues[number]
        issue["title"] = title
        issue["updated_at"] = self.fake._now()

    def parent_of(self, story: Any) -> Any:
        milestone = self.fake.issues[story]["milestone"]
        return milestone["number"] if milestone else None

    def is_status_write(self, req: Request, story: Any) -> bool:
        path = f"/repos/acme/widgets/issues/{story}"
        return req.method == "PATCH" and req.path == path and "state" in (req.json or {})

    def complete(self, story: Any) -> None:
        self.fake._set_state(self.fake.issues[story], "closed", "completed")


class Jira(Platform):
    name = "jira"
    steady = 2
    id_keys: tuple[str, str] = ("epic", "issue")
    duplicate_meaning = "label specweave-duplicate instead of specweave"
    create_match = "POST /rest/api/3/issue"

    def new_fake(self) -> FakeJira:
        return FakeJira()

    def config(self) -> dict[str, Any]:
        return _config("jira", {"domain": "acme.atlassian.net", "projectKey": "PROJ"})

    def secrets(self) -> list[str]:
        return [self.fake.token, self.fake.basic]

    def wrong_secret_env(self) -> dict[str, str]:
        return {"JIRA_API_TOKEN": self.fake.token + "x"}

    def items(self) -> dict[str, list[tuple[Any, bool]]]:
        out: dict[str, list[tuple[Any, bool]]] = {}
        for _, issue in sorted(self.fake.issues.items(), key=lambda kv: int(kv[0])):
            key = _marker(adf_text(issue["fields"]["description"] or ""))
            labels = issue["fields"]["labels"]
            if key is not None and ("specweave" in labels or "specweave-duplicate" in labels):
                out.setdefault(key, []).append((issue["key"], "specweave" in labels))
        return out

    def is_story_create(self, req: Request) -> bool:
        if req.method != "POST" or req.path != "/rest/api/3/issue":
            return False
        return bool((req.json or {}).get("fields", {}).get("issuetype", {}).get("name") == "Story")

    def rate_limit_listing(self, retry_after: str) -> None:
        match = "POST /rest/api/3/search/jql"
        self.fake.server.rate_limit_next(1, retry_after=retry_after, match=match)

    def retitle(self, key: str, title: str) -> None:
        issue = self.fake.by_key(self.live()[key][0])
        self.fake.skip(60)
        issue["fields"]["summary"] = title
        self.fake.touch(issue)

    def parent_of(self, story: Any) -> Any:
        parent = self.fake.by_key(story)["fields"]["parent"]
        return parent["key"] if parent else None

    def is_status_write(self, req: Request, story: Any) -> bool:
        return req.path == f"/rest/api/3/issue/{story}/transitions"

    def complete(self, story: Any) -> None:
        self.fake.move(self.fake.by_key(story), "Done")

    def seed_unlisted_feature(self, key: str, title: str) -> Any:
        text = {"type": "text", "text": f"specweave:{key}"}
        doc = {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [text]}]}
        return self.fake.add_issue(title, issue_type="Epic", description=doc)["key"]

    def list_feature(self, ident: Any) -> None:
        issue = self.fake.by_key(ident)
        self.fake.skip(60)
        issue["fields"]["labels"] = ["specweave"]
        self.fake.touch(issue)


class Ado(Platform):
    name = "ado"
    steady = 2
    id_keys: tuple[str, str] = ("workItem", "workItem")
    duplicate_meaning = "tag specweave-duplicate, state Removed (or done)"
    create_match = "POST /acme/widgets/_apis/wit/workitems/$"

    def new_fake(self) -> FakeAdo:
        return FakeAdo()

    def config(self) -> dict[str, Any]:
        return _config("ado", {"organization": "acme", "project": "widgets"})

    def options(self) -> dict[str, Any]:
        return {"base_url": self.fake.url, "token": Secret(self.fake.pat)}

    def secrets(self) -> list[str]:
        pat = self.fake.pat
        return [pat, base64.b64encode(f":{pat}".encode()).decode()]

    def wrong_secret_env(self) -> dict[str, str]:
        return {"AZURE_DEVOPS_PAT": self.fake.pat + "x"}

    def items(self) -> dict[str, list[tuple[Any, bool]]]:
        out: dict[str, list[tuple[Any, bool]]] = {}
        for ident, item in sorted(self.fake.items.items()):
            key = _marker(str(item["fields"].get("System.Description") or ""))
            tags = self.fake.tags(ident)
            if key is not None and ("specweave" in tags or "specweave-duplicate" in tags):
                out.setdefault(key, []).append((ident, "specweave-duplicate" not in tags))
        return out

    def is_story_create(self, req: Request) -> bool:
        from urllib.parse import unquote

        path = unquote(req.path)
        return req.method == "POST" and "/_apis/wit/workitems/$" in path and "Feature" not in path

    def rate_limit_listing(self, retry_after: str) -> None:
        self.fake.throttle_next(1, retry_after=retry_after, match="wiql")

    def retitle(self, key: str, title: str) -> None:
        self.fake.edit(self.live()[key][0], {"System.Title": title})

    def parent_of(self, story: Any) -> Any:
        rels = self.fake.items[story]["relations"]
        up = [r["url"] for r in rels if r["rel"] == "System.LinkTypes.Hierarchy-Reverse"]
        return int(up[0].rsplit("/", 1)[1]) if up else None

    def is_status_write(self, req: Request, story: Any) -> bool:
        path = f"/acme/widgets/_apis/wit/workitems/{story}"
        return req.method == "PATCH" and req.path.lower() == path

    def complete(self, story: Any) -> None:
        self.fake.edit(story, {"System.State": "Closed"})

    def seed_unlisted_feature(self, key: str, title: str) -> Any:
        fields = {"System.Title": title, "System.Description": f"<!-- specweave:{key} -->"}
        return self.fake.add_item("widgets", "Feature", fields)["id"]

    def list_feature(self, ident: Any) -> None:
        self.fake.edit(ident, {"System.Tags": "specweave; feature"})


PLATFORMS: dict[str, type[Platform]] = {"github": GitHub, "jira": Jira, "ado": Ado}


def dead_duplicates_ok(platform: Platform) -> list[str]:
    """Items closed as duplicates that are not closed the platform's way (see the top)."""
    bad = []
    for key, found in platform.items().items():
        for ident, alive in found:
            if alive:
                continue
            if platform.name == "github":
                issue = platform.fake.issues[ident]
                ok = issue["state"] == "closed" and issue["state_reason"] == "duplicate"
            elif platform.name == "jira":
                labels = platform.fake.by_key(ident)["fields"]["labels"]
                ok = "specweave" not in labels and "specweave-duplicate" in labels
            else:
                state = platform.fake.items[ident]["fields"]["System.State"]
                ok = state in ("Removed", "Closed", "Done")
            if not ok:
                bad.append(f"{key}: {ident} is not {platform.duplicate_meaning}")
    return bad


def git(root: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return proc.stdout


def reachable_objects(root: Path, refs: list[str]) -> list[bytes]:
    """Every object reachable from ``refs``, blobs, trees and commits alike
    (``rev-list --objects`` + ``cat-file --batch``)."""
    listing = git(root, "rev-list", "--objects", *refs)
    ids = [line.split(" ", 1)[0] for line in listing.splitlines() if line.strip()]
    out = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=root,
        input="\n".join(ids).encode() + b"\n",
        capture_output=True,
        check=True,
    ).stdout
    objects = []
    pos = 0
    while pos < len(out):
        header_end = out.index(b"\n", pos)
        size = int(out[pos:header_end].split(b" ")[2])
        objects.append(out[header_end + 1 : header_end + 1 + size])
        pos = header_end + 1 + size + 1
    assert len(objects) == len(ids)
    return objects


def text_of(data: str | bytes) -> str:
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def _present(root: Path, ref: str) -> bool:
    return (
        subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", ref], cwd=root, capture_output=True
        ).returncode
        == 0
    )


def existing_refs(root: Path, refs: list[str]) -> list[str]:
    return [r for r in refs if _present(root, r)]
