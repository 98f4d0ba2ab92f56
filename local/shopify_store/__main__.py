"""``python -m local.shopify_store --port PORT [--seed N --orders N]``: serve a simulated Shopify
store (optionally filled with a generated history) and print how to reach it."""

import argparse
import signal
import sys
import threading

from local.shopify_store.generate import populate
from local.shopify_store.store import ShopifyStore


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local.shopify_store", description=__doc__)
    parser.add_argument("--port", type=int, default=8792, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--shop", default="xerosync-sim")
    parser.add_argument("--seed", type=int, default=None, help="fill the store with a generated history")
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--customers", type=int, default=30)
    parser.add_argument("--currency", default="USD")
    parser.add_argument("--scale", type=float, default=1.0, help="shop seconds per real second")
    parser.add_argument("--client-id", default="xerosync-sim-client-id")
    parser.add_argument("--client-secret", default="shopify_app_client_secret_test")
    parser.add_argument("--legacy-token", default=None, help="also accept this static shpat_ token")
    parser.add_argument("--compliance-url", default=None, help="where the privacy topics are sent")
    args = parser.parse_args(argv)

    store = ShopifyStore(
        shop=args.shop, currency=args.currency, scale=args.scale, client_id=args.client_id,
        client_secret=args.client_secret, legacy_token=args.legacy_token, compliance_url=args.compliance_url,
    )  # fmt: skip
    store.start(port=args.port, host=args.host)
    if args.seed is not None:
        made = populate(store, seed=args.seed, customers=args.customers, orders=args.orders)
        print(f"generated {len(made.orders)} orders, {len(made.customers)} customers, {len(made.payouts)} payouts")
    print(f"Shopify store simulator at {store.url} ({store.domain})")
    print(f"  token          POST {store.url}/admin/oauth/access_token")
    print(f"  Admin GraphQL  {store.graphql_url()}")
    print(f"  client_id      {store.app.client_id}")
    print(f"  client_secret  {store.app.client_secret}")
    print(f"  control        {store.url}/_shop/state")
    sys.stdout.flush()
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    store.stop()


if __name__ == "__main__":
    main()
