"""Xero: the client (the only module that talks to Xero), errors, and payload builders."""
