"""Items queue -> Xero items (products and variants). The use case: xerosync.sync.items."""

from xerosync.coldstart import cold_start

with cold_start():  # the import without the garbage collector's passes (xerosync.coldstart)
    from xerosync.domain import Ignored, ProductChanged
    from xerosync.handlers import sqs_sync_handler, store_command
    from xerosync.sync.items import CALL_ORDER, sync_product

    lambda_handler = sqs_sync_handler(
        lambda command, ctx: sync_product(command, settings=ctx.settings, xero=ctx.xero, mappings=ctx.mappings),
        store_command(ProductChanged, Ignored),
        CALL_ORDER,
    )
