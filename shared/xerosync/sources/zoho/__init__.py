"""The Zoho CRM source (issue 18): so far its API client, governor and settings section; not
registered in ``xerosync.sources`` until the port is implemented (see ``client.py``)."""
