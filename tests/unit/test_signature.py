import base64
import hashlib
import hmac
import json

from tests.conftest import reference_file
from xerosync.sources.woocommerce import signature


def test_woocommerce_test_vector_verifies() -> None:
    # Given the signed delivery captured in the team's fixtures (WooCommerce's own encoding)
    headers = json.loads(
        reference_file("fixtures", "woocommerce", "webhook_delivery_order_created_headers.json").read_text()
    )
    body = reference_file("fixtures", "woocommerce", headers["test_vector"]["body_file"]).read_bytes()
    vector = headers["test_vector"]
    assert hashlib.sha256(body).hexdigest() == vector["body_sha256_hex"]
    # Then our signature equals WooCommerce's, and the header verifies
    assert signature.sign(body, vector["secret"]) == vector["expected_X-WC-Webhook-Signature"]
    assert signature.verify(body, headers["headers"]["X-WC-Webhook-Signature"], vector["secret"])


def test_signature_is_base64_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"id":1,"url":"https:\\/\\/shop.example\\/"}'
    expected = base64.b64encode(hmac.new(b"s3cret", body, hashlib.sha256).digest()).decode()
    assert signature.sign(body, "s3cret") == expected


def test_any_change_to_body_or_secret_fails_verification() -> None:
    body = b'{"id":1,"total":"10.00"}'
    good = signature.sign(body, "s3cret")
    assert signature.verify(body, good, "s3cret")
    assert not signature.verify(b'{"id":1,"total":"10.01"}', good, "s3cret")
    assert not signature.verify(body, good, "other")
    # re-serialising the JSON (spaces, unescaped slashes) is a different body
    assert not signature.verify(json.dumps(json.loads(body)).encode(), good, "s3cret")


def test_missing_or_garbage_signature_is_refused() -> None:
    body = b"{}"
    assert not signature.verify(body, None, "s3cret")
    assert not signature.verify(body, "", "s3cret")
    assert not signature.verify(body, "not base64 at all \u00e9", "s3cret")
    assert not signature.verify(body, signature.sign(body, "s3cret"), "")


def test_secret_is_html_entity_decoded_like_wordpress() -> None:
    # WooCommerce signs with wp_specialchars_decode($secret, ENT_QUOTES)
    body = b'{"id":2}'
    assert signature.sign(body, "a&amp;b&quot;c") == signature.sign(body, 'a&b"c')
