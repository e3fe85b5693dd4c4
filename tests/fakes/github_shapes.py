"""JSON objects shaped like GitHub's REST schemas (2022-11-28), for the fake server."""

from __future__ import annotations

import hashlib
from typing import Any

JSON = dict[str, Any]

NOW = "2026-01-01T00:00:00Z"


def node_id(kind: str, ident: int | str) -> str:
    return f"{kind}_" + hashlib.sha1(f"{kind}{ident}".encode()).hexdigest()[:16]


def user(api: str, login: str, *, ident: int | None = None, bot: bool | None = None) -> JSON:
    ident = ident or int(hashlib.sha1(login.encode()).hexdigest()[:6], 16)
    base = f"{api}/users/{login}"
    is_bot = login.endswith("[bot]") if bot is None else bot
    return {
        "login": login,
        "id": ident,
        "node_id": node_id("U", ident),
        "avatar_url": f"https://avatars.example.test/u/{ident}",
        "gravatar_id": "",
        "url": base,
        "html_url": f"https://github.example.test/{login}",
        "followers_url": f"{base}/followers",
        "following_url": f"{base}/following{{/other_user}}",
        "gists_url": f"{base}/gists{{/gist_id}}",
        "starred_url": f"{base}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{base}/subscriptions",
        "organizations_url": f"{base}/orgs",
        "repos_url": f"{base}/repos",
        "events_url": f"{base}/events{{/privacy}}",
        "received_events_url": f"{base}/received_events",
        "type": "Bot" if is_bot else "User",
        "site_admin": False,
    }


def label(repo_url: str, ident: int, name: str, color: str, description: str | None) -> JSON:
    return {
        "id": ident,
        "node_id": node_id("LA", ident),
        "url": f"{repo_url}/labels/{name}",
        "name": name,
        "description": description,
        "color": color,
        "default": False,
    }


def milestone(repo_url: str, html_repo: str, ident: int, number: int, creator: JSON) -> JSON:
    return {
        "url": f"{repo_url}/milestones/{number}",
        "html_url": f"{html_repo}/milestone/{number}",
        "labels_url": f"{repo_url}/milestones/{number}/labels",
        "id": ident,
        "node_id": node_id("MI", ident),
        "number": number,
        "state": "open",
        "title": "",
        "description": None,
        "creator": creator,
        "open_issues": 0,
        "closed_issues": 0,
        "created_at": NOW,
        "updated_at": NOW,
        "closed_at": None,
        "due_on": None,
    }


def issue(repo_url: str, html_repo: str, ident: int, number: int, author: JSON) -> JSON:
    url = f"{repo_url}/issues/{number}"
    return {
        "id": ident,
        "node_id": node_id("I", ident),
        "url": url,
        "repository_url": repo_url,
        "labels_url": f"{url}/labels{{/name}}",
        "comments_url": f"{url}/comments",
        "events_url": f"{url}/events",
        "html_url": f"{html_repo}/issues/{number}",
        "number": number,
        "state": "open",
        "state_reason": None,
        "title": "",
        "body": None,
        "user": author,
        "labels": [],
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "locked": False,
        "active_lock_reason": None,
        "comments": 0,
        "closed_at": None,
        "created_at": NOW,
        "updated_at": NOW,
        "author_association": "OWNER",
    }


def comment(repo_url: str, html_url: str, ident: int, issue_number: int, author: JSON) -> JSON:
    return {
        "id": ident,
        "node_id": node_id("IC", ident),
        "url": f"{repo_url}/issues/comments/{ident}",
        "html_url": f"{html_url}#issuecomment-{ident}",
        "issue_url": f"{repo_url}/issues/{issue_number}",
        "body": "",
        "user": author,
        "created_at": NOW,
        "updated_at": NOW,
        "author_association": "NONE",
    }


_REPO_URLS = (
    "archive_url:/{archive_format}{/ref}",
    "assignees_url:/assignees{/user}",
    "blobs_url:/git/blobs{/sha}",
    "branches_url:/branches{/branch}",
    "collaborators_url:/collaborators{/collaborator}",
    "comments_url:/comments{/number}",
    "commits_url:/commits{/sha}",
    "compare_url:/compare/{base}...{head}",
    "contents_url:/contents/{+path}",
    "contributors_url:/contributors",
    "deployments_url:/deployments",
    "downloads_url:/downloads",
    "events_url:/events",
    "forks_url:/forks",
    "git_commits_url:/git/commits{/sha}",
    "git_refs_url:/git/refs{/sha}",
    "git_tags_url:/git/tags{/sha}",
    "hooks_url:/hooks",
    "issue_comment_url:/issues/comments{/number}",
    "issue_events_url:/issues/events{/number}",
    "issues_url:/issues{/number}",
    "keys_url:/keys{/key_id}",
    "labels_url:/labels{/name}",
    "languages_url:/languages",
    "merges_url:/merges",
    "milestones_url:/milestones{/number}",
    "notifications_url:/notifications{?since,all,participating}",
    "pulls_url:/pulls{/number}",
    "releases_url:/releases{/id}",
    "stargazers_url:/stargazers",
    "statuses_url:/statuses/{sha}",
    "subscribers_url:/subscribers",
    "subscription_url:/subscription",
    "tags_url:/tags",
    "teams_url:/teams",
    "trees_url:/git/trees{/sha}",
)


def repository(api: str, web: str, owner: JSON, name: str, *, ident: int = 1) -> JSON:
    full = f"{owner['login']}/{name}"
    url = f"{api}/repos/{full}"
    repo: JSON = {
        "id": ident,
        "node_id": node_id("R", ident),
        "name": name,
        "full_name": full,
        "owner": owner,
        "private": False,
        "html_url": f"{web}/{full}",
        "description": "A fake repository",
        "fork": False,
        "url": url,
        "clone_url": f"{web}/{full}.git",
        "git_url": f"git://github.example.test/{full}.git",
        "ssh_url": f"git@github.example.test:{full}.git",
        "svn_url": f"{web}/{full}",
        "mirror_url": None,
        "homepage": None,
        "language": "TypeScript",
        "forks": 0,
        "forks_count": 0,
        "stargazers_count": 0,
        "watchers": 0,
        "watchers_count": 0,
        "size": 1,
        "default_branch": "main",
        "open_issues": 0,
        "open_issues_count": 0,
        "has_issues": True,
        "has_projects": True,
        "has_wiki": True,
        "has_pages": False,
        "has_downloads": True,
        "has_discussions": False,
        "archived": False,
        "disabled": False,
        "license": None,
        "pushed_at": NOW,
        "created_at": NOW,
        "updated_at": NOW,
    }
    for entry in _REPO_URLS:
        key, tail = entry.split(":", 1)
        repo[key] = url + tail
    return repo


def full_repository(api: str, web: str, owner: JSON, name: str) -> JSON:
    return {
        **repository(api, web, owner, name),
        "network_count": 0,
        "subscribers_count": 0,
        "permissions": {
            "admin": False,
            "maintain": False,
            "push": True,
            "triage": True,
            "pull": True,
        },
    }


def pull(
    api: str, web: str, repo: JSON, number: int, ident: int, author: JSON, head_sha: str
) -> JSON:
    repo_url, html_repo = repo["url"], repo["html_url"]
    url = f"{repo_url}/pulls/{number}"
    links = {
        "self": url,
        "html": f"{html_repo}/pull/{number}",
        "issue": f"{repo_url}/issues/{number}",
        "comments": f"{repo_url}/issues/{number}/comments",
        "review_comments": f"{url}/comments",
        "review_comment": f"{repo_url}/pulls/comments{{/number}}",
        "commits": f"{url}/commits",
        "statuses": f"{repo_url}/statuses/{head_sha}",
    }
    return {
        "id": ident,
        "node_id": node_id("PR", ident),
        "url": url,
        "html_url": links["html"],
        "diff_url": f"{links['html']}.diff",
        "patch_url": f"{links['html']}.patch",
        "issue_url": links["issue"],
        "commits_url": links["commits"],
        "review_comments_url": links["review_comments"],
        "review_comment_url": links["review_comment"],
        "comments_url": links["comments"],
        "statuses_url": links["statuses"],
        "number": number,
        "state": "open",
        "locked": False,
        "title": "",
        "user": author,
        "body": None,
        "labels": [],
        "milestone": None,
        "active_lock_reason": None,
        "created_at": NOW,
        "updated_at": NOW,
        "closed_at": None,
        "merged_at": None,
        "merge_commit_sha": None,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": {
            "label": f"{author['login']}:feature",
            "ref": "feature",
            "sha": head_sha,
            "user": author,
            "repo": repo,
        },
        "base": {
            "label": f"{repo['owner']['login']}:main",
            "ref": "main",
            "sha": "0" * 40,
            "user": repo["owner"],
            "repo": repo,
        },
        "_links": {k: {"href": v} for k, v in links.items()},
        "author_association": "CONTRIBUTOR",
        "auto_merge": None,
        "draft": False,
        "merged": False,
        "mergeable": True,
        "rebaseable": True,
        "mergeable_state": "clean",
        "merged_by": None,
        "comments": 0,
        "review_comments": 0,
        "maintainer_can_modify": False,
        "commits": 1,
        "additions": 0,
        "deletions": 0,
        "changed_files": 0,
    }


def diff_entry(repo: JSON, filename: str, status: str, additions: int, deletions: int) -> JSON:
    sha = hashlib.sha1(filename.encode()).hexdigest()
    return {
        "sha": sha,
        "filename": filename,
        "status": status,
        "additions": additions,
        "deletions": deletions,
        "changes": additions + deletions,
        "blob_url": f"{repo['html_url']}/blob/{sha}/{filename}",
        "raw_url": f"{repo['html_url']}/raw/{sha}/{filename}",
        "contents_url": f"{repo['url']}/contents/{filename}?ref={sha}",
        "patch": "@@ -1 +1 @@",
    }


def check_run(repo: JSON, ident: int, name: str, head_sha: str) -> JSON:
    url = f"{repo['url']}/check-runs/{ident}"
    return {
        "id": ident,
        "node_id": node_id("CR", ident),
        "head_sha": head_sha,
        "external_id": "",
        "url": url,
        "html_url": f"{repo['html_url']}/runs/{ident}",
        "details_url": None,
        "status": "queued",
        "conclusion": None,
        "started_at": NOW,
        "completed_at": None,
        "output": {
            "title": None,
            "summary": None,
            "text": None,
            "annotations_count": 0,
            "annotations_url": f"{url}/annotations",
        },
        "name": name,
        "check_suite": {"id": 1},
        "app": None,
        "pull_requests": [],
    }


def rate_limit(limit: int, remaining: int, reset: int, search_remaining: int) -> JSON:
    core = {"limit": limit, "remaining": remaining, "reset": reset, "used": limit - remaining}
    search = {
        "limit": 30,
        "remaining": search_remaining,
        "reset": reset,
        "used": 30 - search_remaining,
    }
    return {"resources": {"core": core, "search": search}, "rate": core}
