"""The Zoho CRM source (issue 18): Accounts, Contacts, Vendors, Products, Invoices and Sales Orders
into Xero (``adapter.py``), over its API client, governor, settings section and webhook decider."""
