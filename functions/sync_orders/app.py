"""Orders queue -> Xero invoices, payments and credit notes. The use case: xerosync.sync.orders."""

from xerosync.handlers import sqs_sync_handler
from xerosync.sync.orders import sync_order_event

lambda_handler = sqs_sync_handler(
    lambda event, ctx: sync_order_event(
        event, settings=ctx.settings, xero=ctx.xero, mappings=ctx.mappings, store=ctx.store
    )
)
