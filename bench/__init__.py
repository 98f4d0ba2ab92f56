"""``make bench``: xerosync's throughput, Xero quota and AWS cost figures (``python -m bench``)."""
