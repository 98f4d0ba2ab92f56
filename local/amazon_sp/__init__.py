"""An Amazon Selling Partner API simulator: the stand-in for Login with Amazon and the SP-API's
Reports API (settlement reports: list with paging, get, documents whose URLs expire, gzip), its
per-operation rate limits, ``REPORT_PROCESSING_FINISHED`` notifications to an SQS queue, and a
seeded settlement generator whose lines always add up to the deposit. xerosync's tests and local
stack talk to it over HTTP as the Amazon adapter talks to Amazon.

    sp = AmazonSP(region="na").start()          # sp.lwa_url, sp.endpoint, sp.credentials
    report = sp.settle("Amazon.com", month_end=True)
    report.settlement.flat_file()               # what the document holds

See README.md for what it reproduces of Amazon, with sources, and what it simplifies or guesses.
"""

from local.amazon_sp.auth import Credentials
from local.amazon_sp.marketplaces import MARKETPLACES, Marketplace
from local.amazon_sp.notify import Notifier
from local.amazon_sp.settlement import HEADER, REPORT_TYPE, Line, Settlement, SettlementGenerator
from local.amazon_sp.simulator import AmazonSP

__all__ = [
    "HEADER",
    "MARKETPLACES",
    "REPORT_TYPE",
    "AmazonSP",
    "Credentials",
    "Line",
    "Marketplace",
    "Notifier",
    "Settlement",
    "SettlementGenerator",
]
