"""The client's reads of contacts and items by id and by change (a part of
:class:`xerosync.xero.client.XeroClient`, kept apart as :mod:`.quote_calls` is; every call still
goes through its ``call``), for what Xero makes that a store may want (:mod:`xerosync.sync.from_xero`).

``GET /Contacts`` and ``GET /Items`` take ``If-Modified-Since`` (records changed at or after it)
and ``order``; contacts come a page of 100 at a time, items all at once (the Items endpoint takes no
``page``): https://developer.xero.com/documentation/api/accounting/contacts,
https://developer.xero.com/documentation/api/accounting/items.
"""

from datetime import datetime
from typing import Any, Protocol

from xerosync.xero.errors import XeroNotFound

PAGE = 100  # contacts per page of Xero's listing


class Client(Protocol):
    def get_list(self, operation: str, plural: str, **kwargs: Any) -> list[dict[str, Any]]: ...


class RecordReads:
    """Contacts and items: one by id, or those changed since a time (oldest change first)."""

    def get_contact(self: Client, contact_id: str) -> dict[str, Any]:
        found = self.get_list("get_contact", "Contacts", contact_id=contact_id)
        if not found:
            raise XeroNotFound(f"contact {contact_id}")
        return found[0]

    def contacts_modified_since(self: Client, since: datetime, page: int = 1) -> list[dict[str, Any]]:
        """One page (up to 100) of the contacts changed at or after ``since`` (archived ones too)."""
        return self.get_list(
            "get_contacts", "Contacts", if_modified_since=since, order="UpdatedDateUTC ASC", page=page,
            include_archived=True,
        )  # fmt: skip

    def items_modified_since(self: Client, since: datetime) -> list[dict[str, Any]]:
        """Every item changed at or after ``since`` (one call: Xero does not page items)."""
        return self.get_list("get_items", "Items", if_modified_since=since, order="UpdatedDateUTC ASC", unitdp=4)
