"""The subset of WIQL FakeAdo understands: flat queries joined by AND, and ORDER BY."""

# SELECT [a], [b] FROM WorkItems WHERE <clause> AND <clause> ... [ORDER BY [f] [ASC|DESC]]
# clause: [Field] op value, op one of = <> > >= < <= CONTAINS IN; value a 'string'
# ('' escapes a quote), a number, @project, @today, or a (list) for IN. Tags CONTAINS
# matches a whole tag, as ADO does. Dates: with timePrecision off ADO refuses a time part.
# Anything else (OR, parentheses, link queries) is answered as ADO answers a syntax error.

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from .ado_state import AdoError, split_tags

_QUERY = re.compile(
    r"^\s*SELECT\s+(?P<cols>.+?)\s+FROM\s+WorkItems"
    r"(?:\s+WHERE\s+(?P<where>.+?))?"
    r"(?:\s+ORDER\s+BY\s+\[(?P<order>[\w.]+)\](?:\s+(?P<dir>ASC|DESC))?)?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_CLAUSE = re.compile(
    r"^\s*\[(?P<field>[\w.]+)\]\s*(?P<op>>=|<=|<>|=|>|<|\bCONTAINS\b|\bIN\b)\s*(?P<value>.+?)\s*$",
    re.IGNORECASE | re.DOTALL,
)
_AND = re.compile(r"\s+AND\s+(?=(?:[^']*'[^']*')*[^']*$)", re.IGNORECASE)
_DATE_FIELDS = frozenset({"System.ChangedDate", "System.CreatedDate"})


@dataclass(frozen=True)
class Clause:
    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class Query:
    columns: list[str]
    clauses: list[Clause]
    order: str | None
    descending: bool


def syntax_error(near: str) -> AdoError:
    return AdoError(
        400,
        f"TF51006: The query statement is not valid. The error is caused by «{near.strip()[:60]}».",
        "WorkItemTrackingQueryException",
    )


def _value(text: str, project: str, time_precision: bool, field: str) -> Any:
    text = text.strip()
    if text.lower() == "@project":
        return project
    if text.lower() == "@today":
        return dt.datetime.now(dt.timezone.utc).date().isoformat()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        value = text[1:-1].replace("''", "'")
        if field in _DATE_FIELDS and "T" in value and not time_precision:
            raise AdoError(
                400,
                "TF51005: You cannot supply a time with the date when running a query using "
                f"date precision. The error is caused by «{text}».",
                "WorkItemTrackingQueryException",
            )
        return value
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    raise syntax_error(text)


def parse(text: str, project: str, *, time_precision: bool) -> Query:
    m = _QUERY.match(text)
    if not m:
        raise syntax_error(text)
    columns = [c.strip().strip("[]") for c in m.group("cols").split(",")]
    clauses = []
    where = m.group("where")
    unquoted = re.sub(r"'(?:[^']|'')*'", "''", where or "")
    if re.search(r"\b(?:OR|NOT|EVER)\b", unquoted, re.IGNORECASE):
        raise syntax_error(where or "")
    for part in _AND.split(where) if where else []:
        c = _CLAUSE.match(part)
        if not c:
            raise syntax_error(part)
        field, op, raw = c.group("field"), c.group("op").upper(), c.group("value")
        if op == "IN":
            inner = raw.strip()
            if not (inner.startswith("(") and inner.endswith(")")):
                raise syntax_error(raw)
            items = [v for v in re.split(r",(?=(?:[^']*'[^']*')*[^']*$)", inner[1:-1])]
            value: Any = [_value(v, project, time_precision, field) for v in items]
        else:
            value = _value(raw, project, time_precision, field)
        clauses.append(Clause(field, op, value))
    return Query(columns, clauses, m.group("order"), (m.group("dir") or "").upper() == "DESC")


def _date(value: Any) -> dt.datetime:
    text = str(value).replace("Z", "+00:00")
    when = dt.datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def _compare(have: Any, op: str, want: Any, field: str, time_precision: bool) -> bool:
    if field == "System.Tags" and op == "CONTAINS":
        return str(want).lower() in {t.lower() for t in split_tags(have)}
    if op == "CONTAINS":
        return str(want).lower() in str(have or "").lower()
    if op == "IN":
        return any(_compare(have, "=", w, field, time_precision) for w in want)
    if have is None:
        return op == "<>"
    if field in _DATE_FIELDS:
        a, b = _date(have), _date(want)
        if not time_precision:
            a, b = a.replace(hour=0, minute=0, second=0, microsecond=0), b
        pair: tuple[Any, Any] = (a, b)
    elif isinstance(want, int):
        pair = (int(have), want)
    else:
        pair = (str(have).lower(), str(want).lower())
    x, y = pair
    return bool(
        {
            "=": x == y,
            "<>": x != y,
            ">": x > y,
            ">=": x >= y,
            "<": x < y,
            "<=": x <= y,
        }[op]
    )


def run(query: Query, items: list[dict[str, Any]], *, time_precision: bool) -> list[int]:
    """Ids of the items (``{"id", "fields"}``) matching every clause, in query order."""
    out = []
    for item in items:
        fields = {**item["fields"], "System.Id": item["id"]}
        if all(
            _compare(fields.get(c.field), c.op, c.value, c.field, time_precision)
            for c in query.clauses
        ):
            out.append(item)
    order = query.order or "System.Id"
    out.sort(key=lambda i: _sort_key({**i["fields"], "System.Id": i["id"]}.get(order)))
    if query.descending:
        out.reverse()
    return [int(i["id"]) for i in out]


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, (int, float)):
        return (0, value)
    return (1, str(value or ""))
