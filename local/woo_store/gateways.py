"""Payment gateways and order statuses as the REST API v3 lists them.

* ``GET /payment_gateways`` (``WC_REST_Payment_Gateways_Controller``): every installed gateway,
  enabled or not, in the shop's gateway order, unpaginated; an order's ``payment_method`` is a
  gateway's ``id``. A gateway's ``settings`` are its admin form fields (a real gateway's include
  its API keys); the simulator's gateways have a title and a description only.
* ``GET /reports/orders/totals`` (``WC_REST_Report_Orders_Totals_Controller``): one row per status
  of ``wc_get_order_statuses()`` (``wc-`` taken off the slug), with how many orders have it
  (``OrderUtil::get_count_for_type``: every registered status, zero included), unpaginated.
  Trashed orders have no row: ``trash`` is not an order status.
"""

from dataclasses import dataclass
from typing import Any

# wc_get_order_statuses(), and the block checkout's draft
STATUS_NAMES = {
    "pending": "Pending payment",
    "processing": "Processing",
    "on-hold": "On hold",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "refunded": "Refunded",
    "failed": "Failed",
    "checkout-draft": "Draft",
}


@dataclass
class Gateway:
    id: str
    title: str  # shown at checkout; what an order's payment_method_title copies
    method_title: str  # the gateway's own name in the admin
    enabled: bool = True
    description: str = ""


def default_gateways() -> dict[str, Gateway]:
    """WooCommerce's three offline gateways (core) and three plugins' a shop commonly installs."""
    return {
        g.id: g
        for g in (
            Gateway("bacs", "Direct bank transfer", "Direct bank transfer", True),
            Gateway("cheque", "Check payments", "Check payments", False),
            Gateway("cod", "Cash on delivery", "Cash on delivery", False),
            Gateway("stripe", "Credit card (Stripe)", "Stripe", True),
            Gateway("ppcp-gateway", "PayPal", "WooCommerce PayPal Payments", True),
            Gateway("woocommerce_payments", "Credit card / debit card", "WooPayments", False),
        )
    }


def gateway_json(gateway: Gateway, order: int, admin_url: str) -> dict[str, Any]:
    field = {"type": "text", "default": "", "tip": "", "placeholder": ""}
    return {
        "id": gateway.id,
        "title": gateway.title,
        "description": gateway.description,
        "order": order,
        "enabled": gateway.enabled,
        "method_title": gateway.method_title,
        "method_description": "",
        "method_supports": ["products"],
        "settings": {
            "title": {"id": "title", "label": "Title", "description": "", **field, "value": gateway.title},
            "description": {
                "id": "description",
                "label": "Description",
                "description": "",
                **field,
                "type": "textarea",
                "value": gateway.description,
            },
        },
        "needs_setup": False,
        "post_install_scripts": [],
        "settings_url": f"{admin_url}admin.php?page=wc-settings&tab=checkout&section={gateway.id}",
        "connection_url": None,
        "setup_help_text": None,
        "required_settings_keys": [],
    }


def order_totals(statuses: list[str]) -> list[dict[str, Any]]:
    """``statuses``: the status of every order not in the trash."""
    return [{"slug": slug, "name": name, "total": statuses.count(slug)} for slug, name in STATUS_NAMES.items()]
