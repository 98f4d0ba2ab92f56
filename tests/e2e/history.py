"""A shop with history before xerosync is installed, for the push tests (and `make e2e-push`)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import yaml

from local.sam import ROOT
from local.woo_store import WooStore
from local.woo_store.generate import Population, populate

# every tax rate the generator sets up, mapped (an AU organisation; overseas rates booked as GST
# amounts the store charged, which Xero takes as line tax overrides)
TAX_RATES = {
    "1": "OUTPUT",
    "2": "EXEMPTOUTPUT",
    "3": "OUTPUT",
    "4": "OUTPUT",
    "5": "OUTPUT",
    "6": "OUTPUT",
    "7": "OUTPUT",
    "8": "EXEMPTOUTPUT",
    "9": "OUTPUT",
    "10": "OUTPUT",
    "11": "OUTPUT",
    "9+10": "OUTPUT",
    "9+10+11": "OUTPUT",
}


def settings() -> str:
    data: dict[str, Any] = yaml.safe_load((ROOT / "local" / "demo-settings.yaml").read_text())
    data["tax"]["rates"] = TAX_RATES
    data["payments"]["default_account"] = "090"
    return yaml.safe_dump(data)


class History:
    """Writes ``orders`` orders over the 60 days before yesterday into a store."""

    def __init__(self, orders: int, customers: int, seed: int = 11) -> None:
        self.orders, self.customers, self.seed = orders, customers, seed
        self.end = (datetime.now(UTC) - timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
        self.start = self.end - timedelta(days=60)
        self.population: Population | None = None

    def __call__(self, store: WooStore) -> None:
        self.population = populate(
            store, seed=self.seed, customers=self.customers, orders=self.orders, start=self.start, end=self.end
        )

    def invoiced(self, store: WooStore) -> dict[str, Any]:
        """The orders that must each have exactly one invoice after a push (by invoice number)."""
        expected = {}
        for order in store.state.orders.values():
            status = order.status
            if status in ("processing", "completed", "refunded", "on-hold") and order.totals.total > 0:
                expected[f"WC-{order.number}"] = order
        return expected
