"""Zoho CRM records (API v8 JSON, as a get or a listing answers) -> the domain (pure).

Accounts, Contacts and Vendors are parties, Products products, and Invoices and Sales Orders sales;
a record's key names its module and id (``order:Invoices:5725767000011400011``), as the webhook's
envelopes do (:func:`xerosync.sources.zoho.webhook.record_key`). A record does not say which
module it is from: the store client marks each one it reads (:data:`MODULE`); a record given
without the mark (a file for ``xerosync preview``, Zoho's create-record examples wrapped in
``{"data": [...]}``) is recognised by its module's own fields (:func:`module_of`).

**Money** (https://github.com/zoho/crm-oas ``v8.0/record.json``; the CRM's inventory help pages):
each line item (subforms ``Invoiced_Items``, ``Ordered_Items``) carries a quantity, a list price,
``Total`` (quantity x list price), a ``Discount`` (an amount or ``"n%"``; a number is read as an
amount),
``Total_After_Discount``, its taxes ``Line_Tax`` ``[{name, percentage, value}]`` and
``Net_Total``; the record ``Sub_Total`` (the lines' net totals), its own ``Discount``, the
total-level taxes ``$line_tax``, ``Adjustment`` and ``Grand_Total``. Zoho's examples spell line
keys lower-case (``quantity``, ``list_price``) and its answers capitalised: both are read. Lines
become product lines with the CRM's tax per line; the record's discount and adjustment lines of
their own (no tax: the CRM takes them off, or adds them, after tax); total-level taxes are shared
over the product lines in proportion to their amounts, to the cent. Whatever of ``Grand_Total``
the record's own parts do not explain (Zoho's examples do not add up) is a line saying so: the
CRM's total is the truth, and Xero's total equals it to the cent (the core's rounding,
:mod:`xerosync.xero.lines`, then does the rest). Prices include tax when the record's
``tax_inclusive_field`` (settings) is true.
"""

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from xerosync.domain import Party, PostalAddress, Product, Sale, SaleLine, TaxRate
from xerosync.sources.zoho.settings import ZohoSettings
from xerosync.sources.zoho.webhook import MODULE as MODULE  # the mark on each record the store client reads
from xerosync.sources.zoho.webhook import RESOURCE_OF_MODULE, record_key
from xerosync.timestamps import store_time

SUBFORM = {"Invoices": "Invoiced_Items", "Sales_Orders": "Ordered_Items", "Quotes": "Quoted_Items",
           "Purchase_Orders": "Purchase_Items"}  # fmt: skip
SALES = ("Invoices", "Sales_Orders")  # what becomes an ACCREC invoice
NUMBER = {"Invoices": "Invoice_Number", "Sales_Orders": "SO_Number", "Quotes": "Quote_Number",
          "Purchase_Orders": "PO_Number"}  # fmt: skip
NAME = {"Accounts": "Account_Name", "Vendors": "Vendor_Name", "Products": "Product_Name"}
CENT = Decimal("0.01")
ZERO = Decimal(0)
NEW = "new"  # the id of a record that has none yet (a create-record example)


class ZohoRecordError(ValueError):
    """A CRM record that cannot be read into the domain (says which field, and why)."""


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def unwrap(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The record itself: a create or get body ``{"data": [record]}`` holds one."""
    data = raw.get("data")
    if "id" not in raw and isinstance(data, list) and len(data) == 1 and isinstance(data[0], dict):
        return dict(data[0])
    return dict(raw)


def module_of(raw: Mapping[str, Any]) -> str:
    """The module a record is from: its mark, else its module's own fields."""
    record = unwrap(raw)
    marked = record.get(MODULE)
    if isinstance(marked, str) and marked in RESOURCE_OF_MODULE:
        return marked
    for module, subform in SUBFORM.items():
        if subform in record:
            return module
    if isinstance(record.get("Product_Name"), str):
        return "Products"
    if "Last_Name" in record or "Full_Name" in record:
        return "Contacts"
    if isinstance(record.get("Vendor_Name"), str):
        return "Vendors"
    if isinstance(record.get("Account_Name"), str):
        return "Accounts"
    raise ZohoRecordError("not a Zoho CRM record xerosync reads (Accounts, Contacts, Vendors, Products, Invoices...)")


def record_id(record: Mapping[str, Any]) -> str:
    value = record.get("id")
    return str(value) if value not in (None, "") else NEW


def text(value: Any) -> str:
    return " ".join(str(value).split()) if value not in (None, "") and not isinstance(value, dict | list) else ""


def lookup(value: Any) -> tuple[str, str]:
    """A lookup field (``{"name", "id"}``) as (id, name); a name alone when given as text."""
    if isinstance(value, dict):
        return (str(value.get("id") or ""), text(value.get("name")))
    return ("", text(value))


def money(value: Any, what: str, default: Decimal | None = ZERO) -> Decimal:
    if value is None or value == "":
        if default is None:
            raise ZohoRecordError(f"{what} is missing")
        return default
    if isinstance(value, bool):
        raise ZohoRecordError(f"{what} is not a number ({value!r})")
    try:
        found = Decimal(str(value))
    except InvalidOperation:
        raise ZohoRecordError(f"{what} is not a number ({value!r})") from None
    if not found.is_finite():
        raise ZohoRecordError(f"{what} is not a number ({value!r})")
    return found


def _discount(value: Any, base: Decimal, what: str) -> Decimal:
    """An amount, or ``"n%"`` of ``base``."""
    if isinstance(value, str) and value.strip().endswith("%"):
        return cents(base * money(value.strip()[:-1], what) / 100)
    return money(value, what)


def _field(row: Mapping[str, Any], name: str) -> Any:
    """A line item's field, by its answer's spelling (``List_Price``) or its examples' (``list_price``)."""
    return row[name] if name in row else row.get(name.lower())


# --- parties ------------------------------------------------------------------------------------
def party_key(module: str, rid: str) -> str:
    return f"customer:{record_key(module, rid)}"


def party_from(module: str, raw: Mapping[str, Any], cfg: ZohoSettings) -> Party:
    """An Account, Contact or Vendor as the books see it (``ContactNumber``: see the settings)."""
    record = unwrap(raw)
    rid = record_id(record)
    email = text(record.get("Email")).lower()
    first, last, company = "", "", ""
    if module == "Contacts":
        first, last = text(record.get("First_Name")), text(record.get("Last_Name"))
        name = text(record.get("Full_Name")) or f"{first} {last}".strip()
        company = lookup(record.get("Account_Name"))[1]
        address = _address(record, "Mailing_Street", "Mailing_City", "Mailing_State", "Mailing_Zip", "Mailing_Country")
    elif module == "Accounts":
        name = text(record.get("Account_Name"))
        company = name
        address = _address(record, "Billing_Street", "Billing_City", "Billing_State", "Billing_Code", "Billing_Country")
    elif module == "Vendors":
        name = company = text(record.get("Vendor_Name"))
        address = _address(record, "Street", "City", "State", "Zip_Code", "Country")
    else:
        raise ZohoRecordError(f"a {module} record is not a customer or supplier")
    if not name:
        raise ZohoRecordError(f"the {module} record {rid} has no name ({NAME.get(module, 'Last_Name')})")
    number = record_key(module, rid)
    matched = text(record.get(cfg.no_email_match_field)) if cfg.no_email_match_field and not email else ""
    return Party(
        key=party_key(module, rid),
        name=name,
        customer_number=matched or number,
        first_name=first,
        last_name=last,
        email=email,
        company=company,
        phone=text(record.get("Phone")) or text(record.get("Mobile")),
        address=address,
        xero_contact_id=text(record.get(cfg.xero_contact_id_field)),  # written back by xerosync (or by hand)
    )


def _address(record: Mapping[str, Any], street: str, city: str, state: str, code: str, country: str) -> PostalAddress:
    return PostalAddress(
        lines=tuple(line for line in (text(record.get(street)),) if line),
        city=text(record.get(city)),
        region=text(record.get(state)),
        postcode=text(record.get(code)),
        country=text(record.get(country)),
    )


def _customer(record: Mapping[str, Any], of: str = "") -> Party:
    """The party a sale names: its account, else its contact (as the lookup names it); a purchase
    order's (``of``), its vendor."""
    named = (("Vendors", "Vendor_Name"),) if of == "Purchase_Orders" else (("Accounts", "Account_Name"),
                                                                            ("Contacts", "Contact_Name"))  # fmt: skip
    for module, name_field in named:
        rid, name = lookup(record.get(name_field))
        if rid and name:
            return Party(key=party_key(module, rid), name=name, customer_number=record_key(module, rid),
                         company=name if module == "Accounts" else "")  # fmt: skip
    if of == "Purchase_Orders":
        raise ZohoRecordError("the purchase order names no vendor (Vendor_Name) with its id")
    raise ZohoRecordError("the record names no account (Account_Name) or contact (Contact_Name) with its id")


# --- products -----------------------------------------------------------------------------------
def product_from(raw: Mapping[str, Any]) -> Product:
    """A Product as an item: ``Product_Code`` its code (Xero's 30-character rule applies in the core)."""
    record = unwrap(raw)
    rid = record_id(record)
    name = text(record.get("Product_Name"))
    if not name:
        raise ZohoRecordError(f"the Products record {rid} has no Product_Name")
    price = record.get("Unit_Price")
    return Product(
        key=f"product:{record_key('Products', rid)}",
        sku=text(record.get("Product_Code")) or None,
        name=name,
        description=text(record.get("Description")),
        price=money(price, "Unit_Price") if price not in (None, "") else None,
    )


# --- sales --------------------------------------------------------------------------------------
def _rates(rows: Any, what: str) -> list[tuple[str, Decimal, Decimal | None]]:
    """Tax rows ``[{name, percentage, value}]`` as (name, percentage, value or None)."""
    if rows in (None, ""):
        return []
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ZohoRecordError(f"{what} is not a list of taxes")
    found = []
    for row in rows:
        value = row.get("value")
        pct = money(row.get("percentage"), f"{what} percentage")
        found.append((text(row.get("name")) or f"{pct}%", pct, None if value in (None, "") else money(value, what)))
    return found


def _line(row: Mapping[str, Any], index: int, inclusive: bool, what: str) -> tuple[SaleLine, dict[str, TaxRate]]:
    pid, product_name = lookup(row.get("Product_Name"))
    given = row.get("Product_Name")
    product: dict[str, Any] = given if isinstance(given, dict) else {}
    quantity = money(_field(row, "Quantity"), f"{what} Quantity", Decimal(1))
    price = money(_field(row, "List_Price"), f"{what} List_Price", None) if _field(row, "List_Price") not in (
        None, "") else money(product.get("Unit_Price"), f"{what} List_Price")  # fmt: skip
    # quantity x list price: the answer's ``Total`` is that, but the examples' lower-case ``total``
    # is the amount after a discount, so neither is read
    gross = cents(quantity * price)
    after_given = _field(row, "Total_After_Discount")
    if after_given not in (None, ""):
        after = money(after_given, f"{what} Total_After_Discount")
    else:
        after = gross - _discount(_field(row, "Discount"), gross, f"{what} Discount")
    taxes = _rates(_field(row, "Line_Tax"), f"{what} Line_Tax")
    if taxes and all(value is not None for _, _, value in taxes):
        tax = sum((value or ZERO for _, _, value in taxes), ZERO)
    else:
        tax = money(_field(row, "Tax"), f"{what} Tax")
    rates = {name: TaxRate(id=name, code=name, label=f"{name} {pct.normalize():f}%", percent=pct)
             for name, pct, value in taxes if pct or value}  # fmt: skip
    # the tax on the amount before discount, in proportion (the core only needs it to price the
    # discount of an inclusive line: its amount after discount is the CRM's own either way)
    before_tax = tax if after in (ZERO, gross) else tax * gross / after
    line = SaleLine(
        kind="product",
        source_id=str(row.get("id") or f"line{index}"),
        description=text(_field(row, "Description")) or product_name or f"Line {index + 1}",
        quantity=quantity,
        subtotal=gross - before_tax if inclusive else gross,
        subtotal_tax=before_tax,
        total=after - tax if inclusive else after,
        tax=tax,
        tax_rate_ids=tuple(rates),
        sku=text(product.get("Product_Code")) or None,
        product_key=f"product:{record_key('Products', pid)}" if pid else None,
    )
    return line, rates


def _shares(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """``total`` in cents over ``weights`` in proportion, adding up exactly (largest remainder)."""
    base = sum(weights, ZERO)
    if not weights:
        return []
    if base == 0:
        return [total] + [ZERO] * (len(weights) - 1)
    exact = [total * w / base for w in weights]
    rounded = [cents(x) for x in exact]
    gap = total - sum(rounded, ZERO)
    step = CENT if gap > 0 else -CENT
    order = sorted(range(len(exact)), key=lambda i: (exact[i] - rounded[i]) * (1 if gap > 0 else -1), reverse=True)
    i = 0
    while gap != 0:
        rounded[order[i % len(order)]] += step
        gap -= step
        i += 1
    return rounded


def _extra(kind_id: str, description: str, amount: Decimal) -> SaleLine:
    return SaleLine(kind="adjustment", source_id=kind_id, description=description, quantity=Decimal(1),
                    subtotal=amount, subtotal_tax=ZERO, total=amount, tax=ZERO)  # fmt: skip


def _date(record: Mapping[str, Any], module: str) -> date:
    for name in ("Invoice_Date", "PO_Date", "Created_Time", "Due_Date"):
        value = record.get(name)
        if value:
            try:
                return date.fromisoformat(str(value)[:10])
            except ValueError:
                raise ZohoRecordError(f"{module} {name} {value!r} is not a date") from None
    raise ZohoRecordError(f"the {module} record has no date (Invoice_Date, PO_Date, Created_Time)")


def sale_from(module: str, raw: Mapping[str, Any], cfg: ZohoSettings) -> Sale:
    """An Invoice or Sales Order as a sale whose total is the CRM's ``Grand_Total`` (a Quote's or
    Purchase Order's the same way: the body of its domain document, :mod:`.quotes`)."""
    if module not in SUBFORM:
        raise ZohoRecordError(f"{module} records are not sales xerosync books")
    record = unwrap(raw)
    rid = record_id(record)
    subform = SUBFORM[module]
    rows = record.get(subform)
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        raise ZohoRecordError(f"the {module} record {rid} has no line items ({subform}): read it whole by its id")
    flag = record.get(cfg.tax_inclusive_field) if cfg.tax_inclusive_field else False
    inclusive = flag is True or (isinstance(flag, str) and flag.strip().lower() in ("true", "yes", "1"))
    rates: dict[str, TaxRate] = {}
    lines: list[SaleLine] = []
    for index, row in enumerate(rows):
        line, found = _line(row, index, inclusive, f"{subform}[{index}]")
        lines.append(line)
        rates.update(found)
    sub_total = sum((line.total + line.tax for line in lines), ZERO)
    discount = _discount(record.get("Discount"), sub_total, "Discount")
    total_taxes = _rates(record.get("$line_tax"), "$line_tax")
    level_tax = sum((value or ZERO for _, _, value in total_taxes), ZERO)
    if level_tax:  # tax at total level: shared over the product lines, each named with its rates
        names = tuple(name for name, pct, value in total_taxes if pct or value)
        rates.update({name: TaxRate(id=name, code=name, label=f"{name} {pct.normalize():f}%", percent=pct)
                      for name, pct, value in total_taxes if pct or value})  # fmt: skip
        shares = _shares(level_tax, [line.total + line.tax for line in lines])
        lines = [_taxed(line, share, names, inclusive) for line, share in zip(lines, shares, strict=True)]
    adjustment = money(record.get("Adjustment"), "Adjustment")
    if discount:
        lines.append(_extra("discount", "Discount", -discount))
    if adjustment:
        lines.append(_extra("adjustment", "Adjustment", adjustment))
    explained = sub_total - discount + (ZERO if inclusive else level_tax) + adjustment
    grand = money(record.get("Grand_Total"), "Grand_Total", explained)
    if grand != explained:
        lines.append(_extra("unexplained", "Difference between the CRM's Grand_Total and its lines", grand - explained))
    currency = text(record.get("Currency")) or cfg.currency
    if not currency:
        raise ZohoRecordError("the record has no Currency and the settings name none: set store.currency")
    status = text(record.get("Status"))
    number = text(record.get(NUMBER[module])) or rid
    return Sale(
        key=f"order:{record_key(module, rid)}",
        id=record_key(module, rid),
        number=number,
        lifecycle=cfg.statuses(module).get(status, "unconfirmed"),
        status_word=status or "(none)",
        date=_date(record, module),
        currency=currency,
        prices_include_tax=inclusive,
        customer=_customer(record, module),
        lines=tuple(lines),
        total=grand,
        total_tax=sum((line.tax for line in lines), ZERO),
        modified_at=store_time(record.get("Modified_Time")),
        created_at=store_time(record.get("Created_Time")),
        tax_rates=rates,
    )


def _taxed(line: SaleLine, share: Decimal, names: tuple[str, ...], inclusive: bool) -> SaleLine:
    """``line`` with its share of the total-level tax (inside its amount when prices include tax)."""
    ids = tuple(dict.fromkeys((*line.tax_rate_ids, *names)))
    if inclusive:
        return replace(line, total=line.total - share, subtotal=line.subtotal - share, subtotal_tax=line.subtotal_tax
                       + share, tax=line.tax + share, tax_rate_ids=ids)  # fmt: skip
    return replace(line, tax=line.tax + share, subtotal_tax=line.subtotal_tax + share, tax_rate_ids=ids)
