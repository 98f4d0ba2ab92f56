"""``python -m local.amazon_sp --port PORT --seed N``: serve a simulated Amazon SP-API (with a
generated settlement history) and print how to reach it."""

import argparse
import signal
import sys
import threading

from local.amazon_sp.auth import Credentials
from local.amazon_sp.marketplaces import MARKETPLACES, in_region
from local.amazon_sp.notify import Notifier
from local.amazon_sp.simulator import AmazonSP


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local.amazon_sp", description=__doc__)
    parser.add_argument("--port", type=int, default=8793, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--region", default="na", choices=("na", "eu", "fe"))
    parser.add_argument("--marketplace", default=None, choices=sorted(MARKETPLACES), help="default: the region's first")
    parser.add_argument("--settlements", type=int, default=4, help="generated history")
    parser.add_argument("--scale", type=float, default=1.0, help="simulated seconds per real second")
    parser.add_argument("--queue-url", default=None, help="SQS queue for REPORT_PROCESSING_FINISHED")
    parser.add_argument("--secret-queue-url", default=None, help="SQS queue for APPLICATION_OAUTH_CLIENT_NEW_SECRET")
    parser.add_argument("--sqs-endpoint-url", default=None, help="e.g. the local stack's moto")
    args = parser.parse_args(argv)

    notifier = Notifier(args.queue_url, args.sqs_endpoint_url) if args.queue_url else None
    secrets = Notifier(args.secret_queue_url, args.sqs_endpoint_url) if args.secret_queue_url else None
    sp = AmazonSP(region=args.region, credentials=Credentials(), seed=args.seed, scale=args.scale, notifier=notifier,
                  secret_notifier=secrets)  # fmt: skip
    sp.start(port=args.port, host=args.host)
    marketplace = args.marketplace or in_region(args.region)[0].name
    reports = sp.populate(args.settlements, marketplace)
    print(f"generated {len(reports)} settlement reports for {marketplace}")
    print(f"Amazon SP-API simulator ({args.region}) at {sp.url}")
    print(f"  LWA token      POST {sp.lwa_url}")
    print(f"  SP-API         {sp.endpoint}/reports/2021-06-30/reports")
    print(f"  client_id      {sp.credentials.client_id}")
    print(f"  client_secret  {sp.credentials.client_secret}")
    print(f"  refresh_token  {sp.credentials.refresh_token}")
    print(f"  control        {sp.url}/_amazon/state")
    sys.stdout.flush()
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    sp.stop()


if __name__ == "__main__":
    main()
