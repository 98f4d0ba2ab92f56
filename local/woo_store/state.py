"""The shop's records and sequences, and the tax set-up an order is computed with."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from local.woo_store.gateways import Gateway, default_gateways
from local.woo_store.model import Coupon, Customer, Order, Product, Refund, Settings, Variation, Webhook
from local.woo_store.taxes import Location, TaxRate, find_rates, shipping_tax_class
from local.woo_store.totals import TaxSetup

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class State:
    settings: Settings = field(default_factory=Settings)
    customers: dict[int, Customer] = field(default_factory=dict)
    products: dict[int, Product] = field(default_factory=dict)
    variations: dict[int, Variation] = field(default_factory=dict)
    coupons: dict[int, Coupon] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    refunds: dict[int, Refund] = field(default_factory=dict)
    tax_rates: dict[int, TaxRate] = field(default_factory=dict)
    webhooks: dict[int, Webhook] = field(default_factory=dict)
    gateways: dict[str, Gateway] = field(default_factory=default_gateways)  # installed, in checkout order
    next_post_id: int = 100
    next_user_id: int = 2  # user 1 is the shop's administrator
    next_item_id: int = 1
    next_webhook_id: int = 1
    next_tax_rate_id: int = 1
    next_meta_id: int = 1
    server_url: str = ""  # set while the REST API is served

    # --- sequences --------------------------------------------------------------------------
    def post_id(self) -> int:
        self.next_post_id += 1
        return self.next_post_id - 1

    def user_id(self) -> int:
        self.next_user_id += 1
        return self.next_user_id - 1

    def item_id(self) -> int:
        self.next_item_id += 1
        return self.next_item_id - 1

    def meta_id(self) -> int:
        self.next_meta_id += 1
        return self.next_meta_id - 1

    @property
    def home_url(self) -> str:
        """``home_url('/')``: the configured site URL, else the served one."""
        if self.settings.home_url:
            return self.settings.home_url
        return (self.server_url.rstrip("/") + "/") if self.server_url else "https://shop.example.com.au/"

    # --- lookups ----------------------------------------------------------------------------
    def coupon_by_code(self, code: str) -> Coupon | None:
        wanted = code.strip().lower()
        return next((c for c in self.coupons.values() if c.code == wanted), None)

    def customer_by_email(self, email: str) -> Customer | None:
        wanted = email.strip().lower()
        return next((c for c in self.customers.values() if c.email.lower() == wanted), None)

    def product_by_sku(self, sku: str) -> Product | Variation | None:
        if not sku:
            return None
        for product in self.products.values():
            if product.sku == sku and product.status != "trash":
                return product
        return next((v for v in self.variations.values() if v.sku == sku), None)

    # --- taxes ------------------------------------------------------------------------------
    def base_location(self) -> Location:
        s = self.settings
        return Location(s.base_country, s.base_state, s.base_postcode, s.base_city)

    def tax_location(self, order: Order) -> Location:
        """``WC_Customer::get_taxable_address`` for the order's addresses (``woocommerce_tax_based_on``)."""
        based_on = self.settings.tax_based_on
        if based_on == "shipping" and not order.shipping.get("country"):
            based_on = "billing"
        if based_on == "base":
            return self.base_location()
        a = order.shipping if based_on == "shipping" else order.billing
        return Location(a.get("country", ""), a.get("state", ""), a.get("postcode", ""), a.get("city", ""))

    def rates_at(self, where: Location, tax_class: str) -> list[TaxRate]:
        return find_rates(self.tax_rates.values(), where, tax_class)

    def tax_setup(self, order: Order) -> TaxSetup:
        settings = self.settings
        where = self.tax_location(order)
        base = self.base_location()

        def shipping_rates(item_classes: Sequence[str]) -> list[TaxRate]:
            chosen = shipping_tax_class(settings.shipping_tax_class, item_classes, settings.tax_classes)
            if chosen is None:
                return []
            rates = [r for r in self.rates_at(where, chosen) if r.shipping]
            if not rates and chosen:  # "Get standard rate if no taxes were found."
                rates = [r for r in self.rates_at(where, "") if r.shipping]
            return rates

        return TaxSetup(
            decimals=settings.decimals,
            enabled=settings.calc_taxes,
            inclusive=settings.calc_taxes and order.prices_include_tax,
            round_at_subtotal=settings.tax_round_at_subtotal,
            rates=lambda tax_class: self.rates_at(where, tax_class),
            base_rates=lambda tax_class: self.rates_at(base, tax_class),
            shipping_rates=shipping_rates,
            shipping_tax_class=settings.shipping_tax_class,
            adjust_non_base_location_prices=settings.adjust_non_base_location_prices,
        )
