"""Xero's JSON dates: ``/Date(1552331871707+0000)/`` out, several spellings in."""

import re
from datetime import UTC, date, datetime, time

_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


def ms(value: datetime | date) -> str:
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(), tzinfo=UTC)
    return f"/Date({int(value.timestamp() * 1000)}+0000)/"


def date_string(value: date) -> str:
    return f"{value.isoformat()}T00:00:00"


def parse_date(value: object) -> date | None:
    """A request's date: ``2026-04-09``, ``2026-04-09T00:00:00`` or ``/Date(ms+0000)/``."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"The string '{value}' is not a valid AllXsd value.")
    match = _MS_DATE.match(value.strip())
    if match:
        return datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC).date()
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
    except ValueError:
        raise ValueError(f"The string '{value}' is not a valid AllXsd value.") from None
