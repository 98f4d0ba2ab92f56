"""``python -m local.xero_sandbox --port PORT``: serve a sandbox with one organisation and one
custom connection, and print what a client needs to reach it."""

import argparse
import signal
import threading

from local.xero_sandbox import XeroSandbox


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--org-name", default="Demo Store Pty Ltd")
    parser.add_argument("--client-id", default="XEROSYNC-SANDBOX-CLIENT")
    parser.add_argument("--client-secret", default="xerosync-sandbox-secret")
    args = parser.parse_args()

    sandbox = XeroSandbox().start(port=args.port, host=args.host)
    org = sandbox.add_organisation(args.org_name)
    client = sandbox.add_client([org.tenant_id], client_id=args.client_id, client_secret=args.client_secret)
    print(f"Xero sandbox at {sandbox.url}")
    print(f"  accounting API  {sandbox.url}/api.xro/2.0   identity  {sandbox.url}/connect/token")
    print(f"  organisation    {org.name}  tenant id {org.tenant_id}")
    print(f"  custom connection  client_id {client.client_id}  client_secret {client.client_secret}")
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    sandbox.stop()


if __name__ == "__main__":
    main()
