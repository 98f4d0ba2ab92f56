"""Orders queue -> Xero invoices, payments and credit notes. The use case: xerosync.sync.orders."""

from xerosync.domain import Ignored, SaleChanged, SaleGone
from xerosync.handlers import sqs_sync_handler, store_command
from xerosync.sync.orders import CALL_ORDER, sync_sale

lambda_handler = sqs_sync_handler(
    lambda command, ctx: sync_sale(
        command, settings=ctx.settings, xero=ctx.xero, mappings=ctx.mappings, store=ctx.store
    ),
    store_command(SaleChanged, SaleGone, Ignored),
    CALL_ORDER,
)
