"""Items queue -> Xero items (products and variations). The use case: xerosync.sync.items."""

from xerosync.handlers import sqs_sync_handler
from xerosync.sync.items import sync_product_event

lambda_handler = sqs_sync_handler(
    lambda event, ctx: sync_product_event(event, settings=ctx.settings, xero=ctx.xero, mappings=ctx.mappings)
)
