"""Secrets from Secrets Manager, cached per process for a few minutes.

Functions receive secret ARNs in their environment, never values; a rotated secret is
picked up once the cache entry expires.
"""

import json
import time
from typing import Any

from xerosync.aws import client

CACHE_SECONDS = 300.0
_cache: dict[str, tuple[float, str]] = {}


def get_secret_string(secret_id: str, *, max_age: float = CACHE_SECONDS) -> str:
    now = time.monotonic()
    hit = _cache.get(secret_id)
    if hit and now - hit[0] < max_age:
        return hit[1]
    value = client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    _cache[secret_id] = (now, value)
    return str(value)


def get_secret_json(secret_id: str, *, max_age: float = CACHE_SECONDS) -> dict[str, Any]:
    value = json.loads(get_secret_string(secret_id, max_age=max_age))
    if not isinstance(value, dict):
        raise ValueError(f"secret {secret_id} is not a JSON object")
    return value


def clear_cache() -> None:
    _cache.clear()


def put_secret_json(secret_id: str, value: dict[str, Any]) -> str:
    """Store ``value`` as a new version of the secret: it becomes AWSCURRENT and the version it
    replaces AWSPREVIOUS (Secrets Manager's PutSecretValue moves the labels), so the old value can
    still be read back. This process reads the new one at once; others within CACHE_SECONDS.
    Returns the new version's id."""
    text = json.dumps(value)
    answer = client("secretsmanager").put_secret_value(SecretId=secret_id, SecretString=text)
    _cache[secret_id] = (time.monotonic(), text)
    return str(answer["VersionId"])


class JsonSecret:
    """One secret read fresh and written whole (a new version each time): what connecting Xero
    and the store's credentials change (:class:`xerosync.connect.xero.AppSecret`)."""

    def __init__(self, secret_id: str) -> None:
        self.secret_id = secret_id

    def read(self) -> dict[str, Any]:
        text = get_secret_string(self.secret_id, max_age=0)
        value = json.loads(text) if text.strip() else {}
        return value if isinstance(value, dict) else {}

    def write(self, value: dict[str, Any]) -> None:
        put_secret_json(self.secret_id, value)
