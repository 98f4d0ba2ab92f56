"""The Shopify ingress decision: Shopify's signature over the raw body, topics -> envelopes."""

import hashlib
import json
from datetime import UTC, datetime

import pytest

from tests.conftest import reference_file
from xerosync import sources
from xerosync.events import parse_envelope
from xerosync.sources.shopify import webhook

NOW = datetime(2026, 7, 10, 16, 16, tzinfo=UTC)
SECRET = "shopify_app_client_secret_test"


def _vector(name: str) -> tuple[dict[str, str], bytes, str]:
    headers = json.loads(reference_file("fixtures", "shopify", f"{name}_headers.json").read_text())
    body = reference_file("fixtures", "shopify", headers["test_vector"]["body_file"]).read_bytes()
    lowered = {k.lower(): v for k, v in headers["headers"].items()}
    return lowered, body, headers["test_vector"]["client_secret"]


def _signed(topic: str, payload: dict[str, object], secret: str = SECRET) -> tuple[dict[str, str], bytes]:
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = {
        "x-shopify-topic": topic,
        "x-shopify-hmac-sha256": webhook.sign(body, secret),
        "x-shopify-shop-domain": "jsmith.myshopify.com",
        "x-shopify-webhook-id": "d1",
        "x-shopify-name": "xerosync",
    }
    return headers, body


@pytest.mark.parametrize("name", ["orders_create", "refunds_create"])
def test_the_fixture_vectors_verify_and_are_enqueued_as_their_order(name: str) -> None:
    # Given Shopify's signed delivery (the docs sample, compact, signed with the test secret)
    headers, body, secret = _vector(name)
    # When the ingress decides
    decision = webhook.decide(headers, body, lambda: secret, NOW)
    # Then it is accepted and goes to the orders queue keyed by the order id
    assert decision.status == 200 and decision.enqueue is not None
    assert decision.enqueue.queue == "orders"
    event = parse_envelope(decision.enqueue.body)
    assert (event.source, event.resource, event.id) == ("shopify", "order", "820982911946154508")
    assert event.key == "order:820982911946154508"
    assert event.payload.encode() == body  # byte for byte
    assert event.modified == "2021-12-31T19:00:00-05:00"
    assert event.delivery_id == headers["x-shopify-webhook-id"]
    assert sources.decider("shopify") is webhook.decide


@pytest.mark.parametrize("name", ["orders_create", "refunds_create"])
def test_a_changed_byte_gets_401_and_nothing_is_enqueued(name: str) -> None:
    headers, body, secret = _vector(name)
    changed = body.replace(b'"currency":"USD"', b'"currency":"USE"', 1)
    if changed == body:
        changed = body[:-2] + (b"0" if body[-2:-1] != b"0" else b"1") + body[-1:]
    assert changed != body
    decision = webhook.decide(headers, changed, lambda: secret, NOW)
    assert (decision.status, decision.outcome, decision.enqueue) == (401, "bad_signature", None)
    # a re-serialised body is a changed body too
    reserialised = json.dumps(json.loads(body)).encode()
    assert webhook.decide(headers, reserialised, lambda: secret, NOW).status == 401


def test_missing_signature_or_wrong_secret_is_401() -> None:
    headers, body, secret = _vector("orders_create")
    unsigned = {k: v for k, v in headers.items() if k != "x-shopify-hmac-sha256"}
    assert webhook.decide(unsigned, body, lambda: secret, NOW).status == 401
    assert webhook.decide(headers, body, lambda: "another secret", NOW).status == 401
    assert webhook.decide(headers, body, lambda: "", NOW).status == 401
    garbage = {**headers, "x-shopify-hmac-sha256": "not base64 \u00e9"}
    assert webhook.decide(garbage, body, lambda: secret, NOW).status == 401


def test_during_a_rotation_the_old_and_the_new_secret_both_verify() -> None:
    rotating = json.dumps({"client_secret": "new-secret", "previous_client_secret": SECRET})
    headers, body, _ = _vector("orders_create")
    assert webhook.decide(headers, body, lambda: rotating, NOW).status == 200
    new_headers, new_body = _signed("orders/updated", {"id": 5, "updated_at": "2026-07-10T10:00:00Z"}, "new-secret")
    assert webhook.decide(new_headers, new_body, lambda: rotating, NOW).status == 200
    assert webhook.secrets_of(json.dumps(["a", "b"])) == ["a", "b"]
    assert webhook.secrets_of(" plain ") == ["plain"]
    assert webhook.decide(new_headers, new_body, lambda: json.dumps({"client_secret": "x"}), NOW).status == 401


@pytest.mark.parametrize(
    ("topic", "payload", "queue", "resource", "record", "event"),
    [
        ("orders/paid", {"id": 7, "updated_at": "2026-07-01T00:00:00Z"}, "orders", "order", "7", "paid"),
        ("orders/cancelled", {"id": 7, "updated_at": "2026-07-01T00:00:00Z"}, "orders", "order", "7", "cancelled"),
        ("orders/delete", {"id": 7}, "orders", "order", "7", "deleted"),
        ("customers/create", {"id": 3, "updated_at": "2026-07-01T00:00:00Z"}, "contacts", "customer", "3", "created"),
        ("customers/update", {"id": 3, "updated_at": "2026-07-01T00:00:00Z"}, "contacts", "customer", "3", "updated"),
        ("products/create", {"id": 9, "updated_at": "2026-07-01T00:00:00Z"}, "items", "product", "9", "created"),
        ("products/update", {"id": 9, "updated_at": "2026-07-01T00:00:00Z"}, "items", "product", "9", "updated"),
    ],
)
def test_topics_go_to_their_queue(
    topic: str, payload: dict[str, object], queue: str, resource: str, record: str, event: str
) -> None:
    headers, body = _signed(topic, payload)
    decision = webhook.decide(headers, body, lambda: SECRET, NOW)
    assert decision.status == 200 and decision.enqueue is not None
    assert decision.enqueue.queue == queue
    parsed = parse_envelope(decision.enqueue.body)
    assert (parsed.resource, parsed.id, parsed.event, parsed.topic) == (resource, record, event, topic)
    assert parsed.modified == payload.get("updated_at")


def test_privacy_topics_and_uninstall_are_enqueued_as_privacy_requests() -> None:
    samples = json.loads(
        reference_file("fixtures", "shopify", "compliance_webhooks_sample_payloads_2026-07.json").read_text()
    )
    shop = json.loads(reference_file("fixtures", "shopify", "app_uninstalled_sample_payload_2026-07.json").read_text())
    cases = {
        "customers/data_request": (samples["customers/data_request"], "data_request", "customer:191167"),
        "customers/redact": (samples["customers/redact"], "redact", "customer:191167"),
        "shop/redact": (samples["shop/redact"], "shop_redact", "shop:954889"),
        "app/uninstalled": (shop, "uninstalled", "shop:548380009"),
    }
    for topic, (payload, event, record) in cases.items():
        headers, body = _signed(topic, payload)
        decision = webhook.decide(headers, body, lambda: SECRET, NOW)
        assert decision.status == 200 and decision.enqueue is not None, topic
        assert decision.enqueue.queue == "contacts"
        assert decision.enqueue.group == f"privacy:{record}"  # who it is about
        parsed = parse_envelope(decision.enqueue.body)
        assert (parsed.source, parsed.resource, parsed.event) == ("shopify", "privacy", event)
        assert parsed.id == f"{event}-{hashlib.sha256(body).hexdigest()[:16]}"  # the request's own id
        assert parsed.payload.encode() == body and parsed.modified is None
        # a wrong signature on a compliance topic is a 401, as Shopify's review requires
        bad = {**headers, "x-shopify-hmac-sha256": webhook.sign(body, "wrong")}
        assert webhook.decide(bad, body, lambda: SECRET, NOW).status == 401


@pytest.mark.parametrize(
    ("topic", "body", "status", "outcome"),
    [
        ("orders/create", b"not json", 400, "not_json"),
        ("orders/create", b"[1, 2]", 400, "not_json"),
        ("orders/create", b"\xff\xfe", 400, "not_json"),
        ("orders/create", b'{"name": "#1"}', 400, "no_id"),
        ("refunds/create", b'{"id": 5}', 400, "no_id"),
        ("orders/create", b'{"id": {"nested": 1}}', 400, "no_id"),
        ("customers/redact", b'{"shop_id": 1}', 400, "no_id"),
        ("", b'{"id": 1}', 400, "no_topic"),
        ("disputes/create", b'{"id": 1}', 200, "unknown_topic"),
    ],
)
def test_malformed_deliveries_are_4xx_never_500(topic: str, body: bytes, status: int, outcome: str) -> None:
    headers = {"x-shopify-topic": topic, "x-shopify-hmac-sha256": webhook.sign(body, SECRET)}
    decision = webhook.decide(headers, body, lambda: SECRET, NOW)
    assert (decision.status, decision.outcome, decision.enqueue) == (status, outcome, None)


def test_the_secret_is_read_only_for_a_signed_delivery() -> None:
    def secret() -> str:
        raise AssertionError("read")

    assert webhook.decide({"x-shopify-topic": "orders/create"}, b"{}", secret, NOW).status == 401


def test_the_webhook_module_imports_only_the_standard_library() -> None:
    import ast
    import sys
    from pathlib import Path

    tree = ast.parse(Path(webhook.__file__).read_text())
    imported = {alias.name for n in ast.walk(tree) if isinstance(n, ast.Import) for alias in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    third_party = {m for m in imported if m.split(".")[0] not in sys.stdlib_module_names and m != "xerosync.webhooks"}
    assert third_party == set()


def test_a_product_is_enqueued_as_itself_and_each_of_its_variants() -> None:
    # Given Shopify's products/update sample: a T-shirt in Small (updated the day before the
    # product) and Medium, both in variants and in variant_gids
    sample_file = reference_file("fixtures", "shopify", "products_update_sample_payload_2026-07.json")
    sample = json.loads(sample_file.read_text())
    headers, body = _signed("products/update", sample)
    # When the ingress decides
    decision = webhook.decide(headers, body, lambda: SECRET, NOW)
    # Then three messages for the items queue: the product (its variants' ids), then each variant alone
    assert decision.status == 200 and len(decision.messages) == 3
    assert {m.queue for m in decision.messages} == {"items"}
    product, small, medium = (parse_envelope(m.body) for m in decision.messages)
    assert [e.key for e in (product, small, medium)] == [
        "product:788032119674292922",
        "product:642667041472713922",
        "product:757650484644203962",
    ]
    assert [v["id"] for v in json.loads(product.payload)["variants"]] == [642667041472713922, 757650484644203962]
    assert [v["title"] for v in json.loads(small.payload)["variants"]] == ["Small"]
    # each stamped with the later of the product's and its own updated_at
    assert small.modified == medium.modified == "2021-12-31T19:00:00-05:00"
    assert decision.log["variants"] == ["642667041472713922", "757650484644203962"]
    # the same delivery again makes the same events (duplicates stay duplicates)
    again = webhook.decide(headers, body, lambda: SECRET, NOW)
    assert [parse_envelope(m.body).identity() for m in again.messages] == [
        e.identity() for e in (product, small, medium)
    ]


def test_a_variant_named_only_in_variant_gids_is_read_from_the_store() -> None:
    payload = {
        "id": 9,
        "title": "Mug",
        "updated_at": "2026-07-01T00:00:00Z",
        "variants": [{"id": 91, "title": "Blue", "price": "9.00", "updated_at": "2026-07-02T00:00:00Z"}],
        "variant_gids": [
            {"admin_graphql_api_id": "gid://shopify/ProductVariant/91", "updated_at": "2026-07-02T00:00:00Z"},
            {"admin_graphql_api_id": "gid://shopify/ProductVariant/92", "updated_at": "2026-06-30T00:00:00Z"},
        ],
    }
    headers, body = _signed("products/update", payload)
    product, blue, red = (parse_envelope(m.body) for m in webhook.decide(headers, body, lambda: SECRET, NOW).messages)
    assert [v["id"] for v in json.loads(product.payload)["variants"]] == [91, 92]
    assert (blue.id, blue.modified, blue.by_reference) == ("91", "2026-07-02T00:00:00Z", False)
    assert (red.id, red.modified, red.by_reference, red.payload) == ("92", "2026-07-01T00:00:00Z", True, "")


@pytest.mark.parametrize(
    "variants",
    [{"variants": "many"}, {"variants": [1, 2]}, {"variants": [{"title": "no id"}]}, {"variant_gids": [{"x": 1}]}],
)
def test_a_product_body_whose_variants_are_not_shopify_s_is_400(variants: dict[str, object]) -> None:
    headers, body = _signed("products/update", {"id": 9, "updated_at": "2026-07-01T00:00:00Z", **variants})
    decision = webhook.decide(headers, body, lambda: SECRET, NOW)
    assert (decision.status, decision.outcome, decision.messages) == (400, "bad_field", ())


# Shopify's orders/edited sample (https://shopify.dev/docs/api/webhooks/2026-07): the edit, not the order
ORDER_EDITED = {
    "order_edit": {
        "id": 78912328793123782,
        "app_id": None,
        "created_at": "2021-12-31T19:00:00-05:00",
        "committed_at": "2021-12-31T19:00:00-05:00",
        "notify_customer": False,
        "order_id": 820982911946154508,
        "staff_note": "",
        "user_id": None,
        "line_items": {
            "additions": [{"id": 78643924236718232, "delta": 1}],
            "removals": [{"id": 487817672276298554, "delta": 1}],
        },
        "discounts": {"line_item": {"additions": [], "removals": []}},
        "shipping_lines": {"additions": [], "removals": []},
    }
}


def test_orders_edited_is_order_x_changed_keyed_by_the_edit_s_order() -> None:
    headers, body = _signed("orders/edited", ORDER_EDITED)
    decision = webhook.decide(headers, body, lambda: SECRET, NOW)
    assert decision.status == 200 and decision.enqueue is not None and decision.enqueue.queue == "orders"
    event = parse_envelope(decision.enqueue.body)
    assert (event.resource, event.id, event.event) == ("order", "820982911946154508", "edited")
    assert event.key == "order:820982911946154508" and event.modified == "2021-12-31T19:00:00-05:00"
    # the body names the order only: without the store's API the sync cannot read it, and says why
    from xerosync.config import StoreSettings
    from xerosync.sources.port import StoreError

    with pytest.raises(StoreError, match="credentials"):
        sources.source("shopify").command(event, StoreSettings(), None)


@pytest.mark.parametrize("body", [{"order_edit": {"id": 1}}, {"order_edit": "x"}, {"id": 820982911946154508}])
def test_an_orders_edited_body_without_its_order_is_400(body: dict[str, object]) -> None:
    headers, raw = _signed("orders/edited", body)
    decision = webhook.decide(headers, raw, lambda: SECRET, NOW)
    assert (decision.status, decision.outcome, decision.enqueue) == (400, "no_id", None)
