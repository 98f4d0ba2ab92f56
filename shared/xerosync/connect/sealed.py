"""Sealing a value with a one-time key kept elsewhere (standard library only).

A consent that reached several organisations waits server-side while its user chooses one; what
waits is Xero's token answer. It is stored sealed, and the key travels only in that user's
continuation link, so whoever reads the table reads nothing usable, and a key without the stored
value is nothing either.

The construction is encrypt-then-MAC from HMAC-SHA256 alone: a fresh 256-bit key per value,
two keys derived from it (HMAC with distinct labels), a keystream of HMAC(enc key, nonce ||
counter) blocks (HMAC as a PRF in counter mode, NIST SP 800-108's KDF in counter mode used as
a stream), and a tag HMAC(mac key, nonce || ciphertext) checked in constant time before anything
is decrypted. The key is used once, for one value.
"""

import base64
import binascii
import hashlib
import hmac
import secrets

NONCE = 16
TAG = 32


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _keys(key: bytes) -> tuple[bytes, bytes]:
    return (
        hmac.new(key, b"xerosync seal: encryption", hashlib.sha256).digest(),
        hmac.new(key, b"xerosync seal: authentication", hashlib.sha256).digest(),
    )


def _stream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = (length + 31) // 32
    return b"".join(hmac.new(key, nonce + i.to_bytes(8, "big"), hashlib.sha256).digest() for i in range(blocks))


def seal(plain: bytes) -> tuple[str, str]:
    """``(sealed, key)``: store the first, hand the second to whoever may open it."""
    key = secrets.token_bytes(32)
    enc, mac = _keys(key)
    nonce = secrets.token_bytes(NONCE)
    cipher = bytes(a ^ b for a, b in zip(plain, _stream(enc, nonce, len(plain)), strict=False))
    tag = hmac.new(mac, nonce + cipher, hashlib.sha256).digest()
    return _b64(nonce + cipher + tag), _b64(key)


def unseal(sealed: str, key: str) -> bytes | None:
    """The value, or None when the key is not this value's (or either was altered)."""
    try:
        raw, secret = _unb64(sealed), _unb64(key)
    except (binascii.Error, ValueError):
        return None
    if len(secret) != 32 or len(raw) < NONCE + TAG:
        return None
    enc, mac = _keys(secret)
    nonce, cipher, tag = raw[:NONCE], raw[NONCE:-TAG], raw[-TAG:]
    if not hmac.compare_digest(tag, hmac.new(mac, nonce + cipher, hashlib.sha256).digest()):
        return None
    return bytes(a ^ b for a, b in zip(cipher, _stream(enc, nonce, len(cipher)), strict=False))
