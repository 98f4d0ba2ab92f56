"""``python -m local.xero_sandbox --port PORT``: serve a sandbox with one organisation and one
custom connection, and print what a client needs to reach it.

With ``--state-file`` the state is loaded at start (when the file exists) and saved at exit,
so a demo can stop and resume with the same organisation, records and credentials.
"""

import argparse
import signal
import threading
from pathlib import Path

from local.xero_sandbox import XeroSandbox, persist
from local.xero_sandbox.state import Limits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--org-name", default="Demo Store Pty Ltd")
    parser.add_argument("--tenant-id", default=None, help="the organisation's tenant id (default: a new one)")
    parser.add_argument("--client-id", default="XEROSYNC-SANDBOX-CLIENT")
    parser.add_argument("--client-secret", default="xerosync-sandbox-secret")
    parser.add_argument("--minute-limit", type=int, default=60, help="calls per minute per tenant (Xero: 60)")
    parser.add_argument(
        "--day-limit", type=int, default=5000, help="calls per day per tenant (Xero: 5000; Starter 1000)"
    )
    parser.add_argument("--concurrent-limit", type=int, default=5, help="calls in flight per tenant (Xero: 5)")
    parser.add_argument("--app-minute-limit", type=int, default=10_000, help="calls per minute per app (Xero: 10000)")
    parser.add_argument("--seed", type=int, default=None, help="seed for injected faults and webhook entropy")
    parser.add_argument("--state-file", type=Path, default=None, help="load state from, and save it to, this JSON file")
    parser.add_argument("--no-validate", action="store_true", help="do not check requests/responses against the spec")
    parser.add_argument(
        "--auto-consent", action="store_true", help="consent at once at the authorize endpoint (no consent screen)"
    )
    args = parser.parse_args()
    # before anything is printed: whoever reads the banner may stop us at once, and the state must be saved
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    sandbox = XeroSandbox(
        seed=args.seed, app_minute_limit=args.app_minute_limit, validate=False if args.no_validate else None
    )
    sandbox.consent.auto = args.auto_consent
    limits = Limits(concurrent=args.concurrent_limit, minute=args.minute_limit, day=args.day_limit)
    if args.state_file and args.state_file.exists():
        persist.load(sandbox, args.state_file)
        print(f"Resumed from {args.state_file}")
    if not sandbox.state.organisations:
        org = sandbox.add_organisation(args.org_name, tenant_id=args.tenant_id, limits=limits)
        sandbox.add_client([org.tenant_id], client_id=args.client_id, client_secret=args.client_secret)
    sandbox.start(port=args.port, host=args.host)
    print(f"Xero sandbox at {sandbox.url}")
    print(f"  accounting API  {sandbox.url}/api.xro/2.0   identity  {sandbox.url}/connect/token")
    print(f"  control         {sandbox.url}/_sandbox/state  (calls, reset, faults, clock, webhooks)")
    print(f"  validation      {sandbox.validation}")
    for org in sandbox.state.organisations.values():
        limit = org.limits
        print(f"  organisation    {org.name}  tenant id {org.tenant_id}")
        print(f"                  limits {limit.concurrent} in flight, {limit.minute}/min, {limit.day}/day")
    for client in sandbox.state.clients.values():
        kind = "custom connection" if client.custom_connection else "app"
        print(f"  {kind}  client_id {client.client_id}  client_secret {client.client_secret}", flush=True)
    stop.wait()
    sandbox.stop()
    if args.state_file:
        persist.save(sandbox, args.state_file)
        print(f"State saved to {args.state_file}")


if __name__ == "__main__":
    main()
