"""Acme: a made-up store, deliberately unlike WooCommerce, behind xerosync's store port.

Its webhooks are signed with a hex HMAC-SHA256 (``X-Acme-Signature: sha256=<hex>``) and carry
``{"type": "order.changed", "eventId": ..., "shop": ..., "data": {...}}``; its records are
camelCase, with string ids (``ord_7Hx2``), amounts in integer cents, the customer nested in the
order, refunds (with their lines) inside the order, and its own status words (``open``,
``awaiting_transfer``, ``settled``, ``voided``...) mapped to the domain lifecycle by the
``store:`` section of the settings. Modules import each other relatively, so the package works
as ``acme_store`` (the functions' layer) and as ``tests.adapters.acme_store`` (the tests).
"""
