"""Contacts queue -> Xero contacts. The use case: xerosync.sync.contacts."""

from xerosync.domain import CustomerChanged, Ignored
from xerosync.handlers import sqs_sync_handler, store_command
from xerosync.sync.contacts import CALL_ORDER, sync_customer

lambda_handler = sqs_sync_handler(
    lambda command, ctx: sync_customer(command, xero=ctx.xero, mappings=ctx.mappings, settings=ctx.settings),
    store_command(CustomerChanged, Ignored),
    CALL_ORDER,
)
