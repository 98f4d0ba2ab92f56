"""The Admin GraphQL API's cost-based rate limit (shopify.dev/docs/api/usage/limits,
/docs/apps/build/apis/graphql-admin/rate-limits).

Cost (Shopify's published rules, simplified): a scalar or enum field 0, an object (or interface,
union, list of objects) 1 plus its selections, a connection 2 plus ``first``/``last`` times the
cost of one node, a mutation 10 plus what its payload selects. The *requested* cost is computed
from the query before running it; the *actual* cost walks the answer with the same rules, counting
the nodes really returned (never above the requested cost).

A leaky bucket per app and shop on the shop's clock: ``maximumAvailable`` points, refilled at
``restoreRate`` per second. A query is refused when its requested cost exceeds what is available:
``{"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED", …}}]}`` with HTTP 200.
After running, the difference between requested and actual cost goes back into the bucket. A query
above ``max_cost`` (1,000) is refused outright with ``MAX_COST_EXCEEDED``. Defaults: restore 100
points/s (Standard plan, the limits page); the bucket of 2,000 points is a guess (20 s of restore,
the ratio of the older 1,000/50 figures).
"""

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    value_from_ast_untyped,
)
from graphql.type import GraphQLNamedType

DOCS = "https://shopify.dev/api/usage/rate-limits"


@dataclass(frozen=True)
class Limits:
    maximum: float = 2000.0
    restore_rate: float = 100.0
    max_cost: int = 1000


class Bucket:
    def __init__(self, limits: Limits, now: datetime) -> None:
        self.limits = limits
        self.available = limits.maximum
        self.at = now

    def _fill(self, now: datetime) -> None:
        seconds = max(0.0, (now - self.at).total_seconds())
        self.available = min(self.limits.maximum, self.available + seconds * self.limits.restore_rate)
        self.at = now

    def status(self) -> dict[str, Any]:
        return {
            "maximumAvailable": self.limits.maximum,
            "currentlyAvailable": int(self.available),
            "restoreRate": self.limits.restore_rate,
        }


class Throttle:
    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self.enabled = True
        self._buckets: dict[tuple[str, str], Bucket] = {}
        self._lock = threading.Lock()
        self.refused = 0

    def take(self, key: tuple[str, str], cost: int, now: datetime) -> tuple[bool, dict[str, Any]]:
        """Take ``cost`` points if available: (taken, throttleStatus after)."""
        with self._lock:
            bucket = self._buckets.setdefault(key, Bucket(self.limits, now))
            bucket.limits = self.limits
            bucket._fill(now)
            if self.enabled and cost > bucket.available:
                self.refused += 1
                return False, bucket.status()
            bucket.available -= cost
            return True, bucket.status()

    def give_back(self, key: tuple[str, str], points: int, now: datetime) -> dict[str, Any]:
        with self._lock:
            bucket = self._buckets[key]
            bucket._fill(now)
            bucket.available = min(self.limits.maximum, bucket.available + points)
            return bucket.status()

    def drain(self, key: tuple[str, str], now: datetime) -> None:
        """Empty a bucket (a test's way to reach the limit at once)."""
        with self._lock:
            bucket = self._buckets.setdefault(key, Bucket(self.limits, now))
            bucket._fill(now)
            bucket.available = 0.0


def throttled(requested: int, status: dict[str, Any]) -> dict[str, Any]:
    return {
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED", "documentation": DOCS}}],
        "extensions": {"cost": {"requestedQueryCost": requested, "actualQueryCost": None, "throttleStatus": status}},
    }


class Coster:
    """Requested (``data`` None) or actual (walking ``data``) cost of one operation."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any]) -> None:
        self.schema = schema
        self.variables = variables
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}

    def operation(self, op: OperationDefinitionNode, data: dict[str, Any] | None = None) -> int:
        mutation = op.operation == OperationType.MUTATION
        root = self.schema.mutation_type if mutation else self.schema.query_type
        assert root is not None
        if not mutation:
            return self._selections(root, op.selection_set, data)
        total = 0
        for _, node in self._fields(root, op.selection_set):
            part = data.get(self._key(node)) if data is not None else None
            total += 10 + self._field_children(root, node, part, data is not None)
        return total

    def _fields(
        self, parent: GraphQLNamedType, selection_set: SelectionSetNode | None
    ) -> list[tuple[GraphQLNamedType, FieldNode]]:
        """The fields selected, each with the type it is a field of (fragments on a concrete type)."""
        out: list[tuple[GraphQLNamedType, FieldNode]] = []
        for sel in selection_set.selections if selection_set else ():
            if isinstance(sel, FieldNode):
                out.append((parent, sel))
                continue
            if isinstance(sel, InlineFragmentNode):
                fragment: InlineFragmentNode | FragmentDefinitionNode | None = sel
            else:
                assert isinstance(sel, FragmentSpreadNode)
                fragment = self.fragments.get(sel.name.value)
            if fragment is None:
                continue
            condition = fragment.type_condition
            on = self.schema.get_type(condition.name.value) if condition else None
            out.extend(self._fields(on or parent, fragment.selection_set))
        return out

    @staticmethod
    def _key(node: FieldNode) -> str:
        return node.alias.value if node.alias else node.name.value

    @staticmethod
    def _type_of(parent: GraphQLNamedType, name: str) -> Any:
        fields = getattr(parent, "fields", None)
        return fields[name].type if fields and name in fields else None

    def _selections(self, parent: GraphQLNamedType, sels: SelectionSetNode | None, data: Any) -> int:
        actual = data is not None
        return sum(
            self._field(owner, node, data.get(self._key(node)) if isinstance(data, dict) else None, actual)
            for owner, node in self._fields(parent, sels)
        )

    def _field(self, parent: GraphQLNamedType, node: FieldNode, data: Any, actual: bool) -> int:
        field_type = self._type_of(parent, node.name.value)
        if field_type is None or is_leaf_type(get_named_type(field_type)):
            return 0
        if actual and data is None:
            return 0
        return (
            1 + self._field_children(parent, node, data, actual)
            if not self._connection(field_type)
            else (self._field_children(parent, node, data, actual))
        )

    @staticmethod
    def _connection(field_type: Any) -> bool:
        return bool(get_named_type(field_type).name.endswith("Connection"))

    def _field_children(self, parent: GraphQLNamedType, node: FieldNode, data: Any, actual: bool) -> int:
        field_type = self._type_of(parent, node.name.value)
        named = get_named_type(field_type)
        if self._connection(field_type):
            return 2 + self._connection_nodes(named, node, data, actual)
        inner = field_type.of_type if is_non_null_type(field_type) else field_type
        if is_list_type(inner) and actual and isinstance(data, list):
            return sum(self._selections(named, node.selection_set, item) for item in data)
        return self._selections(named, node.selection_set, data if actual else None)

    def _connection_nodes(self, conn: GraphQLNamedType, node: FieldNode, data: Any, actual: bool) -> int:
        size = self._size(node)
        per_node = 0
        node_type = get_named_type(self._type_of(conn, "nodes") or self._type_of(conn, "edges"))
        for _, sub in self._fields(conn, node.selection_set):
            if sub.name.value == "nodes":
                items = data.get(self._key(sub)) if actual and isinstance(data, dict) else None
                if actual:
                    return sum(1 + self._selections(node_type, sub.selection_set, i) for i in items or [])
                per_node = max(per_node, 1 + self._selections(node_type, sub.selection_set, None))
            elif sub.name.value == "edges":
                edge_type = get_named_type(self._type_of(conn, "edges"))
                edges = data.get(self._key(sub)) if actual and isinstance(data, dict) else None
                if actual:
                    return sum(self._selections(edge_type, sub.selection_set, e) for e in edges or [])
                per_node = max(per_node, self._selections(edge_type, sub.selection_set, None))
        return size * per_node

    def _size(self, node: FieldNode) -> int:
        for arg in node.arguments or ():
            if arg.name.value in ("first", "last"):
                if isinstance(arg.value, VariableNode):
                    value = self.variables.get(arg.value.name.value)
                else:
                    value = value_from_ast_untyped(arg.value)
                if isinstance(value, int):
                    return value
        return 0
