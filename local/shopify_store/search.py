"""Connections and search, as the Admin API pages and filters (shopify.dev/docs/api/usage/pagination-graphql,
/docs/api/usage/search-syntax).

* A connection needs ``first`` or ``last`` (at most 250) outside bulk operations; ``after``/``before``
  are opaque cursors (base64 of ``{"last_id", "last_value"}``, as Shopify's decode); ``reverse`` flips
  the sort. ``pageInfo`` says whether more pages exist.
* ``query`` terms ``field:value``, with ``:>``, ``:>=``, ``:<``, ``:<=`` for dates and numbers, a quoted
  value (``updated_at:>'2026-07-01T00:00:00Z'``), ``-field:value`` to negate, a trailing ``*`` as a
  prefix; terms are ANDed (``AND`` is accepted). A field the resource does not know is ignored and
  reported in ``extensions.search`` as Shopify does ("Invalid search field for this query.").
"""

import base64
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from graphql import GraphQLError

MAX_PAGE = 250
TERM = re.compile(r"""(-)?([A-Za-z_]+):(<=|>=|<|>)?('[^']*'|"[^"]*"|\S+)""")


@dataclass(frozen=True)
class Term:
    field: str
    op: str  # "", "<", "<=", ">", ">="
    value: str
    negated: bool = False


def parse(text: str | None) -> tuple[list[Term], list[str]]:
    """Terms and the words that are not ``field:value`` (free text, ``OR``: not supported)."""
    terms, rest = [], []
    for chunk in re.split(r"\s+(?=(?:[^'\"]*['\"][^'\"]*['\"])*[^'\"]*$)", (text or "").strip()):
        if not chunk or chunk == "AND":
            continue
        m = TERM.fullmatch(chunk)
        if m:
            value = m.group(4)
            if value[:1] in "'\"" and value[-1:] == value[:1]:
                value = value[1:-1]
            terms.append(Term(m.group(2).lower(), m.group(3) or "", value, bool(m.group(1))))
        else:
            rest.append(chunk)
    return terms, rest


def _coerce(value: str, like: Any) -> Any:
    if isinstance(like, datetime):
        text = value.replace("Z", "+00:00")
        parsed = (
            datetime.fromisoformat(text)
            if "T" in text
            else datetime.combine(date.fromisoformat(text), datetime.min.time())
        )
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if isinstance(like, bool):
        return value.lower() == "true"
    if isinstance(like, int | Decimal):
        try:
            return Decimal(value)
        except InvalidOperation:
            return None
    return value.lower()


def _match(term: Term, actual: Any) -> bool:
    if actual is None:
        return False
    if isinstance(actual, list | tuple | set):
        return any(_match(term, a) for a in actual)
    wanted = _coerce(term.value, actual)
    if wanted is None:
        return False
    have = actual.lower() if isinstance(actual, str) else actual
    if isinstance(have, str) and isinstance(wanted, str) and wanted.endswith("*"):
        return have.startswith(wanted[:-1])
    ops: dict[str, Callable[[Any, Any], bool]] = {
        "": lambda a, b: a == b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }
    return ops[term.op](have, wanted)


def filtered[T](
    items: Sequence[T], query: str | None, fields: dict[str, Callable[[T], Any]], warnings: list[dict[str, Any]]
) -> list[T]:
    terms, rest = parse(query)
    known = []
    for term in terms:
        if term.field in fields:
            known.append(term)
        else:
            warnings.append({"field": term.field, "message": "Invalid search field for this query."})
    for word in rest:
        warnings.append({"field": None, "message": f"Unsupported search term: {word}"})
    return [i for i in items if all(_match(t, fields[t.field](i)) != t.negated for t in known)]


def cursor(last_id: int, last_value: Any) -> str:
    value = last_value.isoformat() if isinstance(last_value, datetime) else str(last_value)
    return base64.b64encode(json.dumps({"last_id": last_id, "last_value": value}).encode()).decode()


def _position(text: str) -> int:
    try:
        return int(json.loads(base64.b64decode(text))["last_id"])
    except (ValueError, KeyError, TypeError) as err:
        raise GraphQLError("Invalid cursor for current pagination sort.") from err


def connection[T](
    items: Sequence[T],
    args: dict[str, Any],
    key: Callable[[T], tuple[Any, int]],
    node: Callable[[T], Any],
    *,
    bulk: bool = False,
) -> dict[str, Any]:
    """A page of ``items`` (sorted by ``key`` = (sort value, id)) as a connection."""
    first, last = args.get("first"), args.get("last")
    if not bulk:
        if first is None and last is None:
            raise GraphQLError("you must provide one of first or last")
        for name, size in (("first", first), ("last", last)):
            if size is not None and not 0 <= size <= MAX_PAGE:
                raise GraphQLError(f"The '{name}' argument must be between 0 and {MAX_PAGE}.")
    ordered = sorted(items, key=key, reverse=bool(args.get("reverse")))
    ids = [key(i)[1] for i in ordered]
    start, end = 0, len(ordered)
    if args.get("after"):
        after = _position(args["after"])
        start = ids.index(after) + 1 if after in ids else start
    if args.get("before"):
        before = _position(args["before"])
        end = ids.index(before) if before in ids else end
    window = ordered[start:end]
    page = window
    if first is not None and not bulk:
        page = page[:first]
    if last is not None and not bulk:
        page = page[-last:] if last else []
    edges = [{"cursor": cursor(key(i)[1], key(i)[0]), "node": node(i)} for i in page]
    begin = start + window.index(page[0]) if page else start
    return {
        "edges": edges,
        "nodes": [e["node"] for e in edges],
        "pageInfo": {
            "hasNextPage": begin + len(page) < len(ordered) if page else end < len(ordered),
            "hasPreviousPage": begin > 0,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }
