"""What the use cases need from the outside world, as small interfaces.

The Lambda functions plug in DynamoDB and the Xero client; unit tests plug in fakes.
"""

from dataclasses import dataclass
from typing import Any, Protocol

from xerosync.xero.client import ElementResult


@dataclass(frozen=True)
class Mapping:
    key: str  # the store record
    xero_id: str  # ContactID, InvoiceID, ...
    content_hash: str = ""  # of the last body we sent Xero for it
    xero_number: str | None = None  # InvoiceNumber, ContactNumber
    source_modified: str | None = None  # the store's date_modified_gmt of the state we sent
    updated_at: str = ""


class Mappings(Protocol):
    def get(self, key: str) -> Mapping | None: ...

    def put(self, mapping: Mapping) -> None: ...


class Xero(Protocol):
    """The operations of :class:`xerosync.xero.client.XeroClient` the use cases call."""

    def contacts_by_number(self, numbers: list[str]) -> list[dict[str, Any]]: ...

    def contacts_by_email(self, email: str) -> list[dict[str, Any]]: ...

    def create_contacts(self, contacts: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]: ...

    def update_contacts(self, contacts: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]: ...

    def invoices_by_number(self, numbers: list[str]) -> list[dict[str, Any]]: ...

    def create_invoices(self, invoices: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]: ...

    def update_invoice(self, invoice_id: str, invoice: dict[str, Any], *, idempotency_key: str) -> ElementResult: ...
