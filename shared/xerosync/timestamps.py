"""Times as stores and envelopes write them (pure)."""

from datetime import UTC, datetime
from typing import Any


def store_time(value: Any) -> datetime | None:
    """An ISO 8601 time (``2026-11-21T09:00:00``, ``...Z`` or with an offset; a time without a zone
    is UTC, as WooCommerce's ``*_gmt`` dates are) as an aware datetime; None when there is none."""
    if not value:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def moment(value: Any) -> datetime:
    """:func:`store_time`, with the earliest time for none (sorts first)."""
    return store_time(value) or datetime.min.replace(tzinfo=UTC)
