"""``python -m local.zoho_crm --port PORT --seed N``: serve a simulated Zoho CRM organisation (with
a generated history) and print how to reach it."""

import argparse
import signal
import sys
import threading

from local.zoho_crm.auth import DATA_CENTRES
from local.zoho_crm.generate import populate
from local.zoho_crm.limits import EDITIONS
from local.zoho_crm.simulator import ZohoCRM


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local.zoho_crm", description=__doc__)
    parser.add_argument("--port", type=int, default=8794, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dc", default="com", choices=sorted(DATA_CENTRES))
    parser.add_argument("--edition", default="enterprise", choices=sorted(EDITIONS))
    parser.add_argument("--users", type=int, default=10, help="user licences (API credits grow with them)")
    parser.add_argument("--accounts", type=int, default=8, help="generated history")
    parser.add_argument("--documents", type=int, default=6, help="generated quotes, orders, invoices and POs each")
    args = parser.parse_args(argv)

    crm = ZohoCRM(dc=args.dc, edition=args.edition, users=args.users).start(port=args.port, host=args.host)
    history = populate(crm, seed=args.seed, accounts=args.accounts, documents=args.documents)
    print(f"generated {sum(len(v) for v in history.ids.values())} records")
    print(f"Zoho CRM simulator (DC {args.dc}, {args.edition}) at {crm.url}")
    print(f"  accounts server  POST {crm.accounts_url()}/oauth/v2/token")
    print(f"  API domain       {crm.api_domain()}/crm/v8/Invoices?fields=Subject,Grand_Total")
    print(f"  client_id        {crm.accounts.client.client_id}")
    print(f"  client_secret    {crm.accounts.client.client_secret}")
    print(f"  refresh_token    {crm.refresh_token()}")
    print(f"  control          {crm.url}/_zoho/state")
    sys.stdout.flush()
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    crm.stop()


if __name__ == "__main__":
    main()
