"""Xero events queue -> the store (an invoice paid in Xero marks its order paid; a contact made in
Xero is created in a store that can, when the settings say so).
The use cases: xerosync.sync.paid_in_xero, xerosync.sync.from_xero."""

from xerosync.coldstart import cold_start

with cold_start():  # the import without the garbage collector's passes (xerosync.coldstart)
    from xerosync.aws.jobstate import DynamoReverseLookup
    from xerosync.environment import current
    from xerosync.handlers import sqs_sync_handler
    from xerosync.sync.paid_in_xero import apply_xero_event
    from xerosync.wiring import store_source

    lookup = DynamoReverseLookup(current().require("MAPPINGS_TABLE").mappings_table)

    lambda_handler = sqs_sync_handler(
        lambda event, ctx: apply_xero_event(
            event,
            settings=ctx.settings,
            xero=ctx.xero,
            mappings=ctx.mappings,
            lookup=lookup,
            store=ctx.store,
            source=store_source(),
        ),
        lambda event, ctx: event,  # a Xero event: nothing of a store's to read
    )
