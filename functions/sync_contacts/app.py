"""Contacts queue -> Xero contacts. The use case: xerosync.sync.contacts."""

from xerosync.handlers import sqs_sync_handler
from xerosync.sync.contacts import sync_customer_event

lambda_handler = sqs_sync_handler(
    lambda event, ctx: sync_customer_event(event, xero=ctx.xero, mappings=ctx.mappings, settings=ctx.settings)
)
