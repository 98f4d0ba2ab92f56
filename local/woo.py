"""WooCommerce's side of a webhook delivery, reproduced: the body as WordPress encodes it, the
headers ``WC_Webhook::deliver()`` adds, and the signature it computes.

Used by the sample deliveries in ``events/woocommerce`` and by the store simulator
(``local.woo_store``), which delivers its webhooks through ``delivery`` and ``post``.
"""

import base64
import hashlib
import hmac
import json
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.sam import ROOT

EVENTS = ROOT / "events" / "woocommerce"
USER_AGENT = "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)"


def wp_json_encode(payload: Any) -> bytes:
    """``wp_json_encode`` with PHP's default flags: compact, ``/`` escaped, non-ASCII as ``\\uXXXX``."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/").encode("ascii")


# wp_specialchars_decode( $secret, ENT_QUOTES ) decodes exactly these (WordPress formatting.php).
_WP_SPECIALCHARS = {"&lt;": "<", "&gt;": ">", "&quot;": '"', "&#039;": "'", "&#x27;": "'", "&#39;": "'", "&amp;": "&"}
_WP_SPECIALCHARS_RE = re.compile("|".join(re.escape(k) for k in _WP_SPECIALCHARS))


def wp_specialchars_decode(text: str) -> str:
    """``wp_specialchars_decode( $text, ENT_QUOTES )``: WooCommerce decodes the webhook secret
    with it before signing (``WC_Webhook::generate_signature``)."""
    return _WP_SPECIALCHARS_RE.sub(lambda m: _WP_SPECIALCHARS[m.group(0)], text)


def sign(body: bytes, secret: str) -> str:
    """``WC_Webhook::generate_signature``: base64 of the raw HMAC-SHA256 of the body. Written
    here independently of xerosync's verifier, so that the two check each other."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@dataclass(frozen=True)
class Delivery:
    topic: str
    headers: dict[str, str]
    body: bytes


def delivery(
    topic: str,
    payload: Any,
    secret: str,
    *,
    webhook_id: int = 1,
    store_url: str = "https://shop.example.com.au/",
    signature: str | None = None,
) -> Delivery:
    body = wp_json_encode(payload)
    resource, _, event = topic.partition(".")
    delivery_id = hashlib.md5(f"{webhook_id}{time.time()}".encode(), usedforsecurity=False).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-WC-Webhook-Source": store_url,
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-Signature": signature if signature is not None else sign(body, secret),
        "X-WC-Webhook-ID": str(webhook_id),
        "X-WC-Webhook-Delivery-ID": delivery_id,
    }
    return Delivery(topic, headers, body)


def ping(webhook_id: int = 1) -> Delivery:
    """The creation ping: a form body, no X-WC-Webhook headers, no signature."""
    return Delivery(
        "ping",
        {"User-Agent": USER_AGENT, "Content-Type": "application/x-www-form-urlencoded"},
        f"webhook_id={webhook_id}".encode(),
    )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """``'redirection' => 0``: a 3xx answer is the answer (WooCommerce counts 301 and 302 as success)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def post(url: str, item: Delivery, timeout: float = 60.0) -> tuple[int, bytes]:
    """Deliver as WooCommerce does (60 s timeout, no redirects followed); returns status and body.
    A connection failure or timeout raises ``OSError`` (``urllib.error.URLError``, ``TimeoutError``)."""
    request = urllib.request.Request(url, data=item.body, headers=item.headers, method="POST")  # noqa: S310
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as err:
        return int(err.code), err.read()


@dataclass(frozen=True)
class SampleSet:
    store_url: str
    secret: str
    deliveries: list[Delivery]

    def find(self, resource: str, record_id: int) -> Delivery:
        """The sample delivery about ``resource`` (order, customer, product) number ``record_id``."""
        for item in self.deliveries:
            if item.topic.startswith(resource + ".") and json.loads(item.body)["id"] == record_id:
                return item
        raise KeyError(f"no sample delivery for {resource} {record_id}")

    def payload(self, resource: str, record_id: int) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.find(resource, record_id).body)
        return data


def sample_deliveries(folder: Path = EVENTS) -> SampleSet:
    """The sample deliveries of ``events/woocommerce/deliveries.json``, signed."""
    manifest = json.loads((folder / "deliveries.json").read_text())
    items = [
        delivery(
            d["topic"],
            json.loads((folder / d["file"]).read_text()),
            manifest["webhook_secret"],
            webhook_id=d["webhook_id"],
            store_url=manifest["store_url"],
        )
        for d in manifest["deliveries"]
    ]
    return SampleSet(manifest["store_url"], manifest["webhook_secret"], items)
