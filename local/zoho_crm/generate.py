"""A seeded CRM history: accounts (their primary contact with or without an email: Zoho's Accounts
module has no standard email field), contacts, vendors, products with ``Product_Code``, quotes,
sales orders, invoices tax-exclusive and tax-inclusive with line and record discounts and
adjustments, purchase orders. The same seed and start give the same records, ids and times.

Records are written through the store as the API would write them (totals computed, every
trigger logged), over days of the simulator's clock, which is pinned while it writes.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from local.zoho_crm.simulator import ZohoCRM

FIRST = ("Anna", "Ravi", "Mei", "Tom", "Lena", "Omar", "Sara", "Jon", "Ines", "Kofi")
LAST = ("Kingsley", "Patel", "Chen", "Walsh", "Novak", "Haddad", "Berg", "Okafor", "Silva", "Mensah")
COMPANY = ("Bentley", "Zylker", "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wonka")
SUFFIX = ("Systems", "Traders", "Ltd", "Group", "Labs", "Supplies")
TAXES = (
    {"name": "GST", "percentage": 10},
    {"name": "VAT", "percentage": 20},
    {"name": "Sales Tax", "percentage": 8.25},
)


@dataclass
class History:
    ids: dict[str, list[str]]


def populate(
    crm: "ZohoCRM", seed: int = 0, start: datetime | None = None, accounts: int = 8, documents: int = 6
) -> History:
    rng = random.Random(seed)
    when = start or (crm.now() - timedelta(days=60))
    was = crm.clock.pinned
    ids: dict[str, list[str]] = {}
    store, user = crm.store, crm.user

    def put(module: str, data: dict[str, Any]) -> dict[str, Any]:
        nonlocal when
        when += timedelta(minutes=rng.randint(5, 600), seconds=rng.randint(0, 59))
        crm.clock.pin(when)
        record = store.put(module, data, user)
        ids.setdefault(module, []).append(record["id"])
        return record

    def ref(record: dict[str, Any], field: str) -> dict[str, Any]:
        return {"id": record["id"], "name": record[field]}

    try:
        vendors = [
            put(
                "Vendors",
                {
                    "Vendor_Name": f"{rng.choice(COMPANY)} {rng.choice(SUFFIX)} {n}",
                    "Email": f"sales{n}@vendor.example",
                    "Country": rng.choice(("USA", "UK", "Australia")),
                },
            )
            for n in range(max(2, accounts // 3))
        ]
        products = []
        for n in range(max(3, accounts)):
            price = Decimal(rng.randint(100, 99_999)) / 100
            products.append(
                put(
                    "Products",
                    {
                        "Product_Name": f"Product {n} {rng.choice(('Pro', 'Lite', 'Max'))}",
                        "Product_Code": f"PRD-{seed}-{n:04d}",
                        "Unit_Price": price,
                        "Taxable": True,
                        "Product_Active": True,
                        "Vendor_Name": ref(rng.choice(vendors), "Vendor_Name"),
                    },
                )
            )
        accounts_made, contacts = [], []
        for n in range(accounts):
            account = put(
                "Accounts",
                {
                    "Account_Name": f"{COMPANY[n % len(COMPANY)]} {rng.choice(SUFFIX)} {seed}-{n}",
                    "Account_Type": "Customer",
                    "Billing_Country": rng.choice(("USA", "UK", "Australia")),
                },
            )
            accounts_made.append(account)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            contact = {"First_Name": first, "Last_Name": last, "Account_Name": ref(account, "Account_Name")}
            if n % 3 != 2:  # every third account's contact has no email (the duplicate-contact trap)
                contact["Email"] = f"{first.lower()}.{last.lower()}{n}@customer.example"
            contacts.append(put("Contacts", contact))

        def lines(inclusive: bool) -> list[dict[str, Any]]:
            out = []
            for product in rng.sample(products, rng.randint(1, min(4, len(products)))):
                row: dict[str, Any] = {
                    "Product_Name": ref(product, "Product_Name"),
                    "Quantity": rng.randint(1, 12),
                    "List_Price": product["Unit_Price"],
                }
                roll = rng.random()
                if roll < 0.3:
                    row["Discount"] = f"{rng.choice((5, 10, 12.5))}%"
                elif roll < 0.5:
                    row["Discount"] = Decimal(rng.randint(1, 500)) / 100
                row["Line_Tax"] = [dict(rng.choice(TAXES))] if rng.random() < 0.8 else []
                out.append(row)
            return out

        def document(module: str, subform: str, extra: dict[str, Any], n: int) -> dict[str, Any]:
            inclusive = n % 2 == 1
            data = {"Subject": f"{module[:-1].replace('_', ' ')} {seed}-{n}", subform: lines(inclusive), **extra}
            if inclusive:
                data["Tax_Inclusive"] = True
            if rng.random() < 0.4:
                data["Discount"] = Decimal(rng.randint(0, 2000)) / 100
            if rng.random() < 0.4:
                data["Adjustment"] = Decimal(rng.randint(-500, 500)) / 100
            return put(module, data)

        for n in range(documents):
            index = rng.randrange(len(accounts_made))
            party = {
                "Account_Name": ref(accounts_made[index], "Account_Name"),
                "Contact_Name": ref(contacts[index], "Full_Name"),
            }
            quote = document("Quotes", "Quoted_Items", {**party, "Quote_Stage": rng.choice(("Draft", "Delivered"))}, n)
            order = document(
                "Sales_Orders", "Ordered_Items", {**party, "Status": "Created", "Quote_Name": ref(quote, "Subject")}, n
            )
            document(
                "Invoices",
                "Invoiced_Items",
                {
                    **party,
                    "Status": rng.choice(("Created", "Approved", "Delivered")),
                    "Invoice_Date": when.date().isoformat(),
                    "Sales_Order": ref(order, "Subject"),
                },
                n,
            )
            document(
                "Purchase_Orders",
                "Purchase_Items",
                {"Vendor_Name": ref(rng.choice(vendors), "Vendor_Name"), "Status": "Created"},
                n,
            )
    finally:
        crm.clock.pin(was)
    return History(ids)
