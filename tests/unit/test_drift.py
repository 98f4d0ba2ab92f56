"""The drift report: each difference between a store order and the Xero documents xerosync wrote,
named by record and sorted into what the sync can fix and what it can only report. Orders are
WooCommerce's, read into the domain by its adapter (over an in-memory REST API for a day)."""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from tests.fake_woo_rest import WOO, FakeRest, woo_store
from tests.fakes import InMemoryMappings
from xerosync import drift
from xerosync.config import StoreSettings, parse_settings
from xerosync.domain import Sale
from xerosync.drift import Related, compare_order
from xerosync.sync.ports import Mapping
from xerosync.xero.models import CreditNote, Invoice


def settings(text: str = "") -> StoreSettings:
    """Settings as the stack reads them for a WooCommerce store (its invoice prefix, WC-)."""
    return parse_settings(text, defaults=WOO.settings_defaults)


SETTINGS = settings()
SYNCED = "2026-11-21T09:00:00"


def order(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": 1001,
        "number": "1001",
        "status": "processing",
        "currency": "AUD",
        "total": "110.00",
        "total_tax": "10.00",
        "date_created": "2026-11-21T19:00:00",
        "date_created_gmt": "2026-11-21T08:00:00",
        "date_modified_gmt": SYNCED,
        "date_paid_gmt": "2026-11-21T08:00:05",
        "refunds": [],
    }
    return {**base, **fields}


def invoice(total: str = "110.00", tax: str = "10.00", status: str = "PAID", paid: str = "110.00") -> Invoice:
    due = Decimal(total) - Decimal(paid)
    return Invoice(
        "inv-1",
        "WC-1001",
        status,
        None,
        total=Decimal(total),
        total_tax=Decimal(tax),
        amount_paid=Decimal(paid),
        amount_due=due,
    )


def known(**data: Any) -> Mapping:
    booked = {"line:1": ["100.00", "10.00", "OUTPUT", "200", "Mug"]}
    return Mapping(
        "order:1001", "inv-1", xero_number="WC-1001", source_modified=SYNCED, data={"booked": booked, **data}
    )


def related(**fields: Any) -> Related:
    return Related(invoice=known(), payment=Mapping("payment:1001", "pay-1"), **fields)


def sale(o: dict[str, Any], settings: StoreSettings = SETTINGS) -> Sale:
    read = WOO.read("order", o, settings)
    assert isinstance(read, Sale)
    return read


def compare(
    o: dict[str, Any], rel: Related, inv: Invoice | None, notes: dict[str, CreditNote] | None = None, **kw: Any
) -> list[Any]:
    invoices = {inv.number: inv} if inv else {}
    settings = kw.pop("settings", SETTINGS)
    return compare_order(sale(o, settings), rel, invoices, notes or {}, settings, **kw)


def test_an_order_in_step_with_xero_has_no_difference() -> None:
    assert compare(order(), related(), invoice()) == []


def test_a_missing_invoice_is_fixable_unless_xeros_books_are_locked() -> None:
    [missing] = compare(order(), Related(invoice=None), None)
    assert (missing.key, missing.what, missing.fixable) == ("order:1001", "invoice", True)
    [locked] = compare(order(), Related(invoice=None), None, lock_date=date(2026, 11, 30))
    assert not locked.fixable and "locked up to 2026-11-30" in locked.reason


def test_an_invoice_edited_in_xero_by_hand_is_reported_with_what_xerosync_wrote() -> None:
    diffs = compare(order(), related(), invoice(total="115.50", tax="10.50", paid="0.00", status="AUTHORISED"))
    by_what = {d.what: d for d in diffs}
    assert not by_what["total"].fixable
    assert "changed in Xero" in by_what["total"].reason and "xerosync wrote 110.00" in by_what["total"].reason
    assert (by_what["total"].store, by_what["total"].xero) == ("110.00", "115.50")
    assert not by_what["tax"].fixable


def test_a_store_change_the_sync_missed_is_fixable() -> None:
    newer = order(total="120.00", total_tax="11.00", date_modified_gmt="2026-11-21T10:00:00")
    diffs = compare(newer, related(), invoice())
    assert {d.what for d in diffs} == {"total", "tax"} and all(d.fixable for d in diffs)
    assert all("store changed after the last sync" in d.reason for d in diffs)


def test_an_invoice_voided_or_deleted_in_xero_is_reported() -> None:
    [voided] = compare(order(), related(), invoice(status="VOIDED", paid="0.00"))
    assert not voided.fixable and "voided in Xero by hand" in voided.reason
    [gone] = compare(order(), related(), None)
    assert not gone.fixable and "gone from Xero" in gone.reason


def test_refunds_are_compared_with_their_credit_notes() -> None:
    refunded = order(refunds=[{"id": 7, "total": "-20.00"}, {"id": 8, "total": "-5.00"}])
    note = CreditNote("cn-7", "WC-1001-R7", "PAID", Decimal("18.00"), Decimal("0"))
    rel = related(refunds={"7": Mapping("refund:1001:7", "cn-7"), "8": None})
    diffs = {d.what: d for d in compare(refunded, rel, invoice(), {"WC-1001-R7": note})}
    assert not diffs["refund 7"].fixable and "changed in Xero" in diffs["refund 7"].reason
    assert diffs["refund 8"].fixable  # never synced
    gone = compare(refunded, related(refunds={"7": Mapping("refund:1001:7", "cn-7")}), invoice(), {})
    assert [d.fixable for d in gone if d.what == "refund 7"] == [False]


def test_refund_money_paid_out_of_a_decrease_s_note_needs_no_credit_note_of_its_own() -> None:
    # paid at 110.00, lowered by 30.00 after payment (-A1), then refunded 22.00 and 30.00: the first
    # wholly out of -A1's credit; of the second, the 8.00 -A1 had left and 22.00 a note of its own
    lowered = order(
        total="80.00", total_tax="7.27", refunds=[{"id": 7, "total": "-22.00"}, {"id": 8, "total": "-30.00"}]
    )
    down = CreditNote("a1", "WC-1001-A1", "PAID", Decimal("30.00"), Decimal("2.73"))
    all_of_it = Mapping("refund:1001:7", "a1", data={"total": "22.00", "drawn": {"adjust:1001:1": "22.00"}})
    part = Mapping("refund:1001:8", "cn-8", data={"total": "30.00", "drawn": {"adjust:1001:1": "8.00"}})
    rel = related(adjustments=("WC-1001-A1",), refunds={"7": all_of_it, "8": part})
    note = CreditNote("cn-8", "WC-1001-R8", "PAID", Decimal("22.00"), Decimal("2.00"))
    notes = {"WC-1001-A1": down, "WC-1001-R8": note}
    assert compare(lowered, rel, invoice(), notes) == []
    # the rest's note changed in Xero is reported against what it should credit, not the refund
    [changed] = compare(lowered, rel, invoice(), {**notes, "WC-1001-R8": replace(note, total=Decimal("30.00"))})
    assert (changed.what, changed.store, changed.xero, changed.fixable) == ("refund 8", "22.00", "30.00", False)
    # and a refund never synced is still a missing credit note, to be fixed
    unsynced = related(adjustments=("WC-1001-A1",), refunds={"7": all_of_it, "8": None})
    [missing] = compare(lowered, unsynced, invoice(), {"WC-1001-A1": down})
    assert (missing.what, missing.fixable) == ("refund 8", True)


def test_payments_missing_removed_or_made_in_xero() -> None:
    unpaid = invoice(status="AUTHORISED", paid="0.00")
    [missing] = compare(order(), Related(invoice=known()), unpaid)
    assert (missing.what, missing.fixable) == ("payment", True)
    [removed] = compare(order(), related(), unpaid)
    assert not removed.fixable and "gone from Xero" in removed.reason
    [in_xero] = compare(
        order(status="on-hold", date_paid_gmt=None),
        related(),
        invoice(),
        settings=settings("order_statuses: {on-hold: AUTHORISED}"),
    )
    assert (
        not in_xero.fixable
        and "paid in Xero, not in the store" in in_xero.reason
        and "pull.mark_paid" in in_xero.reason
    )


def test_cancelled_orders_and_skipped_statuses() -> None:
    [active] = compare(order(status="cancelled"), related(), invoice(status="AUTHORISED", paid="0.00"))
    assert active.fixable and "cancelled in the store" in active.reason
    assert compare(order(status="cancelled"), Related(invoice=known(state="voided")), invoice(status="VOIDED")) == []
    assert compare(order(status="pending"), Related(invoice=None), None) == []  # not invoiced (settings)
    assert compare(order(status="checkout-draft"), Related(invoice=None), None) == []
    # deleted in the store (in WooCommerce's trash): its invoice comes off the books
    [trashed] = compare_order(
        sale(order(status="trash")),
        related(),
        {"WC-1001": invoice(status="AUTHORISED", paid="0.00")},
        {},
        SETTINGS,
        gone=True,
    )
    assert trashed.fixable and trashed.store == "trash"


def test_adjustments_after_payment_count_towards_xeros_total() -> None:
    # paid at 110.00; the order went up 15.00 then down 5.00: an invoice and a credit note book it
    changed = order(total="120.00", total_tax="10.91")
    up = Invoice("a1", "WC-1001-A1", "AUTHORISED", None, total=Decimal("15.00"), total_tax=Decimal("1.36"))
    down = CreditNote("a2", "WC-1001-A2", "AUTHORISED", Decimal("5.00"), Decimal("0.45"))
    rel = related(adjustments=("WC-1001-A1", "WC-1001-A2"))
    result = compare_order(sale(changed), rel, {"WC-1001": invoice(), "WC-1001-A1": up}, {"WC-1001-A2": down}, SETTINGS)
    assert result == []


def Store(orders: list[dict[str, Any]]) -> Any:
    rest = FakeRest()
    rest.data["orders"] = orders
    return woo_store(rest)


class Xero:
    def __init__(self, invoices: list[dict[str, Any]]) -> None:
        self.invoices = invoices
        self.calls: list[int] = []

    def invoices_by_number(self, numbers: list[str]) -> list[dict[str, Any]]:
        self.calls.append(len(numbers))
        return [i for i in self.invoices if i["InvoiceNumber"] in numbers]

    def credit_notes_by_number(self, numbers: list[str]) -> list[dict[str, Any]]:
        self.calls.append(len(numbers))
        return []


def test_a_day_report_fetches_xero_in_batches_and_leaves_history_out() -> None:
    orders = [order(id=n, number=str(n), date_created_gmt=f"2026-11-21T0{n % 9}:00:00") for n in range(1, 121)]
    mappings = InMemoryMappings()
    xero_invoices = []
    for o in orders[:-1]:
        mappings.put(Mapping(f"order:{o['id']}", f"inv-{o['id']}", xero_number=f"WC-{o['id']}", source_modified=SYNCED))
        mappings.put(Mapping(f"payment:{o['id']}", f"pay-{o['id']}"))
        xero_invoices.append(
            {
                "InvoiceNumber": f"WC-{o['id']}",
                "InvoiceID": f"inv-{o['id']}",
                "Status": "PAID",
                "Total": Decimal("110.00"),
                "TotalTax": Decimal("10.00"),
                "AmountPaid": Decimal("110.00"),
                "AmountDue": Decimal("0"),
            }
        )
    xero = Xero(xero_invoices)
    report = drift.report(
        date(2026, 11, 21), store=Store(orders), source=WOO, xero=xero, mappings=mappings, settings=SETTINGS
    )
    assert report.orders == 120 and len(report.differences) == 1
    assert report.differences[0].key == "order:120" and report.differences[0].fixable
    assert max(xero.calls) <= drift.INVOICE_BATCH
    assert report.store_total == Decimal("13200.00") and report.xero_total == Decimal("13090.00")
    # created before xerosync was installed: not its business
    later = drift.report(
        date(2026, 11, 21),
        store=Store(orders),
        source=WOO,
        xero=xero,
        mappings=mappings,
        settings=SETTINGS,
        since=datetime(2026, 11, 21, 5, tzinfo=UTC),
    )
    assert later.orders == sum(1 for n in range(1, 121) if n % 9 >= 5)
    assert later.differences == []  # order 120 was created at 03:00, before the install


def test_a_day_leaves_drafts_out_and_takes_trashed_orders_off_the_books() -> None:
    orders = [
        order(id=1, number="1"),
        order(id=2, number="2", status="checkout-draft"),  # never delivered by a webhook: not a sale yet
        order(id=3, number="3", status="trash"),
        {"id": 4, "status": "processing", "date_created": "2026-11-21T10:00:00"},  # unreadable: no currency
    ]
    mappings = InMemoryMappings()
    xero_invoices = []
    for n in (1, 3):
        mappings.put(Mapping(f"order:{n}", f"inv-{n}", xero_number=f"WC-{n}", source_modified=SYNCED))
        mappings.put(Mapping(f"payment:{n}", f"pay-{n}"))
        xero_invoices.append(
            {
                "InvoiceNumber": f"WC-{n}",
                "InvoiceID": f"inv-{n}",
                "Status": "PAID",
                "Total": "110.00",
                "TotalTax": "10.00",
            }
        )
    xero_invoices[0]["AmountPaid"] = "110.00"
    report = drift.report(
        date(2026, 11, 21),
        store=Store(orders),
        source=WOO,
        xero=Xero(xero_invoices),
        mappings=mappings,
        settings=SETTINGS,
    )
    assert report.orders == 1 and report.store_total == Decimal("110.00")
    by_key = {d.key: d for d in report.differences}
    assert set(by_key) == {"order:3", "order:4"}
    assert by_key["order:3"].fixable and "cancelled in the store" in by_key["order:3"].reason
    assert not by_key["order:4"].fixable and by_key["order:4"].store == "unreadable"


def test_a_change_after_payment_reported_not_booked_is_reported_as_such() -> None:
    # the store's order went up to 165.00 after WC-1001 was paid; the settings said report it
    reported = Related(invoice=known(reported="digest-of-165"), payment=Mapping("payment:1001", "pay-1"))
    [total, tax] = compare(order(total="165.00", total_tax="15.00"), reported, invoice())
    assert (total.what, total.store, total.xero, total.fixable) == ("total", "165.00", "110.00", False)
    assert "after WC-1001 was paid in Xero: reported, not booked (settings: after_payment)" in total.reason
    assert tax.what == "tax" and not tax.fixable
