"""The WooCommerce REST API v3 (what webhooks leave out: refund lines, and, for the
reconciliation, everything modified since a watermark), and the few writes xerosync makes to
the store: its webhooks, products (prices, names and stock Xero owns) and orders (paid in Xero).

Authenticated with the store's consumer key and secret (HTTP Basic over HTTPS, as WooCommerce
documents). httpx is imported on first use, so functions that never call the store do not pay
for it.
"""

from collections.abc import Iterator
from typing import Any

from xerosync.frozen import frozen
from xerosync.sources.port import StoreError, StoreNotFound, StoreUnavailable, require_https


@frozen
class StoreCredentials:
    url: str  # the site, e.g. https://shop.example.com.au
    consumer_key: str
    consumer_secret: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "StoreCredentials | None":
        """None when the secret is not filled in yet (the REST API is then not used); a
        :class:`StoreError` when its URL is not https (http only to this machine)."""
        url = str(data.get("url") or "").strip().rstrip("/")
        if not url or not data.get("consumer_key"):
            return None
        require_https(url, "the store URL in StoreApiSecret")
        return cls(url, str(data["consumer_key"]), str(data.get("consumer_secret", "")))

    def __repr__(self) -> str:
        return f"StoreCredentials(url={self.url!r}, consumer_key={self.consumer_key[:6]!r}...)"


class WooClient:
    def __init__(self, credentials: StoreCredentials, *, timeout: float = 20.0) -> None:
        import httpx

        self.credentials = credentials
        self._http = httpx.Client(
            base_url=credentials.url + "/wp-json/wc/v3",
            auth=(credentials.consumer_key, credentials.consumer_secret),
            timeout=timeout,
            headers={"User-Agent": "xerosync"},
        )
        self.calls = 0

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        import httpx

        self.calls += 1
        try:
            response = self._http.get(path, params=params)
        except httpx.HTTPError as exc:
            raise StoreUnavailable(f"the store did not answer {path}: {type(exc).__name__}") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise StoreUnavailable(f"the store answered {response.status_code} to {path}")
        if response.status_code >= 400:
            try:
                message = response.json().get("message", "")
            except ValueError:
                message = response.text[:200]
            refused = StoreNotFound if response.status_code == 404 else StoreError
            raise refused(f"the store refused {path} ({response.status_code}): {message}")
        return response

    def _send(self, method: str, path: str, body: dict[str, Any] | None = None, **params: Any) -> Any:
        """A write (POST, PUT, DELETE). Never retried here: the caller decides what a retry means."""
        import httpx

        self.calls += 1
        try:
            response = self._http.request(method, path, json=body, params=params or None)
        except httpx.HTTPError as exc:
            raise StoreUnavailable(f"the store did not answer {method} {path}: {type(exc).__name__}") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise StoreUnavailable(f"the store answered {response.status_code} to {method} {path}")
        if response.status_code >= 400:
            try:
                message = response.json().get("message", "")
            except ValueError:
                message = response.text[:200]
            raise StoreError(f"the store refused {method} {path} ({response.status_code}): {message}")
        return response.json()

    def refund(self, order_id: int, refund_id: int) -> dict[str, Any]:
        body: dict[str, Any] = self._get(f"/orders/{int(order_id)}/refunds/{int(refund_id)}").json()
        return body

    def pages(self, resource: str, params: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
        """Every page of a list endpoint (``X-WP-TotalPages`` says how many)."""
        page = 1
        while True:
            response = self._get(f"/{resource}", {**params, "page": page, "per_page": params.get("per_page", 100)})
            items: list[dict[str, Any]] = response.json()
            yield items
            total_pages = int(response.headers.get("X-WP-TotalPages", "1") or 1)
            if page >= total_pages or not items:
                return
            page += 1

    def records(self, resource: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every record of a list endpoint, page after page (100 a page)."""
        for page in self.pages(resource, {"per_page": 100, **params}):
            yield from page

    def listing(self, resource: str) -> list[dict[str, Any]]:
        """A list endpoint WooCommerce answers whole, without pages (payment gateways, reports)."""
        items = self._get(f"/{resource}").json()
        return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []

    def total(self, resource: str, params: dict[str, Any]) -> int:
        """How many records a list endpoint has for ``params`` (its ``X-WP-Total`` header)."""
        response = self._get(f"/{resource}", {**params, "page": 1, "per_page": 1})
        return int(response.headers.get("X-WP-Total", "0") or 0)

    def get(self, resource: str, record_id: int) -> dict[str, Any]:
        """One record: ``get("orders", 1001)``; ``get("products", id)`` answers a variation too."""
        body: dict[str, Any] = self._get(f"/{resource}/{int(record_id)}").json()
        return body

    def update_order(self, order_id: int, fields: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = self._send("PUT", f"/orders/{int(order_id)}", fields)
        return body

    def update_product(self, product_id: int, fields: dict[str, Any], *, parent_id: int = 0) -> dict[str, Any]:
        """A product, or with ``parent_id`` a variation of that product."""
        path = f"/products/{int(product_id)}"
        if parent_id:
            path = f"/products/{int(parent_id)}/variations/{int(product_id)}"
        body: dict[str, Any] = self._send("PUT", path, fields)
        return body

    def webhooks(self) -> list[dict[str, Any]]:
        return list(self.records("webhooks", {"status": "all"}))

    def create_webhook(self, fields: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = self._send("POST", "/webhooks", fields)
        return body

    def update_webhook(self, webhook_id: int, fields: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = self._send("PUT", f"/webhooks/{int(webhook_id)}", fields)
        return body

    def delete_webhook(self, webhook_id: int) -> None:
        self._send("DELETE", f"/webhooks/{int(webhook_id)}", force="true")
