"""``POST /admin/api/{version}/graphql.json``: the Admin GraphQL API, run by graphql-core over the
schema subset in ``schema/`` (https://shopify.dev/docs/api/admin-graphql).

* ``X-Shopify-Access-Token`` must be a valid token (``auth.py``), else 401.
* Versions: the supported stable ones (``store.versions``), the release candidate and
  ``unstable`` are served as asked; an older or unsupported well-formed version **falls forward** to
  the oldest supported one (shopify.dev/docs/api/usage/versioning); the version served is in the
  ``X-Shopify-API-Version`` header. A path that is not a version at all is a 404.
* Every answer carries ``extensions.cost`` (``cost.py``); a query above the available points is
  refused with THROTTLED (HTTP 200). Syntax and validation errors are HTTP 200 with ``errors``,
  as Shopify answers them. Unknown search fields are reported in ``extensions.search``.
"""

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphql import (
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    build_schema,
    execute_sync,
    get_operation_ast,
    parse,
    validate,
)
from graphql.language import DocumentNode

from local.shopify_store.auth import INVALID_TOKEN, Grant
from local.shopify_store.cost import Coster, throttled
from local.shopify_store.money import decimal_text
from local.shopify_store.resolvers import mutation_root, query_root
from local.shopify_store.views import Ctx

if TYPE_CHECKING:
    from local.shopify_store.store import ShopifyStore

SCHEMA_DIR = Path(__file__).with_name("schema")
VERSION = re.compile(r"^(\d{4})-(01|04|07|10)$")


def _datetime(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def _decimal(value: Any) -> str:
    return decimal_text(value if isinstance(value, Decimal) else Decimal(str(value)))


def _plain(value: Any) -> str:
    return str(value)


@cache
def schema() -> GraphQLSchema:
    """The schema subset (every ``schema/*.graphql``), with Shopify's scalar serialisation."""
    sdl = "\n".join(p.read_text() for p in sorted(SCHEMA_DIR.glob("*.graphql")))
    built = build_schema(sdl)
    for name, out in (("DateTime", _datetime), ("Decimal", _decimal), ("Money", _plain),
                      ("UnsignedInt64", _plain), ("URL", _plain)):  # fmt: skip
        scalar: Any = built.type_map[name]
        scalar.serialize = scalar.coerce_output_value = out
    return built


def served_version(store: "ShopifyStore", asked: str) -> str | None:
    """The version Shopify answers a request for ``asked`` with (None: not a version: 404)."""
    if asked in (*store.versions, "unstable", "2026-10"):
        return asked
    if not VERSION.match(asked):
        return None
    if asked < store.versions[0]:
        return store.versions[0]
    return asked if asked <= "2026-10" else None


def run(ctx: Ctx, document: DocumentNode, variables: dict[str, Any], name: str | None) -> dict[str, Any]:
    """Execute a parsed, valid operation (no cost accounting): the GraphQL answer."""
    op = get_operation_ast(document, name)
    if op is None:
        return {"errors": [{"message": "An operation name is required"}]}
    root = mutation_root(ctx) if op.operation == OperationType.MUTATION else query_root(ctx)
    result = execute_sync(schema(), document, root_value=root, context_value=ctx, variable_values=variables,
                          operation_name=name)  # fmt: skip
    out: dict[str, Any] = {}
    if result.errors:
        out["errors"] = [e.formatted for e in result.errors]
    out["data"] = result.data
    return out


def handle(
    store: "ShopifyStore", version: str, headers: dict[str, str], body: bytes
) -> tuple[int, dict[str, str], Any]:
    served = served_version(store, version)
    if served is None:
        return 404, {}, {"errors": "Not Found"}
    grant: Grant | None = store.tokens.check(headers.get("x-shopify-access-token"))
    if grant is None:
        return 401, {}, INVALID_TOKEN
    reply_headers = {"X-Shopify-API-Version": served}
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        return 400, reply_headers, {"errors": {"query": "Required parameter missing or invalid"}}
    if not isinstance(request, dict) or not isinstance(request.get("query"), str):
        return 400, reply_headers, {"errors": {"query": "Required parameter missing or invalid"}}
    try:
        document = parse(request["query"])
    except GraphQLError as err:
        return 200, reply_headers, {"errors": [err.formatted]}
    problems = validate(schema(), document)
    if problems:
        return 200, reply_headers, {"errors": [e.formatted for e in problems]}
    variables = request.get("variables") or {}
    name = request.get("operationName")
    op = get_operation_ast(document, name)
    if not isinstance(op, OperationDefinitionNode):
        return 200, reply_headers, {"errors": [{"message": "An operation name is required"}]}
    coster = Coster(schema(), document, variables)
    requested = coster.operation(op)
    key = (grant.app.client_id, store.domain)
    limits = store.throttle.limits
    if requested > limits.max_cost:
        message = f"Query cost is {requested}, which exceeds the single query max cost limit ({limits.max_cost})."
        error = {"message": message, "extensions": {"code": "MAX_COST_EXCEEDED", "cost": requested,
                                                     "maxCost": limits.max_cost}}  # fmt: skip
        return 200, reply_headers, {"errors": [error]}
    taken, status = store.throttle.take(key, requested, store.now())
    if not taken:
        return 200, reply_headers, throttled(requested, status)
    ctx = Ctx(store, grant, served)
    with store.lock:
        answer = run(ctx, document, variables, name)
    actual = min(requested, coster.operation(op, answer.get("data") or {}))
    status = store.throttle.give_back(key, requested - actual, store.now())
    extensions: dict[str, Any] = {
        "cost": {"requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": status}
    }
    if ctx.search:
        extensions["search"] = [{"path": [], "query": None, "parsed": None, "warnings": ctx.search}]
    answer["extensions"] = extensions
    return 200, reply_headers, answer
