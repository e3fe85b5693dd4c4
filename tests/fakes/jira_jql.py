"""The subset of JQL the fake JIRA understands: AND-joined clauses and ORDER BY.

Fields: project, labels, text / summary (``~``), updated / created (dates in the user's
time zone as JIRA reads them: ``"yyyy-MM-dd HH:mm"``, ``"yyyy/MM/dd"``, relative ``-5m``),
key / id (``=``, ``in``), issuetype, status, parent. Anything else is a ``JqlError``,
answered 400 like JIRA's "Error in the JQL Query".
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from .jira_state import adf_text

_TOKEN = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|(\(|\)|,|!=|>=|<=|!~|=|~|>|<)|([^\s(),=~<>!"]+))')
FIELDS = {"project", "labels", "text", "summary", "updated", "created", "key", "id",
          "issuetype", "type", "status", "parent", "issue"}  # fmt: skip
OPERATORS = {"=", "!=", "~", "!~", ">=", "<=", ">", "<", "in", "not in"}


class JqlError(ValueError):
    pass


@dataclass
class Clause:
    field: str
    op: str
    values: list[str]


@dataclass
class Query:
    clauses: list[Clause] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, ascending)


def _tokens(jql: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    jql = jql.strip()
    while pos < len(jql):
        m = _TOKEN.match(jql, pos)
        if not m or m.end() == pos:
            raise JqlError(f"Error in the JQL Query: unexpected character at position {pos}")
        quoted, punct, word = m.groups()
        if quoted is not None:
            out.append(("str", quoted.replace('\\"', '"')))
        elif punct is not None:
            out.append(("op", punct))
        elif word is not None:
            out.append(("word", word))
        pos = m.end()
    return out


def parse(jql: str) -> Query:
    toks = _tokens(jql)
    query = Query()
    i = 0

    def word(n: int) -> str:
        return toks[n][1].lower() if n < len(toks) and toks[n][0] == "word" else ""

    while i < len(toks):
        if word(i) == "order" and word(i + 1) == "by":
            i += 2
            while i < len(toks):
                name = toks[i][1].lower()
                i += 1
                asc = True
                if word(i) in ("asc", "desc"):
                    asc = word(i) == "asc"
                    i += 1
                query.order.append((name, asc))
                if i < len(toks) and toks[i] == ("op", ","):
                    i += 1
            break
        if query.clauses:
            if word(i) != "and":
                raise JqlError(f"Error in the JQL Query: expected AND, found {toks[i][1]!r}")
            i += 1
        if i >= len(toks):
            raise JqlError("Error in the JQL Query: expected a clause")
        name = toks[i][1].lower()
        if name not in FIELDS:
            raise JqlError(f"Field '{toks[i][1]}' does not exist or you do not have permission")
        i += 1
        if word(i) == "not" and word(i + 1) == "in":
            op, i = "not in", i + 2
        elif word(i) == "in":
            op, i = "in", i + 1
        elif i < len(toks) and toks[i][0] == "op" and toks[i][1] in OPERATORS:
            op, i = toks[i][1], i + 1
        else:
            raise JqlError(f"Error in the JQL Query: expected an operator after {name!r}")
        values: list[str] = []
        if op in ("in", "not in"):
            if i >= len(toks) or toks[i] != ("op", "("):
                raise JqlError("Error in the JQL Query: expected '(' after IN")
            i += 1
            while i < len(toks) and toks[i] != ("op", ")"):
                if toks[i] != ("op", ","):
                    values.append(toks[i][1])
                i += 1
            i += 1
        else:
            if i >= len(toks) or toks[i][0] == "op":
                raise JqlError(f"Error in the JQL Query: expected a value after {op!r}")
            values.append(toks[i][1])
            i += 1
        query.clauses.append(Clause(name, op, values))
    return query


_RELATIVE = re.compile(r"^-?(\d+)([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def jql_date(value: str, zone: str, now: dt.datetime) -> dt.datetime:
    """A JQL date value as an aware UTC datetime (absolute ones in ``zone``)."""
    m = _RELATIVE.match(value.strip())
    if m:
        return now - dt.timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
    text = value.strip().replace("/", "-")
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            local = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return local.replace(tzinfo=ZoneInfo(zone)).astimezone(dt.timezone.utc)
    raise JqlError(
        f"Date value '{value}' for field is invalid. Valid formats include: "
        "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period "
        "format e.g. '-5d', '4w 2d'."
    )


def _time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def _cmp(op: str, left: Any, right: Any) -> bool:
    return {
        "=": left == right,
        "!=": left != right,
        ">=": left >= right,
        "<=": left <= right,
        ">": left > right,
        "<": left < right,
    }[op]


def matches(
    issue: dict[str, Any], clause: Clause, *, zone: str, now: dt.datetime, comments: str
) -> bool:
    f = issue["fields"]
    name, op, values = clause.field, clause.op, clause.values
    if name in ("updated", "created"):
        if op not in ("=", "!=", ">=", "<=", ">", "<"):
            raise JqlError(f"The operator '{op}' is not supported by the '{name}' field.")
        return _cmp(op, _time(f[name]), jql_date(values[0], zone, now))
    if name in ("text", "summary"):
        if op not in ("~", "!~"):
            raise JqlError(f"The operator '{op}' is not supported by the '{name}' field.")
        hay = (
            f["summary"]
            if name == "summary"
            else " ".join((f["summary"], adf_text(f.get("description")), comments))
        )
        words = [w for w in re.split(r"\W+", values[0].casefold()) if w]
        found = all(w in hay.casefold() for w in words)
        return found if op == "~" else not found
    have: list[str]
    if name == "project":
        have = [f["project"]["key"].casefold(), f["project"]["id"]]
    elif name == "labels":
        have = [n.casefold() for n in f.get("labels") or []]
    elif name in ("key", "issue"):
        have = [issue["key"].casefold()]
    elif name == "id":
        have = [issue["id"]]
    elif name in ("issuetype", "type"):
        have = [f["issuetype"]["name"].casefold(), f["issuetype"]["id"]]
    elif name == "status":
        have = [f["status"]["name"].casefold(), f["status"]["id"]]
    else:  # parent
        parent = f.get("parent") or {}
        have = [str(parent.get("key") or "").casefold(), str(parent.get("id") or "")]
    wanted = [v.casefold() for v in values]
    if op in ("=", "in"):
        return any(v in have for v in wanted)
    if op in ("!=", "not in"):
        return not any(v in have for v in wanted)
    raise JqlError(f"The operator '{op}' is not supported by the '{name}' field.")


def sort_key(order: list[tuple[str, bool]]) -> Any:
    def number(issue: dict[str, Any]) -> int:
        return int(issue["key"].rpartition("-")[2])

    def key(issue: dict[str, Any]) -> tuple[Any, ...]:
        parts: list[Any] = []
        for name, asc in order or [("key", False)]:
            if name in ("created", "updated"):
                value: Any = _time(issue["fields"][name]).timestamp()
            elif name in ("key", "id"):
                value = number(issue)
            else:
                raise JqlError(f"Not able to sort using field '{name}'.")
            parts.append(value if asc else -value)
        return (*parts, number(issue))

    return key
