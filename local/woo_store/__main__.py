"""``python -m local.woo_store --port PORT [--seed N --orders N]``: serve a simulated WooCommerce
store (optionally filled with a generated history) and print how to reach it."""

import argparse
import signal
import sys
import threading

from local.woo_store.generate import populate
from local.woo_store.model import Settings
from local.woo_store.store import WooStore


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local.woo_store", description=__doc__)
    parser.add_argument("--port", type=int, default=8791, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--seed", type=int, default=None, help="fill the store with a generated history")
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--customers", type=int, default=30)
    parser.add_argument("--currency", default="AUD")
    parser.add_argument("--prices-exclude-tax", action="store_true")
    parser.add_argument("--round-at-subtotal", action="store_true")
    parser.add_argument("--consumer-key", default="ck_xerosync_simulator_key")
    parser.add_argument("--consumer-secret", default="cs_xerosync_simulator_secret")
    args = parser.parse_args(argv)

    settings = Settings(
        currency=args.currency,
        prices_include_tax=not args.prices_exclude_tax,
        tax_round_at_subtotal=args.round_at_subtotal,
    )
    store = WooStore(settings, consumer_key=args.consumer_key, consumer_secret=args.consumer_secret)
    store.start(port=args.port, host=args.host)
    if args.seed is not None:
        made = populate(store, seed=args.seed, customers=args.customers, orders=args.orders)
        print(f"generated {len(made.orders)} orders, {len(made.customers)} customers, {len(made.products)} products")
    print(f"WooCommerce store simulator at {store.url}")
    print(f"  REST API         {store.api_url}")
    print(f"  consumer_key     {store.consumer_key}")
    print(f"  consumer_secret  {store.consumer_secret}")
    print(f"  inspection       {store.url}/_store/state")
    sys.stdout.flush()
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    store.stop()


if __name__ == "__main__":
    main()
