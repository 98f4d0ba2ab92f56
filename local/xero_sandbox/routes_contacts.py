"""``/Contacts`` and ``/Items``: listing, lookup and batch writes.
https://github.com/XeroAPI/Xero-OpenAPI
https://developer.xero.com/documentation/api/accounting/contacts
https://developer.xero.com/documentation/api/accounting/items"""

from typing import TYPE_CHECKING, Any

from local.xero_sandbox import contacts, items
from local.xero_sandbox.api import GUID, Handled, Request, elements, ordered, page, since, write
from local.xero_sandbox.errors import ElementInvalid, not_found
from local.xero_sandbox.query import where

if TYPE_CHECKING:
    from local.xero_sandbox.server import XeroSandbox

SEARCHED = ("Name", "FirstName", "LastName", "ContactNumber", "EmailAddress")


def register(box: "XeroSandbox") -> None:
    def render_contact(record: dict[str, Any]) -> dict[str, Any]:
        return {**record, "HasValidationErrors": False}

    def list_contacts(request: Request) -> Handled:
        org = request.organisation
        test = where(request.arg("where"))
        ids = request.ids("IDs")
        search = (request.arg("searchTerm") or "").casefold()
        archived = request.flag("includeArchived", False)
        when = request.modified_since()
        found = [
            c
            for c in org.contacts.values()
            if (archived or c.get("ContactStatus") == "ACTIVE")
            and (ids is None or c["ContactID"] in ids)
            and (not search or any(search in str(c.get(f, "")).casefold() for f in SEARCHED))
            and since(c, when)
            and test(c)
        ]
        found.sort(key=lambda c: str(c.get("Name", "")).casefold())
        rendered = ordered(request, [render_contact(c) for c in found])
        if request.flag("summaryOnly", False):
            rendered = [
                {k: v for k, v in c.items() if k not in ("Addresses", "Phones", "ContactPersons")} for c in rendered
            ]
        return 200, page(request, rendered, "Contacts")

    def get_contact(request: Request, ContactID: str) -> Handled:
        org = request.organisation
        if GUID.match(ContactID):
            record = org.contacts.get(ContactID.lower())
        else:
            record = contacts.find(org, {"ContactNumber": ContactID})
        if record is None:
            raise not_found()
        return 200, {"Contacts": [render_contact(record)]}

    def create_contact(request: Request, element: dict[str, Any]) -> dict[str, Any]:
        record = contacts.create(request.organisation, element, box.time())
        box.event(request.organisation, "Contacts", record, True)
        return record

    def update_contact(request: Request, record: dict[str, Any], element: dict[str, Any]) -> dict[str, Any]:
        contacts.update(request.organisation, record, element, box.time())
        box.event(request.organisation, "Contacts", record, False)
        return record

    def put_contacts(request: Request) -> Handled:
        body = elements(request.json(), "Contacts")
        return write(
            request, "Contacts", body, lambda e: create_contact(request, e), render_contact, "HasValidationErrors"
        )

    def post_contacts(request: Request) -> Handled:
        org = request.organisation

        def upsert(element: dict[str, Any]) -> dict[str, Any]:
            existing = contacts.find(org, element)
            if existing is None and element.get("ContactID"):
                raise ElementInvalid("The contact with the specified ContactID could not be found.")
            return update_contact(request, existing, element) if existing else create_contact(request, element)

        body = elements(request.json(), "Contacts")
        return write(request, "Contacts", body, upsert, render_contact, "HasValidationErrors")

    def post_contact(request: Request, ContactID: str) -> Handled:
        record = request.organisation.contacts.get(ContactID.lower())
        if record is None:
            raise not_found()
        body = elements(request.json(), "Contacts")[:1]
        return write(
            request,
            "Contacts",
            body,
            lambda e: update_contact(request, record, e),
            render_contact,
            "HasValidationErrors",
        )

    box.api("GET", "/Contacts", list_contacts)
    box.api("GET", "/Contacts/{ContactID}", get_contact)
    box.api("PUT", "/Contacts", put_contacts)
    box.api("POST", "/Contacts", post_contacts)
    box.api("POST", "/Contacts/{ContactID}", post_contact)

    # --- items --------------------------------------------------------------------------------
    def list_items(request: Request) -> Handled:
        org, unitdp = request.organisation, request.unitdp()
        test = where(request.arg("where"))
        when = request.modified_since()
        found = [items.render(i, unitdp) for i in org.items.values() if since(i, when)]
        found = [i for i in found if test(i)]
        found.sort(key=lambda i: str(i["Code"]).casefold())
        return 200, {"Items": ordered(request, found)}

    def get_item(request: Request, ItemID: str) -> Handled:
        org = request.organisation
        record = org.items.get(ItemID.lower()) if GUID.match(ItemID) else items.find(org, {"Code": ItemID})
        if record is None:
            raise not_found()
        return 200, {"Items": [items.render(record, request.unitdp())]}

    def put_items(request: Request) -> Handled:
        org, unitdp = request.organisation, request.unitdp()
        body = elements(request.json(), "Items")
        return write(
            request,
            "Items",
            body,
            lambda e: items.create(org, e, unitdp, box.time()),
            lambda r: items.render(r, unitdp),
            None,
        )

    def post_items(request: Request) -> Handled:
        org, unitdp = request.organisation, request.unitdp()

        def upsert(element: dict[str, Any]) -> dict[str, Any]:
            existing = items.find(org, element)
            if existing is None and element.get("ItemID"):
                raise ElementInvalid("The item with the specified ItemID could not be found.")  # wording guessed
            if existing:
                return items.update(org, existing, element, unitdp, box.time())
            return items.create(org, element, unitdp, box.time())

        body = elements(request.json(), "Items")
        return write(request, "Items", body, upsert, lambda r: items.render(r, unitdp), None)

    def post_item(request: Request, ItemID: str) -> Handled:
        org, unitdp = request.organisation, request.unitdp()
        record = org.items.get(ItemID.lower())
        if record is None:
            raise not_found()
        body = elements(request.json(), "Items")[:1]
        return write(
            request,
            "Items",
            body,
            lambda e: items.update(org, record, e, unitdp, box.time()),
            lambda r: items.render(r, unitdp),
            None,
        )

    def delete_item(request: Request, ItemID: str) -> Handled:
        org = request.organisation
        if org.items.pop(ItemID.lower(), None) is None:
            raise not_found()
        return 204, None

    box.api("GET", "/Items", list_items)
    box.api("GET", "/Items/{ItemID}", get_item)
    box.api("PUT", "/Items", put_items)
    box.api("POST", "/Items", post_items)
    box.api("POST", "/Items/{ItemID}", post_item)
    box.api("DELETE", "/Items/{ItemID}", delete_item)
