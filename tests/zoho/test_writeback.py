"""Xero -> Zoho CRM, the pure parts: Xero's state of a document read from Xero's answer, the CRM
update it makes under the settings, the ContactID row, and the rule that knows xerosync's own
write when its notification comes back (and a user's edit from it)."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from xerosync.sources.port import StoreError, XeroDocumentState
from xerosync.sources.zoho.settings import problems, zoho_settings
from xerosync.sources.zoho.writeback import (
    Written,
    contact_id_row,
    contents_of,
    normal,
    own_write,
    record_of,
    writeback_row,
)
from xerosync.xero.document_state import deep_link, document_state

INVOICE_ID = "1cf1a11c-a067-4a05-9c8b-06f281f7afed"
RECORD = "5725767000000411011"


def xero_invoice(**extra: Any) -> dict[str, Any]:
    """An invoice as Xero answers GET Invoices/{id} (money as the client reads it: Decimal)."""
    return {
        "Type": "ACCREC",
        "InvoiceID": INVOICE_ID,
        "InvoiceNumber": "ZC-1001",
        "Status": "AUTHORISED",
        "CurrencyCode": "AUD",
        "Total": Decimal("110.0000"),
        "AmountPaid": Decimal("0"),
        "AmountDue": Decimal("110.0000"),
        "AmountCredited": Decimal("0"),
        "Payments": [],
        **extra,
    }


def part_paid() -> XeroDocumentState:
    return document_state(
        xero_invoice(
            AmountPaid=Decimal("40.005"),
            AmountDue=Decimal("69.995"),
            Payments=[{"Date": "/Date(1764720000000+0000)/", "Amount": Decimal("30")}, {"Date": "2025-11-20T00:00:00"}],
        ),
        "!NLglS",
    )


# --- the state ------------------------------------------------------------------------------------
def test_the_deep_link_is_xeros_documented_form_for_invoices_and_bills() -> None:
    assert deep_link("!NLglS", "ACCREC", INVOICE_ID) == (
        "https://go.xero.com/organisationlogin/default.aspx?shortcode=!NLglS"
        f"&redirecturl=/AccountsReceivable/View.aspx?InvoiceID={INVOICE_ID}"
    )
    assert deep_link("!NLglS", "ACCPAY", "b-1").endswith("redirecturl=/AccountsPayable/Edit.aspx?InvoiceID=b-1")
    assert deep_link("!x", "ACCRECCREDIT", "c").endswith(
        "redirecturl=/AccountsPayable/ViewCreditNote.aspx?creditNoteID=c"
    )
    # no link without the organisation's short code, or for a kind of document Xero gives no page
    assert deep_link("", "ACCREC", INVOICE_ID) == "" and deep_link("!x", "RECEIPT", "r") == ""


def test_a_part_paid_invoice_reads_to_the_cent_with_its_payment_dates_in_order() -> None:
    state = part_paid()
    assert state.standing == "PART_PAID" and state.status == "AUTHORISED"
    assert (state.total, state.amount_paid, state.amount_due) == (Decimal("110.00"), Decimal("40.01"), Decimal("70.00"))
    assert state.payment_dates == (date(2025, 11, 20), date(2025, 12, 3)) and state.last_payment_on == date(2025, 12, 3)
    assert state.fully_paid_on is None and state.link.startswith("https://go.xero.com/")
    assert document_state(xero_invoice()).standing == "AUTHORISED"  # nothing paid
    paid = document_state(xero_invoice(Status="PAID", AmountPaid=Decimal("110"), AmountDue=Decimal("0"),
                                       FullyPaidOnDate="2025-12-03T00:00:00"))  # fmt: skip
    assert paid.standing == "PAID" and paid.fully_paid_on == date(2025, 12, 3)
    credited = document_state(xero_invoice(AmountCredited=Decimal("10"), AmountDue=Decimal("100")))
    assert credited.standing == "PART_PAID"


def test_the_fingerprint_changes_with_the_state_only() -> None:
    assert part_paid().fingerprint() == part_paid().fingerprint()
    assert document_state(xero_invoice()).fingerprint() != part_paid().fingerprint()
    assert document_state(xero_invoice(), "!a").fingerprint() != document_state(xero_invoice(), "!b").fingerprint()


# --- the CRM update -------------------------------------------------------------------------------
def test_a_paid_invoice_writes_status_amounts_dates_number_and_link() -> None:
    paid = document_state(
        xero_invoice(Status="PAID", AmountPaid=Decimal("110"), AmountDue=Decimal("0"),
                     FullyPaidOnDate="2025-12-03T00:00:00", Payments=[{"Date": "2025-12-03T00:00:00"}]),
        "!NLglS",
    )  # fmt: skip
    row = writeback_row("Invoices", RECORD, paid, zoho_settings({}))
    assert row == {
        "id": RECORD,
        "Status": "Paid",
        "Xero_Number": "ZC-1001",
        "Xero_Link": paid.link,
        "Xero_Amount_Paid": Decimal("110.00"),
        "Xero_Amount_Due": Decimal("0.00"),
        "Xero_Paid_On": "2025-12-03",
        "Xero_Last_Payment_On": "2025-12-03",
    }


def test_a_standing_the_map_leaves_out_keeps_the_crms_status_and_unset_dates_are_cleared() -> None:
    row = writeback_row("Sales_Orders", RECORD, part_paid(), zoho_settings({}))
    assert "Status" not in row and row["Xero_Paid_On"] is None and row["Xero_Last_Payment_On"] == "2025-12-03"
    mapped = zoho_settings({"xero_status_map": {"PART_PAID": "Part paid"}, "status_field": "Invoice_Status"})
    assert writeback_row("Invoices", RECORD, part_paid(), mapped)["Invoice_Status"] == "Part paid"
    voided = writeback_row("Purchase_Orders", RECORD, document_state(xero_invoice(Status="VOIDED")), zoho_settings({}))
    assert voided["Status"] == "Cancelled"


def test_fields_set_empty_are_not_written() -> None:
    names = ("status_field", "xero_number_field", "xero_link_field", "amount_paid_field", "amount_due_field",
             "paid_on_field", "last_payment_field")  # fmt: skip
    nothing = zoho_settings(dict.fromkeys(names, ""))
    assert writeback_row("Invoices", RECORD, part_paid(), nothing) == {"id": RECORD}
    only = zoho_settings({"xero_status_map": {}, "amount_due_field": "Balance"})
    row = writeback_row("Invoices", RECORD, part_paid(), only)
    assert row["Balance"] == Decimal("70.00") and "Xero_Amount_Due" not in row and "Status" not in row


def test_write_back_goes_to_document_modules_and_the_contact_id_to_contact_modules() -> None:
    with pytest.raises(StoreError, match="Invoices, Sales_Orders, Purchase_Orders"):
        writeback_row("Accounts", RECORD, part_paid(), zoho_settings({}))
    assert contact_id_row("Vendors", RECORD, "c-1", zoho_settings({})) == {"id": RECORD, "Xero_Contact_ID": "c-1"}
    custom = zoho_settings({"xero_contact_id_field": "Xero_ID"})
    assert contact_id_row("Accounts", RECORD, "c-1", custom) == {"id": RECORD, "Xero_ID": "c-1"}
    with pytest.raises(StoreError):
        contact_id_row("Invoices", RECORD, "c-1", custom)
    with pytest.raises(StoreError):
        contact_id_row("Contacts", RECORD, "", custom)


def test_record_keys_name_module_and_id() -> None:
    assert record_of(f"order:Invoices:{RECORD}") == ("Invoices", RECORD) == record_of(f"Invoices:{RECORD}")
    for bad in ("order:1001", "order:Invoices:12a", "Invoices:", f"order:Invoices:{RECORD}#issue2"):
        with pytest.raises(StoreError):
            record_of(bad)


def test_settings_refuse_bad_status_values_and_field_names() -> None:
    from typing import get_args

    from xerosync.sources.port import XERO_STANDINGS
    from xerosync.sources.zoho.settings import Standing

    assert get_args(Standing) == XERO_STANDINGS  # the map's keys are the standings the core says
    found = problems({"xero_status_map": {"PAID": " "}, "xero_link_field": "Xero Link", "own_write_window": -1})
    assert len(found) == 3
    assert problems({"xero_status_map": {"OVERDUE": "Late"}})  # not a standing
    assert not problems({"xero_status_map": {"PART_PAID": "Part paid"}, "paid_on_field": ""})


# --- xerosync's own write coming back ---------------------------------------------------------------
WROTE = Written("Invoices", RECORD, {"Status": "Paid", "Xero_Amount_Paid": "110", "Xero_Number": "ZC-1001"},
                modified_ms=1_764_763_200_000)  # fmt: skip


def notified(fields: list[str] | None, values: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"module": "Invoices", "id": RECORD, "operation": "update", "server_time": 1_764_763_200_000,
            "affected_fields": fields, "affected_values": values, **extra}  # fmt: skip


def test_our_values_coming_back_are_ours_and_a_user_edit_of_another_field_is_not() -> None:
    values = {"Status": "Paid", "Xero_Amount_Paid": 110.0}
    assert own_write(notified(["Status", "Xero_Amount_Paid", "Modified_Time"], values), [WROTE], window=300)
    assert own_write(notified(["Xero_Amount_Paid"], {"Xero_Amount_Paid": "110.00"}), [WROTE], window=300)
    # the user changed the subject (alone, or in the same save as one of ours)
    assert not own_write(notified(["Subject"], {"Subject": "New"}), [WROTE], window=300)
    assert not own_write(notified(["Status", "Subject"], {"Status": "Paid", "Subject": "x"}), [WROTE], window=300)
    # the user set one of our fields to another value
    assert not own_write(notified(["Status"], {"Status": "Delivered"}), [WROTE], window=300)


def test_without_values_only_a_notification_within_the_window_is_ours() -> None:
    assert own_write(notified(["Status"]), [WROTE], window=300)
    late = notified(["Status"], server_time=WROTE.modified_ms + 301_000)
    assert not own_write(late, [WROTE], window=300)
    assert not own_write(notified(["Subject"]), [WROTE], window=300)


def test_what_cannot_be_ours() -> None:
    values = {"Status": "Paid"}
    assert not own_write(notified(["Status"], values), [], window=300)  # nothing written
    assert not own_write(notified(None, values), [WROTE], window=300)  # the fields are not said
    assert not own_write(notified(["Modified_Time"], {}), [WROTE], window=300)  # no field but Zoho's own
    assert not own_write(notified([]), [WROTE], window=300)
    assert not own_write(notified(["Status"], values, operation="insert"), [WROTE], window=300)
    assert not own_write(notified(["Status"], values, operation="delete"), [WROTE], window=300)


def test_an_earlier_write_still_remembered_is_recognised() -> None:
    later = Written("Invoices", RECORD, {"Status": "Cancelled"}, modified_ms=WROTE.modified_ms + 5000)
    assert own_write(notified(["Status"], {"Status": "Paid"}), [WROTE, later], window=300)
    assert Written.of("Invoices", RECORD, WROTE.stored()) == WROTE


def test_values_compare_as_the_crm_echoes_them() -> None:
    assert normal(Decimal("12.50")) == "12.5" == normal(12.5) and normal(Decimal("100.00")) == "100"
    assert normal(None) == "" and normal({"id": "7", "name": "Acme"}) == "7"
    assert normal(date(2025, 1, 2)) == "2025-01-02"
    assert normal(Decimal("0.00")) == "0" and normal(True) == "true"


def test_a_notification_body_gives_each_records_content() -> None:
    body = {"server_time": 5, "module": "Invoices", "operation": "update", "ids": ["1", "2", "1"],
            "affected_fields": [{"1": ["Status"]}, {"2": ["Subject"]}],
            "affected_values": [{"record_id": "1", "values": {"Status": "Paid"}}]}  # fmt: skip
    one, two = contents_of(body)
    assert one == {"module": "Invoices", "id": "1", "operation": "update", "server_time": 5,
                   "affected_fields": ["Status"], "affected_values": {"Status": "Paid"}}  # fmt: skip
    assert two["affected_fields"] == ["Subject"] and two["affected_values"] is None


def test_xeros_update_time_reads_in_both_forms() -> None:
    from datetime import UTC, datetime

    from xerosync.xero.document_state import updated_at

    assert updated_at({"UpdatedDateUTC": "/Date(1796258348513+0000)/"}) == datetime(2026, 12, 3, 0, 39, 8, 513000, UTC)
    assert updated_at({"UpdatedDateUTC": "2026-12-03T00:39:08"}) == datetime(2026, 12, 3, 0, 39, 8, tzinfo=UTC)
    assert updated_at({}) is None and updated_at({"UpdatedDateUTC": "soon"}) is None
