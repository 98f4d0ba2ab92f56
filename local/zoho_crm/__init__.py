"""A Zoho CRM simulator (API v8): Zoho Accounts OAuth per data centre with the 20-refresh-token
rule, the records API for Accounts, Contacts, Vendors, Products, Quotes, Sales_Orders, Invoices
and Purchase_Orders (line items and totals computed), the deleted-records list, notification
channels that POST to their ``notify_url`` with faults on demand, API credits and concurrency
limits, and a seeded CRM history. xerosync's tests and local stack talk to it over HTTP as the
Zoho adapter talks to Zoho.

    crm = ZohoCRM(dc="eu", edition="standard").start()   # crm.accounts_url(), crm.api_domain()
    populate(crm, seed=7)

See README.md for what it reproduces, with sources, and what it guesses.
"""

from local.zoho_crm.auth import DATA_CENTRES, Client, User
from local.zoho_crm.generate import History, populate
from local.zoho_crm.simulator import ZohoCRM

__all__ = ["DATA_CENTRES", "Client", "History", "User", "ZohoCRM", "populate"]
