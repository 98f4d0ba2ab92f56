"""In-memory stand-ins for the use cases' ports (unit tests only; integration tests use the
sandbox and moto over HTTP)."""

import itertools
from decimal import Decimal
from typing import Any

from xerosync.sync.ports import Claimed, ClaimHeld, ClaimLost, Mapping
from xerosync.xero.client import ElementResult


class InMemoryMappings:
    """Completed mappings and live claims (claims never expire here: tests release them)."""

    def __init__(self) -> None:
        self.items: dict[str, Mapping] = {}
        self.claims: dict[str, str] = {}
        self.locks: dict[str, str] = {}
        self.attempted: set[str] = set()  # keys whose claims were released
        self.writes = 0

    def get(self, key: str) -> Mapping | None:
        return self.items.get(key)

    def claim(self, key: str, token: str) -> Mapping | Claimed:
        if key in self.items:
            return self.items[key]
        if key in self.claims:
            raise ClaimHeld(key)
        self.claims[key] = token
        return Claimed(first=key not in self.attempted)

    def lock(self, key: str, token: str) -> None:
        if self.locks.get(key, token) != token:
            raise ClaimHeld(key, doing="changed")
        self.locks[key] = token

    def unlock(self, key: str, token: str) -> None:
        if self.locks.get(key) == token:
            del self.locks[key]

    def release(self, key: str, claim: str) -> None:
        if self.claims.get(key) == claim:
            del self.claims[key]
            self.attempted.add(key)

    def put(self, mapping: Mapping, *, claim: str | None = None) -> None:
        if claim is not None and self.claims.get(mapping.key) != claim:
            raise ClaimLost(mapping.key)
        self.claims.pop(mapping.key, None)
        self.writes += 1
        self.items[mapping.key] = mapping


class FakeXero:
    """Just enough of Xero to exercise the use cases: ids, unique names and invoice numbers."""

    def __init__(self) -> None:
        self.contacts: dict[str, dict[str, Any]] = {}
        self.invoices: dict[str, dict[str, Any]] = {}
        self.credit_notes: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []
        self._ids = itertools.count(1)

    def _id(self) -> str:
        return f"00000000-0000-0000-0000-{next(self._ids):012d}"

    def contacts_matching(
        self, number: str | None, email: str, name: str = "", contact_id: str = ""
    ) -> list[dict[str, Any]]:
        self.calls.append("contacts_matching")
        return [
            c
            for c in self.contacts.values()
            if (contact_id and c.get("ContactID") == contact_id)
            or (number and c.get("ContactNumber") == number)
            or (email and c.get("EmailAddress", "").lower() == email.lower())
            or (name and c["Name"].casefold() == name.casefold())
        ]

    def _name_taken(self, name: str, except_id: str | None = None) -> bool:
        return any(c["Name"].casefold() == name.casefold() and i != except_id for i, c in self.contacts.items())

    def create_contacts(self, contacts: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]:
        self.calls.append("create_contacts")
        results = []
        for body in contacts:
            if self._name_taken(body["Name"]):
                message = f"The contact name {body['Name']} is already assigned to another contact."
                results.append(ElementResult(False, body, (message,)))
                continue
            record = {**body, "ContactID": self._id(), "ContactStatus": "ACTIVE"}
            self.contacts[record["ContactID"]] = record
            results.append(ElementResult(True, record))
        return results

    def update_contacts(self, contacts: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]:
        self.calls.append("update_contacts")
        results = []
        for body in contacts:
            if self._name_taken(body["Name"], body["ContactID"]):
                message = f"The contact name {body['Name']} is already assigned to another contact."
                results.append(ElementResult(False, body, (message,)))
                continue
            self.contacts[body["ContactID"]].update(body)
            results.append(ElementResult(True, self.contacts[body["ContactID"]]))
        return results

    def invoices_by_number(self, numbers: list[str]) -> list[dict[str, Any]]:
        self.calls.append("invoices_by_number")
        return [i for i in self.invoices.values() if i["InvoiceNumber"] in numbers]

    def create_invoices(self, invoices: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]:
        self.calls.append("create_invoices")
        results = []
        for body in invoices:
            if any(i["InvoiceNumber"] == body["InvoiceNumber"] for i in self.invoices.values()):
                results.append(ElementResult(False, body, ("Invoice # must be unique.",)))
                continue
            record = {**body, "Contact": self._named(body["Contact"]), "InvoiceID": self._id()}
            self.invoices[record["InvoiceID"]] = record
            total = self.total(record)  # Xero answers a create with the amounts, as a read would
            results.append(ElementResult(True, {**record, "Total": total, "AmountPaid": 0, "AmountDue": total}))
        return results

    def _named(self, contact: dict[str, Any]) -> dict[str, Any]:
        """A document's Contact as Xero takes it: by ContactID, else ContactNumber, else Name; a
        name it does not know is a new contact of the details sent (as the sandbox does)."""
        if contact.get("ContactID"):
            return {"ContactID": contact["ContactID"]}
        for cid, c in self.contacts.items():
            if contact.get("ContactNumber") and c.get("ContactNumber") == contact["ContactNumber"]:
                return {"ContactID": cid}
        for cid, c in self.contacts.items():
            if c["Name"].casefold() == str(contact["Name"]).casefold():
                return {"ContactID": cid}
        record = {**contact, "ContactID": self._id(), "ContactStatus": "ACTIVE"}
        self.contacts[record["ContactID"]] = record
        return {"ContactID": record["ContactID"]}

    def update_invoice(self, invoice_id: str, invoice: dict[str, Any], *, idempotency_key: str) -> ElementResult:
        self.calls.append("update_invoice")
        record = self.invoices[invoice_id]
        if record.get("Payments") and set(invoice) - {"Status"}:
            return ElementResult(False, invoice, ("Invoice not of valid status for modification",))
        record.update(invoice)
        return ElementResult(True, record)

    @staticmethod
    def total(document: dict[str, Any]) -> Decimal:
        """The document's total, roughly as Xero computes it (enough for the fakes' amount due)."""
        amount = sum(
            (
                Decimal(str(line["Quantity"])) * Decimal(str(line["UnitAmount"]))
                - Decimal(str(line.get("DiscountAmount", 0)))
                for line in document.get("LineItems", [])
            ),
            Decimal(0),
        )
        tax = sum((Decimal(str(line.get("TaxAmount", 0))) for line in document.get("LineItems", [])), Decimal(0))
        return (amount if document.get("LineAmountTypes") == "Inclusive" else amount + tax).quantize(Decimal("0.01"))

    @staticmethod
    def _sum(records: list[dict[str, Any]]) -> Decimal:
        return sum((Decimal(str(r["Amount"])) for r in records), Decimal(0))

    def get_invoice(self, invoice_id: str) -> dict[str, Any]:
        self.calls.append("get_invoice")
        return self._invoice(invoice_id)

    def _invoice(self, invoice_id: str) -> dict[str, Any]:
        """The invoice as Xero shows it: with what is paid, credited and due."""
        record = self.invoices[invoice_id]
        paid = self._sum(record.get("Payments", []))
        credited = self._sum(record.get("Credits", []))
        due = self.total(record) - paid - credited
        status = record.get("Status", "AUTHORISED")
        return {
            **record,
            "Total": self.total(record),
            "AmountPaid": paid,
            "AmountCredited": credited,
            "AmountDue": due,
            "Status": "PAID" if status == "AUTHORISED" and due <= 0 and paid + credited else status,
        }

    def create_payments(self, payments: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]:
        """Payments on invoices and (money going back) on credit notes; never more than is
        outstanding, and only to a bank account or one that takes payments, as Xero."""
        self.calls.append("create_payments")
        results = []
        for body in payments:
            if "Invoice" in body:
                document = self.invoices[body["Invoice"]["InvoiceID"]]
                due = Decimal(str(self._invoice(body["Invoice"]["InvoiceID"])["AmountDue"]))
            else:
                document = self.credit_notes[body["CreditNote"]["CreditNoteID"]]
                due = Decimal(str(self._credit_note(document)["RemainingCredit"]))
            if body["Account"]["Code"] in self.refuse_accounts:
                results.append(ElementResult(False, body, ("Account is not a bank account",)))
            elif Decimal(str(body["Amount"])) > due:
                message = "Payment amount exceeds the amount outstanding on this document"
                results.append(ElementResult(False, body, (message,)))
            else:
                record = {**body, "PaymentID": self._id(), "Status": "AUTHORISED"}
                document.setdefault("Payments", []).append(record)
                results.append(ElementResult(True, record))
        return results

    refuse_accounts: frozenset[str] = frozenset()  # codes of accounts that take no payments

    # --- credit notes ------------------------------------------------------------------------

    def credit_notes_by_number(self, numbers: list[str]) -> list[dict[str, Any]]:
        self.calls.append("credit_notes_by_number")
        return [self._credit_note(c) for c in self.credit_notes.values() if c["CreditNoteNumber"] in numbers]

    def create_credit_notes(self, notes: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]:
        self.calls.append("create_credit_notes")
        results = []
        for body in notes:
            if any(c["CreditNoteNumber"] == body["CreditNoteNumber"] for c in self.credit_notes.values()):
                results.append(ElementResult(False, body, ("Credit Note # must be unique.",)))
                continue
            record = {**body, "CreditNoteID": self._id()}
            self.credit_notes[record["CreditNoteID"]] = record
            results.append(ElementResult(True, self._credit_note(record)))
        return results

    def _credit_note(self, record: dict[str, Any]) -> dict[str, Any]:
        total = self.total(record)
        used = self._sum(record.get("Payments", [])) + self._sum(record.get("Allocations", []))
        return {**record, "Total": total, "RemainingCredit": total - used}

    def get_credit_note(self, credit_note_id: str) -> dict[str, Any]:
        self.calls.append("get_credit_note")
        return self._credit_note(self.credit_notes[credit_note_id])

    def allocate_credit_note(
        self, credit_note_id: str, allocation: dict[str, Any], *, idempotency_key: str
    ) -> ElementResult:
        self.calls.append("allocate_credit_note")
        note = self.credit_notes[credit_note_id]
        note.setdefault("Allocations", []).append(allocation)
        self.invoices[allocation["Invoice"]["InvoiceID"]].setdefault("Credits", []).append(allocation)
        return ElementResult(True, allocation)
