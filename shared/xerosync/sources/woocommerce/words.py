"""The store's words a merchant maps, read from WooCommerce's REST API v3 (three calls):

* tax rates: ``GET /taxes`` (https://woocommerce.github.io/woocommerce-rest-api-docs/#list-all-tax-rates),
  each offered by its id (what ``tax.rates`` names) with its rate code, which WooCommerce makes as
  ``WC_Tax::get_rate_code`` does: COUNTRY-STATE-NAME-PRIORITY, empty parts left out;
* payment gateways: ``GET /payment_gateways`` (every installed gateway, enabled or not: an order's
  ``payment_method`` is the gateway's id); only ``id``, ``title``, ``method_title`` and
  ``enabled`` are read, never a gateway's ``settings`` (which hold its API keys);
* order statuses: ``GET /reports/orders/totals``, which lists every status ``wc_get_order_statuses()``
  registers (a plugin's own included) with how many orders have it
  (https://woocommerce.github.io/woocommerce-rest-api-docs/#retrieve-orders-totals).
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from xerosync.sources.store_lists import Choice, StoreLists
from xerosync.sources.woocommerce.rest import WooClient


def rate_code(rate: dict[str, Any]) -> str:
    parts = [str(rate.get("country") or ""), str(rate.get("state") or ""), str(rate.get("name") or "TAX")]
    return "-".join(p for p in [*parts, str(rate.get("priority") or 1)] if p).upper()


def _percent(value: Any) -> str:
    try:
        return format(Decimal(str(value)).normalize(), "f")
    except InvalidOperation:
        return str(value)


def tax_rate_choice(rate: dict[str, Any]) -> Choice:
    where = "-".join(p for p in (str(rate.get("country") or ""), str(rate.get("state") or "")) if p)
    label = f"{rate.get('name') or 'Tax'} {_percent(rate.get('rate'))}%" + (f" ({where})" if where else "")
    tax_class = str(rate.get("class") or "standard")
    note = f"rate code {rate_code(rate)}" + ("" if tax_class == "standard" else f", class {tax_class}")
    return Choice(str(rate.get("id")), label, note)


def store_lists(rest: WooClient) -> StoreLists:
    rates = tuple(tax_rate_choice(r) for r in rest.records("taxes", {"orderby": "id", "order": "asc"}))
    gateways = tuple(
        Choice(
            str(g.get("id")),
            str(g.get("title") or g.get("method_title") or g.get("id")),
            "" if g.get("enabled") else "disabled",
        )
        for g in rest.listing("payment_gateways")
    )
    statuses = tuple(
        Choice(str(s.get("slug")), str(s.get("name") or s.get("slug")), f"{int(s.get('total') or 0)} orders")
        for s in rest.listing("reports/orders/totals")
    )
    return StoreLists(tax_rates=rates, gateways=gateways, statuses=statuses, status_setting="order_statuses")
