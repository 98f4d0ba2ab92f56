"""Errors in the WordPress REST shape: ``{"code": ..., "message": ..., "data": {"status": N}}``."""

from typing import Any


class RestError(Exception):
    def __init__(self, status: int, code: str, message: str, **data: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.data = data

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "data": {"status": self.status, **self.data}}


def invalid_id(resource: str) -> RestError:
    """The 404 each controller answers for an unknown id."""
    codes = {
        "order": ("woocommerce_rest_shop_order_invalid_id", "Invalid ID."),
        "refund": ("woocommerce_rest_shop_order_refund_invalid_id", "Invalid ID."),
        "customer": ("woocommerce_rest_invalid_id", "Invalid resource ID."),
        "product": ("woocommerce_rest_product_invalid_id", "Invalid ID."),
        "variation": ("woocommerce_rest_product_variation_invalid_id", "Invalid ID."),
        "webhook": ("woocommerce_rest_webhook_invalid_id", "Invalid ID."),
        "tax": ("woocommerce_rest_invalid_id", "Invalid resource ID."),
        "coupon": ("woocommerce_rest_shop_coupon_invalid_id", "Invalid ID."),
    }
    code, message = codes[resource]
    return RestError(404, code, message)


def invalid_param(name: str, message: str) -> RestError:
    return RestError(400, "rest_invalid_param", f"Invalid parameter(s): {name}", params={name: message})
