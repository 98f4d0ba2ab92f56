"""The benchmark's shop, seeded: its order history, the settings that map it, and the Xero
organisation it lands in (half of its customers already there as contacts).

The history comes from the store simulator's generator (``local.woo_store.generate``):
registered customers and guests, tax-inclusive and exclusive prices, several countries and
tax rates, coupons, fees, payments at checkout or days later, refunds, cancellations, failed
payments, abandoned drafts. Each order is pushed in its final state, as a historical push
does. The generator makes one guest e-mail for every two registered customers, so
``customers=3000`` asks it for 2,000 registered customers and 1,000 guests.
"""

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from local.woo import Delivery, delivery
from local.woo_store import WooStore
from local.woo_store.generate import populate
from local.woo_store.model import Settings
from local.xero_sandbox.contacts import create as create_contact
from local.xero_sandbox.contacts import name_taken
from local.xero_sandbox.settings import create_tax_rate
from local.xero_sandbox.state import Organisation
from xerosync.domain import Party
from xerosync.sources.woocommerce.mapping import parse_order, party_from_order, sale_from_order
from xerosync.xero.payloads import contact as contact_body

WEBHOOK_SECRET = "bench-webhook-secret-0123456789"  # noqa: S105 - a local benchmark's fixed secret
STORE_URL = "https://shop.bench.example/"
# Xero's AU tax types for the store's Australian rates; every other rate gets a Xero tax rate
AU_TAX_TYPES = {Decimal("10"): "OUTPUT", Decimal("0"): "EXEMPTOUTPUT"}


@dataclass
class Shop:
    """A generated shop history, as the webhooks and the Xero set-up need it."""

    seed: int
    orders: list[dict[str, Any]]  # REST v3 payloads, final state, in creation order
    rates: dict[str, tuple[Decimal, str, str]]  # tax rate id -> (percent, country, label)
    statuses: Counter[str] = field(default_factory=Counter)
    parties: dict[str, Party] = field(default_factory=dict)  # party key -> first seen party
    existing: set[str] = field(default_factory=set)  # party keys pre-created in Xero

    @property
    def refunded(self) -> int:
        return sum(1 for o in self.orders if o.get("refunds"))

    def deliveries(self, orders: list[dict[str, Any]] | None = None) -> list[Delivery]:
        return [
            delivery("order.created", o, WEBHOOK_SECRET, webhook_id=1, store_url=STORE_URL)
            for o in (self.orders if orders is None else orders)
        ]


def generate(seed: int, orders: int, customers: int) -> Shop:
    """``orders`` orders by about ``customers`` buyers (two thirds registered, one third guests)."""
    store = WooStore(Settings())
    registered = max(1, round(customers * 2 / 3))
    made = populate(store, seed=seed, customers=registered, orders=orders)
    payloads = [store.order_json(order_id) for order_id in made.orders]
    rates = {str(r.id): (Decimal(r.rate), r.country, r.name) for r in store.state.tax_rates.values()}
    shop = Shop(seed, payloads, rates, Counter(o["status"] for o in payloads))
    for payload in payloads:
        party = party_from_order(parse_order(payload))
        shop.parties.setdefault(party.key, party)
    return shop


def choose_existing(shop: Shop, share: float = 0.5) -> None:
    """The customers already in Xero (seeded): ``share`` of the buyers."""
    keys = sorted(shop.parties)
    shop.existing = set(random.Random(shop.seed).sample(keys, round(len(keys) * share)))


def tax_settings(shop: Shop, orders: list[dict[str, Any]], org: Organisation) -> dict[str, str]:
    """Every WooCommerce tax-rate combination in ``orders`` mapped to a Xero tax type: the AU
    organisation's own for Australian GST, a tax rate created in the sandbox for the others."""
    combos: set[tuple[str, ...]] = set()
    for payload in orders:
        for line in sale_from_order(parse_order(payload)).lines:
            if line.tax_rate_ids:
                combos.add(tuple(line.tax_rate_ids))
    mapping: dict[str, str] = {}
    for combo in sorted(combos):
        parts = [shop.rates[i] for i in combo if i in shop.rates]
        total = sum((p[0] for p in parts), Decimal(0))
        if parts and all(p[1] == "AU" for p in parts) and total in AU_TAX_TYPES:
            mapping["+".join(combo)] = AU_TAX_TYPES[total]
            continue
        name = "WC " + " + ".join(f"{p[1]} {p[2]} {p[0]}%" for p in parts)
        existing = next((t for t in org.tax_rates.values() if t["Name"] == name), None)
        rate = existing or create_tax_rate(
            org,
            {
                "Name": name,
                "TaxComponents": [{"Name": f"{p[1]} {p[2]}".strip(), "Rate": p[0]} for p in parts],
                "ReportTaxType": "OUTPUT",
            },
        )
        mapping["+".join(combo)] = str(rate["TaxType"])
    return mapping


def settings_yaml(tax_rates: dict[str, str]) -> str:
    settings = {
        "invoice_prefix": "WC-",
        "accounts": {"sales": "200", "shipping": "200", "fees": "200", "rounding": "860"},
        "tax": {"rates": tax_rates, "no_tax": "EXEMPTOUTPUT", "rounding": "BASEXCLUDED"},
        "payments": {"accounts": {"stripe": "092", "ppcp-gateway": "093"}, "default_account": "090"},
        "items": {"unknown_sku": "description"},
    }
    return json.dumps(settings)


def precreate_contacts(shop: Shop, org: Organisation, keys: set[str] | None = None) -> int:
    """The existing customers as Xero contacts, as xerosync would have created them (so that
    they are found by ContactNumber or e-mail, not created again). Returns how many."""
    now = datetime.now(UTC)
    made = 0
    for key in sorted(shop.existing if keys is None else keys & shop.existing):
        body = contact_body(shop.parties[key])
        if name_taken(org, body["Name"]):
            body["Name"] = f"{body['Name']} ({body.get('EmailAddress') or key})"
        with org.lock:
            create_contact(org, body, now)
        made += 1
    return made


def keys_of(orders: list[dict[str, Any]]) -> set[str]:
    return {party_from_order(parse_order(o)).key for o in orders}
