"""A Xero sandbox: the Accounting API, its identity server and connections, stateful and strict.

Start it with ``python -m local.xero_sandbox --port 8790`` or in-process::

    sandbox = XeroSandbox().start()
    org = sandbox.add_organisation("Demo Store Pty Ltd")
    client = sandbox.add_client([org.tenant_id])

What it enforces, what Xero does that it does not, and what is guessed is in
``local/xero_sandbox/README.md``.
"""

from local.xero_sandbox import persist
from local.xero_sandbox.server import XeroSandbox
from local.xero_sandbox.state import Organisation

__all__ = ["Organisation", "XeroSandbox", "persist"]
