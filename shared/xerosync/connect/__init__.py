"""Connecting the stack to what it syncs, without a terminal: the Xero organisation (a standard
app's consent, :mod:`xerosync.connect.xero`) and the store's API credentials
(:mod:`xerosync.connect.store`). Used by the console's ``/connect`` pages and by the operator's
``xerosync connect``; store-neutral (a source declares its own credential fields through the port).
"""
