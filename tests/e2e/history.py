"""A shop with history before xerosync is installed, for the push tests (and `make e2e-push`)."""

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import yaml

from local.sam import ROOT
from local.woo_store import WooStore
from local.woo_store.generate import Population, populate

# every tax rate the generator sets up, and every combination a line can carry within one country
# (a fee or shipping line spread over tax classes), mapped: an AU organisation books overseas GST
# and VAT as the amounts the store charged (Xero takes them as line tax overrides)
COUNTRIES = {"AU": (1, 2, 3), "NZ": (4, 5), "GB": (6, 7, 8), "US": (9, 10, 11)}
ZERO_RATES = {2, 8}


def _combinations() -> dict[str, str]:
    rates: dict[str, str] = {}
    for ids in COUNTRIES.values():
        for size in range(1, len(ids) + 1):
            for combo in itertools.combinations(ids, size):
                rates["+".join(map(str, combo))] = "EXEMPTOUTPUT" if set(combo) <= ZERO_RATES else "OUTPUT"
    return rates


TAX_RATES = _combinations()


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
