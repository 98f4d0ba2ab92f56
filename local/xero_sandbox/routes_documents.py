"""``/Invoices`` and ``/CreditNotes`` (with ``/Allocations``): listing, lookup and writes."""

from typing import TYPE_CHECKING, Any

from local.xero_sandbox import allocations, invoices
from local.xero_sandbox.api import GUID, Handled, Request, elements, ordered, page, since, write
from local.xero_sandbox.errors import ElementInvalid, not_found
from local.xero_sandbox.invoices import CREDIT_NOTE, INVOICE, Doc
from local.xero_sandbox.query import where

if TYPE_CHECKING:
    from local.xero_sandbox.server import XeroSandbox


def register(box: "XeroSandbox") -> None:
    def render(request: Request, doc: Doc, record: dict[str, Any], *, lines: bool = True) -> dict[str, Any]:
        org = request.organisation
        out = invoices.render(org, record, doc, lines=lines)
        if doc is CREDIT_NOTE:
            out["Allocations"] = [allocations.render(org, a) for a in record.get("Allocations", [])]
        return out

    def lookup(request: Request, doc: Doc, key: str) -> dict[str, Any]:
        org = request.organisation
        if GUID.match(key):
            record = doc.store(org).get(key.lower())
        else:
            record = invoices.find(org, {doc.number_field: key}, doc)
        if record is None:
            raise not_found()
        return record

    def listing(request: Request, doc: Doc) -> Handled:
        org = request.organisation
        test = where(request.arg("where"))
        ids = request.ids("IDs")
        numbers = request.ids(doc.number_field + "s")
        contact_ids = request.ids("ContactIDs")
        statuses = {s.upper() for s in request.ids("Statuses") or set()}
        search = (request.arg("searchTerm") or "").casefold()
        when = request.modified_since()
        archived = request.flag("includeArchived", False)
        paged = request.arg("page") is not None
        # Xero leaves line items out of unpaged multi-document lists unless asked by id or number
        lines = paged or ids is not None or numbers is not None
        found = []
        for record in doc.store(org).values():
            if not (
                (ids is None or record[doc.id_field] in ids)
                and (numbers is None or str(record.get(doc.number_field, "")).lower() in numbers)
                and (contact_ids is None or record["ContactID"] in contact_ids)
                and (not statuses or record["Status"] in statuses)
                and (archived or statuses or ids is not None or record["Status"] != "DELETED")
                and (
                    not search
                    or search in str(record.get(doc.number_field, "")).casefold()
                    or search in str(record.get("Reference", "")).casefold()
                )
                and since(record, when)
            ):
                continue
            rendered = render(request, doc, record, lines=lines)
            if test(rendered):
                found.append(rendered)
        found.sort(key=lambda r: (r["Date"], r["UpdatedDateUTC"]))
        if request.flag("summaryOnly", False):
            found = [{k: v for k, v in r.items() if k not in ("LineItems", "Payments", "CreditNotes")} for r in found]
        return 200, page(request, ordered(request, found), doc.plural)

    def saved(request: Request, doc: Doc, record: dict[str, Any], created: bool) -> dict[str, Any]:
        box.event(request.organisation, doc.plural, record, created)
        return record

    def put(request: Request, doc: Doc) -> Handled:
        org, unitdp = request.organisation, request.unitdp()
        body = elements(request.json(), doc.plural)
        return write(
            request,
            doc.plural,
            body,
            lambda e: saved(request, doc, invoices.create(org, e, unitdp, box.time(), doc), True),
            lambda r: render(request, doc, r),
            "HasErrors",
        )

    def post(request: Request, doc: Doc) -> Handled:
        org, unitdp = request.organisation, request.unitdp()

        def upsert(element: dict[str, Any]) -> dict[str, Any]:
            existing = invoices.find(org, element, doc)
            if existing is None and element.get(doc.id_field):
                raise ElementInvalid(f"An existing {doc.label} with the specified {doc.id_field} could not be found")
            if existing:
                return saved(request, doc, invoices.update(org, existing, element, unitdp, box.time(), doc), False)
            return saved(request, doc, invoices.create(org, element, unitdp, box.time(), doc), True)

        body = elements(request.json(), doc.plural)
        return write(request, doc.plural, body, upsert, lambda r: render(request, doc, r), "HasErrors")

    def post_one(request: Request, doc: Doc, key: str) -> Handled:
        org, unitdp = request.organisation, request.unitdp()
        record = lookup(request, doc, key)
        body = elements(request.json(), doc.plural)[:1]
        return write(
            request,
            doc.plural,
            body,
            lambda e: saved(request, doc, invoices.update(org, record, e, unitdp, box.time(), doc), False),
            lambda r: render(request, doc, r),
            "HasErrors",
        )

    def bind(doc: Doc) -> None:
        path, key = f"/{doc.plural}", "{" + doc.id_field + "}"
        box.api("GET", path, lambda request: listing(request, doc))
        box.api("PUT", path, lambda request: put(request, doc))
        box.api("POST", path, lambda request: post(request, doc))
        box.api(
            "GET",
            f"{path}/{key}",
            lambda request, **ids: (200, {doc.plural: [render(request, doc, lookup(request, doc, *ids.values()))]}),
        )
        box.api("POST", f"{path}/{key}", lambda request, **ids: post_one(request, doc, *ids.values()))

    bind(INVOICE)
    bind(CREDIT_NOTE)

    # --- allocations --------------------------------------------------------------------------
    def allocate(request: Request, CreditNoteID: str) -> Handled:
        org = request.organisation
        credit_note = lookup(request, CREDIT_NOTE, CreditNoteID)

        def apply(element: dict[str, Any]) -> dict[str, Any]:
            allocation = allocations.create(org, credit_note, element, box.time())
            box.event(org, "CreditNotes", credit_note, False)
            box.event(org, "Invoices", org.invoices[allocation["InvoiceID"]], False)
            return allocation

        body = elements(request.json(), "Allocations")
        return write(request, "Allocations", body, apply, lambda a: allocations.render(org, a), None)

    def unallocate(request: Request, CreditNoteID: str, AllocationID: str) -> Handled:
        org = request.organisation
        credit_note = lookup(request, CREDIT_NOTE, CreditNoteID)
        allocation = allocations.delete(org, credit_note, AllocationID, box.time())
        if allocation is None:
            raise not_found()
        box.event(org, "CreditNotes", credit_note, False)
        box.event(org, "Invoices", org.invoices[allocation["InvoiceID"]], False)
        return 200, allocations.render(org, allocation)

    box.api("PUT", "/CreditNotes/{CreditNoteID}/Allocations", allocate)
    box.api("DELETE", "/CreditNotes/{CreditNoteID}/Allocations/{AllocationID}", unallocate)
