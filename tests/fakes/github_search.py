"""The part of GitHub's issue search syntax the fake understands (``q`` of /search/issues)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(r'(-?)([\w-]+):("(?:[^"]*)"|\S+)|"([^"]*)"|(\S+)')


@dataclass
class Query:
    terms: list[str] = field(default_factory=list)
    # (qualifier, value, negated), e.g. ("label", "bug", False)
    qualifiers: list[tuple[str, str, bool]] = field(default_factory=list)

    def values(self, key: str) -> list[str]:
        return [v for k, v, neg in self.qualifiers if k == key and not neg]


def parse(q: str) -> Query:
    """``repo:o/r is:issue label:"needs spec" in:body marker text`` -> a Query."""
    query = Query()
    for m in _TOKEN.finditer(q):
        neg, key, value, quoted, word = m.groups()
        if key:
            query.qualifiers.append((key.lower(), value.strip('"'), neg == "-"))
        else:
            query.terms.append((quoted if quoted is not None else word).lower())
    return query


def matches(item: dict[str, Any], query: Query, *, full_name: str) -> bool:
    """Whether an issue (or a PR's issue object) matches every part of the query."""
    labels = {str(lbl["name"]).lower() for lbl in item.get("labels") or []}
    is_pr = "pull_request" in item
    milestone = (item.get("milestone") or {}).get("title")
    for key, value, neg in query.qualifiers:
        low = value.lower()
        if key == "repo":
            ok = low == full_name.lower()
        elif key in ("is", "type"):
            ok = {
                "issue": not is_pr,
                "pr": is_pr,
                "pull-request": is_pr,
                "open": item["state"] == "open",
                "closed": item["state"] == "closed",
            }.get(low, True)
        elif key == "state":
            ok = item["state"] == low
        elif key == "label":
            ok = any(part in labels for part in low.split(","))
        elif key == "milestone":
            ok = milestone is not None and milestone.lower() == low
        elif key == "no":
            ok = {"label": not labels, "milestone": milestone is None}.get(low, True)
        elif key == "author":
            ok = item["user"]["login"].lower() == low
        else:  # in:, sort:, and qualifiers the fake ignores
            ok = True
        if ok == neg:
            return False
    fields = query.values("in") or ["title", "body"]
    haystack = " ".join(str(item.get(f) or "") for f in fields if f in ("title", "body")).lower()
    return all(term in haystack for term in query.terms)
