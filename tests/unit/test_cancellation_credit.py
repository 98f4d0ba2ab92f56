"""What the cancellation of a paid sale credits (pure): the invoice's total less every credit the sale
already has in Xero, allocated to the invoice or not, never negative. Read from Xero-shaped answers,
so the read models' parsing of an invoice's allocated credit notes is under test too."""

from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from xerosync.sync.cancellation import cancellation_credit
from xerosync.xero.models import CreditNote, Invoice

D = Decimal


def invoice(total: str, *allocations: tuple[str, str]) -> Invoice:
    """A paid invoice of ``total``, with credit notes allocated to it: (CreditNoteID, AppliedAmount)."""
    credited = sum((D(a) for _, a in allocations), D(0))
    record: dict[str, Any] = {
        "InvoiceID": "inv-1",
        "InvoiceNumber": "WC-1001",
        "Status": "PAID",
        "Total": D(total),
        "AmountPaid": D(total) - credited,
        "AmountCredited": credited,
        "AmountDue": D(0),
        "CreditNotes": [{"CreditNoteID": i, "AppliedAmount": D(a)} for i, a in allocations],
    }
    return Invoice.of(record)


def note(note_id: str, total: str, status: str = "AUTHORISED") -> CreditNote:
    return CreditNote.of({"CreditNoteID": note_id, "CreditNoteNumber": note_id, "Status": status, "Total": D(total)})


def test_nothing_credited_yet_credits_the_whole_invoice() -> None:
    assert cancellation_credit(invoice("100.00"), []) == D("100.00")


def test_a_decrease_after_payment_not_allocated_is_subtracted() -> None:
    # the review's case: 100 paid, lowered by 22 (-A1, owed to the customer), then cancelled
    assert cancellation_credit(invoice("100.00"), [note("A1", "22.00")]) == D("78.00")


def test_a_refund_paid_back_as_money_is_subtracted() -> None:
    assert cancellation_credit(invoice("100.00"), [note("R7", "5.00", "PAID")]) == D("95.00")


def test_a_refund_allocated_to_the_invoice_is_subtracted_once() -> None:
    assert cancellation_credit(invoice("100.00", ("R7", "30.00")), [note("R7", "30.00", "PAID")]) == D("70.00")


def test_a_note_part_allocated_part_paid_out_counts_by_its_total_once() -> None:
    assert cancellation_credit(invoice("100.00", ("R7", "10.00")), [note("R7", "30.00", "PAID")]) == D("70.00")


def test_drafts_count_and_voided_or_deleted_notes_do_not() -> None:
    notes = [note("R1", "10.00", "DRAFT"), note("R2", "20.00", "VOIDED"), note("A1", "5.00", "DELETED")]
    assert cancellation_credit(invoice("100.00"), notes) == D("90.00")


def test_credit_allocated_from_a_note_that_is_not_the_sale_s_counts_too() -> None:
    # a credit note made by hand in Xero and allocated to the invoice, beside the sale's own decrease
    assert cancellation_credit(invoice("100.00", ("by-hand", "15.00")), [note("A1", "22.00")]) == D("63.00")


def test_never_negative() -> None:
    assert cancellation_credit(invoice("100.00"), [note("A1", "60.00"), note("R1", "60.00")]) == D("0")
    assert cancellation_credit(invoice("100.00", ("R1", "100.00")), [note("R1", "100.00", "PAID")]) == D("0")


cents = st.decimals(min_value=D("0.01"), max_value=D("5000"), places=2)


@given(total=cents, notes=st.lists(st.tuples(cents, st.booleans(), st.booleans()), max_size=5))
def test_the_sale_ends_credited_its_total_exactly_once(total: Decimal, notes: list[tuple[Decimal, bool, bool]]) -> None:
    # each note: its total, whether it is allocated to the invoice (as far as the invoice has due
    # left), whether it is voided; the cancellation tops the sale's live credit up to the total, never past it
    sale_notes, allocations, due = [], [], total
    for n, (amount, allocated, voided) in enumerate(notes):
        sale_notes.append(note(f"n{n}", str(amount), "VOIDED" if voided else "AUTHORISED"))
        if allocated and not voided and due > 0:
            applied = min(amount, due)
            allocations.append((f"n{n}", str(applied)))
            due -= applied
    live = sum((amount for amount, _, voided in notes if not voided), D(0))
    credit = cancellation_credit(invoice(str(total), *allocations), sale_notes)
    assert credit >= 0
    assert credit + live == max(total, live)
