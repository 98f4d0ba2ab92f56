"""Orders queue -> Xero invoices, payments and credit notes; quotes and purchases -> Xero quotes,
purchase orders or bills. The use case: xerosync.sync.order_queue."""

from xerosync.coldstart import cold_start

with cold_start():  # the import without the garbage collector's passes (xerosync.coldstart)
    from xerosync.handlers import sqs_sync_handler, store_command
    from xerosync.sync.order_queue import ACCEPTS, CALL_ORDER, sync_order_record

    lambda_handler = sqs_sync_handler(
        lambda command, ctx: sync_order_record(
            command, settings=ctx.settings, xero=ctx.xero, mappings=ctx.mappings, store=ctx.store
        ),
        store_command(*ACCEPTS),
        CALL_ORDER,
    )
