"""Bank transactions: Receive Money and Spend Money on a bank account
(https://developer.xero.com/documentation/api/accounting/banktransactions; spec ``BankTransaction``).

* ``Type`` RECEIVE or SPEND (the overpayment, prepayment and transfer types are Xero's too, and
  are refused here: the sandbox does not model them); ``BankAccount`` by ``AccountID`` or
  ``Code`` must be an active account of Type BANK, and the transaction is in its currency (the
  currency of the transaction must match the bank account's: reports);
* the contact is found by id, number or name, or created when only named (as on invoices);
  details sent with it update it (research: sending more than ``ContactID`` updates the contact)
  and the whole contact is shown, as Xero's examples show it;
* lines follow the invoices' arithmetic (:mod:`lines`), totals are sums of lines, and the total
  of a bank transaction cannot be negative (wording guessed);
* statuses are AUTHORISED on creation, DELETED (or VOIDED) by ``POST /BankTransactions/{id}``;
  a reconciled one (``IsReconciled``) cannot be changed (wording guessed), a deleted one neither;
* period and end-of-year lock dates refuse them like any document.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from local.xero_sandbox import contacts
from local.xero_sandbox.dates import date_string, parse_date
from local.xero_sandbox.errors import ElementInvalid
from local.xero_sandbox.invoices import check_lock, currency_rate
from local.xero_sandbox.lines import ZERO, line_item
from local.xero_sandbox.state import Organisation, new_id

TYPES = ("RECEIVE", "SPEND")
XERO_TYPES = (*TYPES, "RECEIVE-OVERPAYMENT", "RECEIVE-PREPAYMENT", "SPEND-OVERPAYMENT", "SPEND-PREPAYMENT",
              "RECEIVE-TRANSFER", "SPEND-TRANSFER")  # fmt: skip
RECONCILED = "This Bank Transaction cannot be edited as it has been reconciled."  # wording guessed
NOT_MODIFIABLE = "Bank Transaction not of valid status for modification"  # wording guessed (as invoices')


def _bank_account(org: Organisation, reference: Any) -> dict[str, Any]:
    reference = reference if isinstance(reference, dict) else {}
    account = None
    if reference.get("AccountID"):
        account = org.accounts.get(str(reference["AccountID"]).lower())
    if account is None and reference.get("Code"):
        account = org.account_by_code(str(reference["Code"]))
    if account is None:
        raise ElementInvalid("Bank account could not be found")  # wording guessed
    if account.get("Type") != "BANK" or account.get("Status", "ACTIVE") != "ACTIVE":
        raise ElementInvalid(f"Account {account.get('Code') or account['AccountID']} is not a bank account.")  # guessed
    return account


def _contact(org: Organisation, reference: Any, now: datetime) -> dict[str, Any]:
    if not isinstance(reference, dict) or not reference:
        raise ElementInvalid("A Contact must be specified for this type of transaction.")
    contact = contacts.find(org, reference)
    if contact is None and reference.get("Name") and not reference.get("ContactID"):
        return contacts.create(org, reference, now)
    if contact is None:
        raise ElementInvalid("The contact with the specified ContactID could not be found.")
    details = {k: v for k, v in reference.items() if k in contacts.WRITABLE and v not in (None, [], {})}
    if set(details) - {"Name"} or (details.get("Name") and details["Name"] != contact.get("Name")):
        contacts.update(org, contact, details, now)
    return contact


def _totals(record: dict[str, Any]) -> None:
    lines = record["LineItems"]
    tax = sum((line["TaxAmount"] for line in lines), ZERO)
    amounts = sum((line["LineAmount"] for line in lines), ZERO)
    subtotal = amounts - tax if record["LineAmountTypes"] == "Inclusive" else amounts
    record["SubTotal"], record["TotalTax"], record["Total"] = subtotal, tax, subtotal + tax


def _apply(org: Organisation, record: dict[str, Any], element: dict[str, Any], unitdp: int, now: datetime) -> None:
    problems: list[str] = []
    try:
        if element.get("BankAccount"):
            record["BankAccountID"] = _bank_account(org, element["BankAccount"])["AccountID"]
    except ElementInvalid as exc:
        problems.extend(exc.messages)
    try:
        if element.get("Contact") or "ContactID" not in record:
            record["ContactID"] = _contact(org, element.get("Contact"), now)["ContactID"]
    except ElementInvalid as exc:
        problems.extend(exc.messages)
    if "BankAccountID" not in record and not problems:
        problems.append("A bank account must be specified.")  # wording guessed (required by the spec)
    if "Date" in element:
        try:
            record["Date"] = parse_date(element["Date"])
        except ValueError as exc:
            problems.append(str(exc))
    record.setdefault("Date", now.date())
    for field in ("Reference", "Url"):
        if element.get(field) is not None:
            record[field] = element[field]
    if element.get("IsReconciled") is not None:
        record["IsReconciled"] = bool(element["IsReconciled"])
    if element.get("LineAmountTypes"):
        if element["LineAmountTypes"] not in ("Exclusive", "Inclusive", "NoTax"):
            problems.append(f"'{element['LineAmountTypes']}' is not a valid LineAmountTypes value.")
        else:
            record["LineAmountTypes"] = element["LineAmountTypes"]
    account = org.accounts.get(str(record.get("BankAccountID")))
    currency = element.get("CurrencyCode") or record.get("CurrencyCode") or (account or {}).get("CurrencyCode")
    currency = currency or org.base_currency
    if currency not in org.currencies:
        problems.append(f"The currency code '{currency}' is not set up in this organisation.")
    elif account and account.get("CurrencyCode", org.base_currency) != currency:
        problems.append(  # wording guessed
            f"The currency of the bank transaction ({currency}) must match the bank account's "
            f"({account.get('CurrencyCode', org.base_currency)})."
        )
    record["CurrencyCode"] = currency
    try:  # "Exchange rate to base currency ... If this isn't specified ... the XE.com day rate" (spec)
        record["CurrencyRate"] = currency_rate(org, currency, element.get("CurrencyRate"), record.get("CurrencyRate"))
    except ElementInvalid as exc:
        problems.extend(exc.messages)
    kind = "ACCREC" if record["Type"].startswith("RECEIVE") else "ACCPAY"  # sales or purchase item details
    if element.get("LineItems"):  # an empty list keeps the lines there, as on invoices
        lines = []
        for raw in element["LineItems"]:
            try:
                lines.append(line_item(org, raw, record["LineAmountTypes"], unitdp, kind))
            except ElementInvalid as exc:
                problems.extend(exc.messages)
        record["LineItems"] = lines
    elif "LineAmountTypes" in element and record.get("LineItems"):
        record["LineItems"] = [
            line_item(org, {k: v for k, v in line.items() if k != "TaxAmount"}, record["LineAmountTypes"], unitdp, kind)
            for line in record["LineItems"]
        ]
    if not record.get("LineItems"):
        problems.append("At least one line item must be specified.")  # the spec: LineItems required
    try:
        check_lock(org, record.get("Date"))
    except ElementInvalid as exc:
        problems.extend(exc.messages)
    if problems:
        raise ElementInvalid(*dict.fromkeys(problems))
    _totals(record)
    if record["Total"] < 0:
        raise ElementInvalid("The total of a bank transaction cannot be negative.")  # wording guessed


def create(org: Organisation, element: dict[str, Any], unitdp: int, now: datetime) -> dict[str, Any]:
    kind = element.get("Type")
    if kind not in XERO_TYPES:
        raise ElementInvalid(
            "Bank Transaction Type must be specified." if not kind else f"'{kind}' is not a valid Type."
        )
    if kind not in TYPES:
        raise ElementInvalid(f"The sandbox does not support {kind} bank transactions.")
    status = element.get("Status") or "AUTHORISED"
    if status != "AUTHORISED":
        raise ElementInvalid("Bank Transaction not of valid status for creation")  # wording guessed
    record: dict[str, Any] = {
        "BankTransactionID": new_id(),
        "Type": kind,
        "Status": status,
        "LineAmountTypes": element.get("LineAmountTypes") or "Exclusive",
        "LineItems": [],
        "IsReconciled": False,
        "CurrencyRate": Decimal("1"),
        "HasAttachments": False,
    }
    _apply(org, record, element, unitdp, now)
    record["UpdatedDateUTC"] = now
    org.bank_transactions[record["BankTransactionID"]] = record
    return record


def update(
    org: Organisation, record: dict[str, Any], element: dict[str, Any], unitdp: int, now: datetime
) -> dict[str, Any]:
    target = element.get("Status") or record["Status"]
    if record["Status"] != "AUTHORISED" or target not in ("AUTHORISED", "DELETED", "VOIDED"):
        raise ElementInvalid(NOT_MODIFIABLE)
    if record.get("IsReconciled") and (target != "AUTHORISED" or element.get("IsReconciled") is not False):
        raise ElementInvalid(RECONCILED)
    if element.get("Type") and element["Type"] != record["Type"]:
        raise ElementInvalid("The Type of a bank transaction cannot be changed.")  # wording guessed
    if target != "AUTHORISED":
        check_lock(org, record.get("Date"))
        record["Status"] = target
        record["UpdatedDateUTC"] = now
        return record
    draft = {**record, "LineItems": [dict(line) for line in record["LineItems"]]}
    _apply(org, draft, element, unitdp, now)
    draft["UpdatedDateUTC"] = now
    record.clear()
    record.update(draft)
    return record


def render(org: Organisation, record: dict[str, Any], *, lines: bool = True) -> dict[str, Any]:
    """As Xero shows one: the bank account by id, code and name, the whole contact, ``DateString``."""
    out = {k: v for k, v in record.items() if k not in ("ContactID", "BankAccountID")}
    account = org.accounts.get(record["BankAccountID"]) or {}
    out["BankAccount"] = {k: account[k] for k in ("AccountID", "Code", "Name") if k in account}
    contact = org.contacts.get(record["ContactID"])
    out["Contact"] = {**contact, "HasValidationErrors": False} if contact else {"ContactID": record["ContactID"]}
    out["DateString"] = date_string(record["Date"])
    if not lines:  # an unpaged list shows them empty, as the spec's example of GET /BankTransactions does
        out["LineItems"] = []
    return out
