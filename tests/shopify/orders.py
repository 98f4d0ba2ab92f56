"""A Shopify order in the Admin GraphQL API's shape (as :data:`queries.ORDER` reads it, refunds in
full), built by hand with Shopify's arithmetic: an Australian shop, prices including 10% GST."""

from typing import Any

from tests.shopify.fake_admin import bag

GST = {"title": "GST", "rate": 0.1, "ratePercentage": 10.0}


def tax(amount: str) -> list[dict[str, Any]]:
    return [{**GST, "priceSet": bag(amount, "AUD")}]


def transaction(
    n: int, kind: str, gateway: str, amount: str, status: str = "SUCCESS", at: str = "2026-07-01T01:00:00Z"
) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/OrderTransaction/{n}",
        "kind": kind,
        "status": status,
        "gateway": gateway,
        "formattedGateway": gateway.replace("_", " ").title(),
        "authorizationCode": f"auth-{n}" if gateway != "gift_card" else None,
        "processedAt": at,
        "createdAt": at,
        "amountSet": bag(amount, "AUD"),
    }


def order(**changes: Any) -> dict[str, Any]:
    """Mug 2 x 22.00 less 4.40 discount (GST 3.60) with 2.00 duties, a 50.00 gift card sold, a 5.00
    tip, shipping 10.00 (GST 0.91): total 106.60, tax 4.51; paid 20.00 by gift card and 86.60 by
    card; one refund of one mug and the shipping (29.80 of lines) that returned 25.00."""
    record: dict[str, Any] = {
        "id": "gid://shopify/Order/5001",
        "legacyResourceId": "5001",
        "name": "#1001",
        "createdAt": "2026-06-30T23:30:00Z",  # 1 July in Sydney
        "processedAt": "2026-06-30T23:30:00Z",
        "updatedAt": "2026-07-02T03:00:00Z",
        "cancelledAt": None,
        "test": False,
        "displayFinancialStatus": "PARTIALLY_REFUNDED",
        "currencyCode": "AUD",
        "presentmentCurrencyCode": "AUD",
        "taxesIncluded": True,
        "email": "Jane@Example.com",
        "paymentGatewayNames": ["gift_card", "shopify_payments"],
        "customer": None,
        "billingAddress": {
            "firstName": "Jane",
            "lastName": "Doe",
            "address1": "1 George St",
            "city": "Sydney",
            "provinceCode": "NSW",
            "zip": "2000",
            "countryCodeV2": "AU",
        },
        "totalPriceSet": bag("106.60", "AUD"),
        "totalTaxSet": bag("4.51", "AUD"),
        "taxLines": tax("4.51"),
        "transactions": [
            transaction(1, "SALE", "gift_card", "20.00"),
            transaction(2, "SALE", "shopify_payments", "86.60", status="FAILURE"),
            transaction(3, "AUTHORIZATION", "shopify_payments", "86.60"),
            transaction(4, "CAPTURE", "shopify_payments", "86.60", at="2026-07-01T02:00:00Z"),
        ],
        "lineItems": {
            "nodes": [
                {
                    "id": "gid://shopify/LineItem/11",
                    "name": "Mug - Blue",
                    "title": "Mug",
                    "sku": "MUG-BLUE",
                    "quantity": 2,
                    "isGiftCard": False,
                    "variant": {"id": "gid://shopify/ProductVariant/701", "legacyResourceId": "701", "sku": "MUG-BLUE"},
                    "product": {"id": "gid://shopify/Product/70", "legacyResourceId": "70"},
                    "originalUnitPriceSet": bag("22.00", "AUD"),
                    "originalTotalSet": bag("44.00", "AUD"),
                    "discountAllocations": [
                        {"allocatedAmountSet": bag("4.40", "AUD"), "discountApplication": {"index": 0}}
                    ],
                    "taxLines": tax("3.60"),
                    "duties": [{"id": "gid://shopify/Duty/31", "price": bag("2.00", "AUD"), "taxLines": []}],
                },
                {
                    "id": "gid://shopify/LineItem/12",
                    "name": "Gift card",
                    "title": "Gift card",
                    "sku": None,
                    "quantity": 1,
                    "isGiftCard": True,
                    "variant": {"id": "gid://shopify/ProductVariant/702", "legacyResourceId": "702", "sku": None},
                    "product": {"id": "gid://shopify/Product/71", "legacyResourceId": "71"},
                    "originalUnitPriceSet": bag("50.00", "AUD"),
                    "originalTotalSet": bag("50.00", "AUD"),
                    "discountAllocations": [],
                    "taxLines": [],
                    "duties": [],
                },
                {
                    "id": "gid://shopify/LineItem/13",
                    "name": "Tip",
                    "title": "Tip",
                    "quantity": 1,
                    "isGiftCard": False,
                    "variant": None,
                    "product": None,
                    "originalUnitPriceSet": bag("5.00", "AUD"),
                    "originalTotalSet": bag("5.00", "AUD"),
                    "discountAllocations": [],
                    "taxLines": [],
                    "duties": [],
                },
            ]
        },
        "shippingLines": {
            "nodes": [
                {
                    "id": "gid://shopify/ShippingLine/21",
                    "title": "Standard",
                    "isRemoved": False,
                    "originalPriceSet": bag("10.00", "AUD"),
                    "discountedPriceSet": bag("10.00", "AUD"),
                    "discountAllocations": [],
                    "taxLines": tax("0.91"),
                },
                {
                    "id": "gid://shopify/ShippingLine/22",
                    "title": "Express",
                    "isRemoved": True,
                    "originalPriceSet": bag("20.00", "AUD"),
                },
            ]
        },
        "refunds": [
            {
                "id": "gid://shopify/Refund/41",
                "legacyResourceId": "41",
                "createdAt": "2026-07-02T03:00:00Z",
                "note": "broken in transit",
                "totalRefundedSet": bag("25.00", "AUD"),
                "refundLineItems": {
                    "nodes": [
                        {
                            "id": "gid://shopify/RefundLineItem/51",
                            "quantity": 1,
                            "lineItem": {"id": "gid://shopify/LineItem/11", "name": "Mug - Blue", "isGiftCard": False},
                            "subtotalSet": bag("19.80", "AUD"),
                            "totalTaxSet": bag("1.80", "AUD"),
                        }
                    ]
                },
                "refundShippingLines": {
                    "nodes": [
                        {
                            "shippingLine": {"id": "gid://shopify/ShippingLine/21"},
                            "subtotalAmountSet": bag("9.09", "AUD"),
                            "taxAmountSet": bag("0.91", "AUD"),
                        }
                    ]
                },
                "orderAdjustments": {"nodes": [{"reason": "REFUND_DISCREPANCY", "amountSet": bag("-4.80", "AUD")}]},
                "duties": [],
                "transactions": {
                    "nodes": [transaction(6, "REFUND", "shopify_payments", "25.00", at="2026-07-02T03:00:00Z")]
                },
            },
            {  # a restock only: no money moved, nothing for the books
                "id": "gid://shopify/Refund/42",
                "legacyResourceId": "42",
                "createdAt": "2026-07-02T04:00:00Z",
                "note": "",
                "refundLineItems": {"nodes": []},
                "transactions": {"nodes": []},
            },
        ],
    }
    record.update(changes)
    return record
