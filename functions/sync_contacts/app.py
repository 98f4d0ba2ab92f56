"""Contacts queue -> Xero contacts, and the store's privacy requests (resource ``privacy``).
The use cases: xerosync.sync.contacts, xerosync.sync.privacy."""

from typing import Any

from xerosync.coldstart import cold_start

with cold_start():  # the import without the garbage collector's passes (xerosync.coldstart)
    from xerosync.domain import CustomerChanged, CustomerDataRequest, Ignored, RedactCustomer, StopSync
    from xerosync.handlers import sqs_sync_handler, store_command
    from xerosync.sync.base import Outcome
    from xerosync.sync.contacts import CALL_ORDER, sync_customer
    from xerosync.wiring import SyncContext
    from xerosync.wiring import privacy as privacy_ports

    PRIVACY = (RedactCustomer, CustomerDataRequest, StopSync)

    def apply(command: Any, ctx: SyncContext) -> Outcome:
        if isinstance(command, PRIVACY):  # a store's privacy request: its use case loads with the first one
            from xerosync.sync import privacy

            return privacy.handle(command, privacy_ports())
        return sync_customer(command, xero=ctx.xero, mappings=ctx.mappings, settings=ctx.settings, store=ctx.store)

    lambda_handler = sqs_sync_handler(apply, store_command(CustomerChanged, Ignored, *PRIVACY), CALL_ORDER)
