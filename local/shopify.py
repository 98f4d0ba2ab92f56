"""A Shopify shop on the local stack, wired as a merchant wires a real one (what local/woo.py and
tests/e2e/conftest.py are for WooCommerce):

* the Shopify simulator (``local.shopify_store``) serves the shop: the client-credentials token
  endpoint, the Admin GraphQL API, signed webhooks with Shopify's retries;
* a :class:`~local.stack.LocalStack` of template.yaml with ``StoreSource=shopify``, so its HTTP API
  serves ``POST /webhooks/shopify`` and every function reads Shopify through the adapter;
* the stack's secrets as the README asks a merchant to fill them: ``StoreApiSecret`` holds the
  shop and its Dev Dashboard app's client id and secret (the functions mint their own access
  tokens with the client-credentials grant), ``WebhookSecret`` the app's client secret (Shopify
  signs webhooks with it), ``XeroCredentialsSecret`` the Xero custom connection;
* the settings (``local/shopify-settings.yaml``): Shopify's tax lines (title, rate) -> Xero tax
  types, gateways -> clearing accounts; the accounts and tax rates they name are made in the
  sandbox organisation first, as the merchant makes them in Xero;
* the webhook subscriptions: the stack asks for them itself (its first scheduled reconciliation
  creates what is missing, over the Admin API), and the app's privacy topics go to the same URL
  (its compliance webhooks, app configuration rather than subscriptions).

Nothing in the functions knows it runs here: they see a shop URL, credentials and a clock.

    sandbox = XeroSandbox().start(); org = sandbox.add_organisation("Shop Pty Ltd")
    shop = start("my-shop", sandbox, org, sandbox.add_client([org.tenant_id]))
    order = shop.store.place_order([LineSpec("Mug", Decimal("22.00"), 2, (("GST", Decimal("0.1")),))])
    shop.store.pay(order.id); shop.settle()
    shop.stop()
"""

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import yaml

from local.sam import ROOT
from local.shopify_store import ShopifyStore
from local.shopify_store.arithmetic import Rate
from local.stack import LocalStack
from local.xero_sandbox import Organisation, XeroSandbox
from local.xero_sandbox.settings import create_account, create_tax_rate
from local.xero_sandbox.state import Client
from xerosync.sources.shopify.values import tax_rate

WEBHOOK = "/webhooks/shopify"
SETTINGS = ROOT / "local" / "shopify-settings.yaml"
SHOP_CURRENCY = "AUD"  # the sandbox organisation's base currency: invoices in the shop's money
UTC_OFFSET = 10  # hours: the shop's zone in the settings, Australia/Brisbane (no daylight saving)

# The organisation's accounts the settings name beyond a new organisation's chart (seed.py):
# (Code, Name, Type, payments enabled, bank account number)
ACCOUNTS: tuple[tuple[str, str, str, bool, str | None], ...] = (
    ("094", "Shopify Payments Clearing", "BANK", True, "094-SHOPIFY"),
    ("215", "Duties collected for customs", "CURRLIAB", False, None),
    ("825", "Gift cards outstanding", "CURRLIAB", True, None),
)

# Shopify tax lines a local shop charges, per market, each combination of one line's rates with the
# Xero tax type it maps to: the organisation's own for Australian GST, else a tax rate made in the
# sandbox (an Australian organisation selling abroad books the foreign tax it collected on its own rate).
GST: tuple[Rate, ...] = (("GST", Decimal("0.10")),)
NZ_GST: tuple[Rate, ...] = (("GST", Decimal("0.15")),)
CA_TAXES: tuple[Rate, ...] = (("GST", Decimal("0.05")), ("PST", Decimal("0.07")))
US_TAXES: tuple[Rate, ...] = (
    ("CA State Tax", Decimal("0.06")),
    ("Los Angeles County Tax", Decimal("0.0025")),
    ("District Tax", Decimal("0.0225")),
)
VAT: tuple[Rate, ...] = (("VAT", Decimal("0.20")),)
TAXES: tuple[tuple[Rate, ...], ...] = (GST, NZ_GST, CA_TAXES, CA_TAXES[:1], US_TAXES, VAT)
AU_TAX_TYPES = {"GST 10%": "OUTPUT"}


def rates_key(rates: Iterable[Rate]) -> str:
    """The settings' key of a line taxed at ``rates``: the adapter's own name of each Shopify tax
    line (``GST 10%``), joined by ``+`` in its order (the store rate ids of the line, sorted)."""
    ids = sorted({tax_rate({"title": title, "rate": str(rate)}).id for title, rate in rates})
    return "+".join(ids)


def prepare_organisation(org: Organisation, taxes: Iterable[tuple[Rate, ...]] = TAXES) -> dict[str, str]:
    """Make in ``org`` what the Shopify settings name (the clearing, duties and gift-card accounts;
    a tax rate for each foreign combination of Shopify tax lines), as a merchant makes them in
    Xero before the first sync; returns the settings' ``tax.rates``. Several stacks may prepare
    one organisation: what exists is kept."""
    now = datetime.now(UTC)
    for code, name, kind, payments, number in ACCOUNTS:
        if org.account_by_code(code) is None:
            element: dict[str, Any] = {"Code": code, "Name": name, "Type": kind, "EnablePaymentsToAccount": payments}
            if number:
                element["BankAccountNumber"] = number
            create_account(org, element, now)
    mapping: dict[str, str] = {}
    for combination in taxes:
        key = rates_key(combination)
        if key in AU_TAX_TYPES:
            mapping[key] = AU_TAX_TYPES[key]
            continue
        name = "Shopify " + " + ".join(f"{title} {rate * 100:g}%" for title, rate in combination)
        existing = next((t for t in org.tax_rates.values() if t["Name"] == name), None)
        made = existing or create_tax_rate(
            org,
            {
                "Name": name,
                "TaxComponents": [{"Name": title, "Rate": rate * 100} for title, rate in combination],
                "ReportTaxType": "OUTPUT",
            },
        )
        mapping[key] = str(made["TaxType"])
    return mapping


def settings_text(tax_rates: Mapping[str, str], *, overrides: Mapping[str, Any] | None = None) -> str:
    """``local/shopify-settings.yaml`` with ``tax_rates`` added to its ``tax.rates`` and each
    top-level section of ``overrides`` merged over its own (one level deep)."""
    settings: dict[str, Any] = yaml.safe_load(SETTINGS.read_text())
    settings["tax"]["rates"] = {**settings["tax"]["rates"], **tax_rates}
    for section, value in (overrides or {}).items():
        if isinstance(value, Mapping) and isinstance(settings.get(section), dict):
            settings[section] = {**settings[section], **value}
        else:
            settings[section] = value
    return json.dumps(settings)


@dataclass(repr=False)
class ShopifyStack:
    """A Shopify shop and the stack that serves it."""

    store: ShopifyStore
    stack: LocalStack
    sandbox: XeroSandbox
    org: Organisation
    subscribed: list[str] = field(default_factory=list)  # the first reconciliation's webhook actions

    @property
    def webhook_url(self) -> str:
        return self.stack.api_url + WEBHOOK

    def settle(self, timeout: float = 120.0, *, retries: bool = True) -> bool:
        """Until the shop has delivered what is due and the stack's queues are empty. ``retries``:
        a delivery that failed (the stack answered late or not 2xx) is retried on Shopify's schedule,
        up to hours later on the shop's clock; the clock is moved on to each retry rather than
        waited for, so what settles is what Shopify would have delivered in the end."""
        deadline = time.monotonic() + timeout
        while True:
            left = max(0.1, deadline - time.monotonic())
            if not (self.store.flush_webhooks(left) and self.stack.wait_idle(left)):
                return False
            later = self.store.hooks.pending()
            if not retries or not later or self.store.hooks.held:
                return True
            if time.monotonic() > deadline:
                return False
            self.store.clock.advance(max(0.0, (later[0].due - self.store.now()).total_seconds()))

    def register_webhooks(self) -> list[str]:
        """What the deployed stack does every ReconcileSchedule: its reconciliation lists the shop's
        webhook subscriptions to this stack over the Admin API and creates the missing ones."""
        result = self.stack.run_schedule("ReconcileFunction")
        if not result.ok:
            raise RuntimeError(f"the reconciliation failed: {result.error}")
        report: dict[str, Any] = result.payload or {}
        return [str(line) for line in report.get("webhooks", [])]

    def stop(self) -> None:
        self.stack.stop()
        self.store.stop()


def shop(*, seed: int | None = None, scale: float = 1.0, **options: Any) -> ShopifyStore:
    """The simulator, as the settings expect the shop: AUD, the shop's time zone UTC+10."""
    options.setdefault("currency", SHOP_CURRENCY)
    options.setdefault("utc_offset", UTC_OFFSET)
    options.setdefault("taxes_included", True)
    return ShopifyStore(seed=seed, scale=scale, **options)


def start(
    name: str,
    sandbox: XeroSandbox,
    org: Organisation,
    connection: Client,
    *,
    store: ShopifyStore | None = None,
    settings: str | None = None,
    parameters: Mapping[str, str] | None = None,
    share_aws_with: LocalStack | None = None,
    extra_env: Mapping[str, str] | None = None,
    register: bool = True,
) -> ShopifyStack:
    """A stack named ``name`` serving ``store`` (started here when not already; by default a new
    :func:`shop`) into ``org``. ``settings``: the store settings document (default: the local
    Shopify settings, after :func:`prepare_organisation`). ``register``: let the stack's first
    reconciliation subscribe it to the shop's webhooks (else the caller subscribes, or not)."""
    shopify = store or shop()
    if not shopify.url:
        shopify.start()
    stack = LocalStack(
        stack_name=name,
        store_name=shopify.name,
        parameters={
            "StoreSource": "shopify",
            "XeroApiUrl": sandbox.url,
            "XeroIdentityUrl": sandbox.url,
            "SyncBatchWindow": "1",
            **(parameters or {}),
        },
        share_aws_with=share_aws_with,
        extra_env=dict(extra_env or {}),
    )
    try:
        stack.start()
        running = ShopifyStack(shopify, stack, sandbox, org)
        stack.put_secret("WebhookSecret", shopify.app.client_secret)  # Shopify signs with the app's secret
        stack.put_secret(
            "XeroCredentialsSecret",
            json.dumps({"client_id": connection.client_id, "client_secret": connection.client_secret}),
        )
        stack.put_secret(
            "StoreApiSecret",
            json.dumps(
                {"shop": shopify.url, "client_id": shopify.app.client_id, "client_secret": shopify.app.client_secret}
            ),
        )
        stack.put_settings(settings if settings is not None else settings_text(prepare_organisation(org)))
        shopify.compliance_url = running.webhook_url  # the app's privacy webhooks (app configuration)
        if register:
            running.subscribed = running.register_webhooks()
        return running
    except BaseException:
        stack.stop()
        if store is None:
            shopify.stop()
        raise
