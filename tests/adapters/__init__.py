"""Store adapters kept outside the xerosync package, as a merchant ships one in a layer of its own.

This folder is such a layer: the e2e test deploys the local stack with ``StoreSource=acme_store``
and this folder as an extra layer (``LocalStack(extra_layers=...)``), so the functions import
``acme_store`` by its package name, as the registry (:mod:`xerosync.sources`) finds it.
"""
