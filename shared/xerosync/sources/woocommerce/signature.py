"""WooCommerce webhook signatures.

WooCommerce signs each delivery with ``base64(HMAC-SHA256(raw body, secret))`` in the
``X-WC-Webhook-Signature`` header (``WC_Webhook::generate_signature``). The secret is
HTML-entity-decoded first (``wp_specialchars_decode(..., ENT_QUOTES)``), so a secret typed
with ``&amp;`` signs with ``&``. Always hash the raw bytes: re-serialised JSON differs
(WordPress escapes ``/`` as ``\\/`` and non-ASCII as ``\\uXXXX``).
"""

import base64
import hashlib
import hmac
import re

# wp_specialchars_decode with ENT_QUOTES decodes exactly these entities.
_WP_ENTITIES = {
    "&lt;": "<",
    "&gt;": ">",
    "&quot;": '"',
    "&#039;": "'",
    "&#x27;": "'",
    "&#39;": "'",
    "&amp;": "&",
}
_ENTITY_RE = re.compile("|".join(re.escape(e) for e in _WP_ENTITIES))


def wp_specialchars_decode(secret: str) -> str:
    return _ENTITY_RE.sub(lambda m: _WP_ENTITIES[m.group(0)], secret)


def sign(body: bytes, secret: str) -> str:
    """The value WooCommerce puts in ``X-WC-Webhook-Signature`` for ``body``."""
    key = wp_specialchars_decode(secret).encode("utf-8")
    return base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode("ascii")


def verify(body: bytes, signature: str | None, secret: str) -> bool:
    """True when ``signature`` is WooCommerce's signature of ``body``; constant time."""
    if not signature or not secret:
        return False
    return hmac.compare_digest(sign(body, secret).encode("ascii"), signature.strip().encode("ascii", "replace"))
