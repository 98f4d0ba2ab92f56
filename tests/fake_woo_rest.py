"""WooCommerce's REST API in memory, for the unit tests of the jobs that read a store through the
WooCommerce adapter (:class:`xerosync.sources.woocommerce.adapter.WooStore`): listings filtered
and ordered like WooCommerce's (``modified_after`` excludes its bound and compares whole
seconds; ``status=any`` leaves the trash out; ``after``/``before`` on the creation date, in the
site's time), single records, writes, and the store's webhooks."""

from collections.abc import Iterator
from typing import Any, cast

from xerosync import sources
from xerosync.sources.woocommerce.adapter import WooStore
from xerosync.sources.woocommerce.rest import StoreCredentials

WOO = sources.source("woocommerce")
SHOP = "https://shop.example"


class FakeRest:
    created_at = "2026-11-21T10:00:00"  # the time the store gives the webhooks it creates

    def __init__(self, url: str = SHOP) -> None:
        self.credentials = StoreCredentials(url, "ck_test", "cs_test")
        self.data: dict[str, list[dict[str, Any]]] = {"orders": [], "products": [], "customers": []}
        self.hooks: list[dict[str, Any]] = []
        self.calls: list[str] = []
        self.asked: list[tuple[str, dict[str, Any]]] = []
        self.fail_create: set[str] = set()
        self.fail_listing: set[str] = set()
        self.product_writes: list[tuple[int, dict[str, Any], int]] = []
        self.order_writes: list[tuple[int, dict[str, Any]]] = []

    # --- reads ---------------------------------------------------------------------------------
    def _rows(self, resource: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        if resource in self.fail_listing:
            raise RuntimeError(f"{resource}: the store answered 500")
        rows = list(self.data.get(resource, []))
        if params.get("modified_after"):
            bound = params["modified_after"]
            rows = [r for r in rows if str(r.get("date_modified_gmt") or "")[:19] > bound]
        if params.get("after"):
            rows = [r for r in rows if str(r.get("date_created") or "")[:19] > params["after"]]
        if params.get("before"):
            rows = [r for r in rows if str(r.get("date_created") or "")[:19] < params["before"]]
        if resource == "orders":
            status = params.get("status", "any")
            rows = [r for r in rows if (r.get("status") == "trash") == (status == "trash")]
        if params.get("type"):
            rows = [r for r in rows if r.get("type") == params["type"]]
        if params.get("orderby") == "registered_date":
            rows.sort(key=lambda r: str(r.get("date_created_gmt")), reverse=True)
        else:
            rows.sort(key=lambda r: int(r["id"]))
        return rows

    def records(self, resource: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        self.calls.append(resource)
        self.asked.append((resource, dict(params)))
        yield from self._rows(resource, params)

    def total(self, resource: str, params: dict[str, Any]) -> int:
        return len(self._rows(resource, params))

    def get(self, resource: str, record_id: int) -> dict[str, Any]:
        self.calls.append(f"{resource}/{record_id}")
        collections = [resource] if resource != "products" else [k for k in self.data if k.startswith("products")]
        for collection in collections:
            for row in self.data.get(collection, []):
                if int(row["id"]) == record_id:
                    return dict(row)
        raise LookupError(f"{resource}/{record_id}: 404")

    def refund(self, order_id: int, refund_id: int) -> dict[str, Any]:
        raise NotImplementedError

    # --- writes --------------------------------------------------------------------------------
    def update_order(self, order_id: int, fields: dict[str, Any]) -> dict[str, Any]:
        self.order_writes.append((order_id, fields))
        return {"id": order_id, **fields}

    def update_product(self, product_id: int, fields: dict[str, Any], *, parent_id: int = 0) -> dict[str, Any]:
        self.product_writes.append((product_id, fields, parent_id))
        return {"id": product_id, **fields}

    # --- webhooks ------------------------------------------------------------------------------
    def webhooks(self) -> list[dict[str, Any]]:
        return [dict(h) for h in self.hooks]

    def create_webhook(self, fields: dict[str, Any]) -> dict[str, Any]:
        if fields["topic"] in self.fail_create:
            raise RuntimeError("the store refused it")
        made = {**fields, "id": 100 + len(self.hooks), "date_created_gmt": self.created_at}
        self.hooks.append(made)
        return made

    def update_webhook(self, webhook_id: int, fields: dict[str, Any]) -> dict[str, Any]:
        found = next(h for h in self.hooks if h["id"] == webhook_id)
        found.update(fields)
        return found

    def delete_webhook(self, webhook_id: int) -> None:
        self.hooks = [h for h in self.hooks if h["id"] != webhook_id]


def woo_store(rest: FakeRest) -> WooStore:
    """The adapter's store client over the fake REST API."""
    return WooStore(cast(Any, rest))
