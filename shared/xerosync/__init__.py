"""xerosync: keeps a merchant's Xero organisation in step with their store.

The package is shipped as the project's Lambda layer. Importing it imports nothing heavy:
each function imports only the modules on its own path (the ingress function never loads
xero-python or pydantic).
"""

__version__ = "0.1.0"
