"""``make demo``: signed WooCommerce webhooks in, Xero documents out, on the local stack.

Starts moto (AWS), the Xero sandbox and the local runner for template.yaml; configures the
stack as a merchant would (webhook secret, Xero custom connection, store settings); sends
the sample deliveries of ``events/woocommerce`` through the HTTP API; waits for the queues
to drain; prints what landed in Xero and in the mapping table. Then it replays every
delivery and shows that the replay wrote nothing.

Then, hands-off (:func:`hands_off`): a store simulator whose webhooks the first reconciliation
registers; an outage during which orders are placed and WooCommerce disables its webhooks; the
scheduled reconciliation that brings those orders to Xero and re-enables the webhooks; and the
drift report (``xerosync drift``) after a hand edit in Xero and a lost webhook.

Then a second store (:mod:`local.demo_shopify`): a Shopify shop on a stack of its own, into
the same organisation on the same Xero budget.

Last, the console's local URL and a one-time sign-in link; in a terminal the stack keeps
serving it until Enter (``--no-console``: end at once).
"""

import argparse
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from local.demo_shopify import demo as shopify_demo
from local.sam import ROOT
from local.stack import LocalStack
from local.woo import SampleSet, delivery, ping, post, sample_deliveries
from local.woo_store import WooStore
from local.xero_sandbox import Organisation, XeroSandbox
from local.xero_sandbox.state import Client, Limits
from xerosync.xero.client import XeroClient, XeroCredentials
from xerosync.xero.payloads import plain

SETTINGS = ROOT / "local" / "demo-settings.yaml"
WEBHOOK = "/webhooks/woocommerce"


def money(value: Any) -> str:
    return f"{Decimal(str(value)):,.2f}"


def send_all(stack: LocalStack, samples: SampleSet) -> list[tuple[str, int]]:
    results = []
    for item in samples.deliveries:
        status, _ = post(stack.api_url + WEBHOOK, item)
        payload = json.loads(item.body)
        results.append((f"{item.topic} #{payload.get('id')} ({payload.get('status', 'customer')})", status))
    return results


def xero_writes(sandbox: XeroSandbox) -> int:
    return sum(n for (_, endpoint), n in sandbox.state.calls.items() if not endpoint.startswith("GET"))


def print_xero(org: Organisation) -> None:
    print(f"\nXero organisation '{org.name}' now holds:")
    print(f"  {len(org.contacts)} contact(s)")
    for c in sorted(org.contacts.values(), key=lambda c: c["Name"]):
        number = c.get("ContactNumber") or "-"
        print(f"    {c['Name']:<40} ContactNumber {number:<4} {c.get('EmailAddress', '')}")
    print(f"  {len(org.invoices)} invoice(s)")
    for inv in sorted(org.invoices.values(), key=lambda i: i["InvoiceNumber"]):
        contact = org.contacts[inv["ContactID"]]["Name"]
        print(
            f"    {inv['InvoiceNumber']:<8} {inv['Status']:<10} {inv['CurrencyCode']} total {money(inv['Total']):>8}"
            f"  tax {money(inv['TotalTax']):>6}  due {money(inv['AmountDue']):>8}"
            f"  {inv['LineAmountTypes']:<9} {contact}"
        )
        for line in inv["LineItems"]:
            discount = f" less {money(line['DiscountAmount'])}" if line.get("DiscountAmount") else ""
            quantity, unit = plain(line["Quantity"]), plain(line["UnitAmount"])
            print(
                f"             {quantity:>4} x {unit:>8}{discount:<12} = {money(line['LineAmount']):>8}"
                f"  {line['TaxType']:<13} tax {money(line['TaxAmount']):>5}  [{line.get('AccountCode', '')}]"
                f" {line['Description']}"
            )


def print_mappings(stack: LocalStack) -> None:
    table = stack.client("dynamodb")
    scanned = table.scan(TableName=stack.resources["MappingsTable"])["Items"]
    # the table also holds record locks, the rate governor's budget and token state: mappings only
    items = [i for i in scanned if i["sk"]["S"] == "mapping" and "xero_id" in i]
    print(f"\nMapping table ({len(items)} record(s)): store record -> Xero record")
    for item in sorted(items, key=lambda i: i["pk"]["S"]):
        number = item.get("xero_number", {}).get("S", "")
        print(f"    {item['pk']['S']:<32} -> {item['xero_id']['S']}  {number}")


def print_sync_log(stack: LocalStack) -> tuple[int, int]:
    """The sync log, as ``xerosync log`` shows it; returns (failed, retried) counts."""
    from boto3.dynamodb.types import TypeDeserializer

    plain = TypeDeserializer()
    items = stack.client("dynamodb").scan(TableName=stack.resources["SyncLogTable"])["Items"]
    entries = sorted(({k: plain.deserialize(v) for k, v in i.items()} for i in items), key=lambda e: e["at"])
    print(f"\nSync log ({len(entries)} entries, newest last):")
    for e in entries:
        detail = "; ".join(filter(None, [str(e.get("reason", "")), *[str(a) for a in e.get("also") or []]]))
        print(f"    {e['at'][11:19]}  {e['key']:<30} {e['outcome']:<10} {e.get('action', ''):<9} {detail}")
    failed = sum(1 for e in entries if e["outcome"] == "failed")
    retried = sum(1 for e in entries if e["outcome"] == "retrying")
    return failed, retried


def check_totals(org: Organisation, samples: SampleSet) -> list[str]:
    """Each synced order's Xero total and tax against the store's, to the cent."""
    problems = []
    by_number = {i["InvoiceNumber"]: i for i in org.invoices.values()}
    for item in samples.deliveries:
        payload = json.loads(item.body)
        if not item.topic.startswith("order.") or payload.get("status") == "checkout-draft":
            continue
        invoice = by_number.get(f"WC-{payload['number']}")
        if invoice is None:
            problems.append(f"order {payload['number']}: no invoice in Xero")
            continue
        for field, store in (("Total", "total"), ("TotalTax", "total_tax")):
            if Decimal(str(invoice[field])) != Decimal(payload[store]):
                problems.append(
                    f"order {payload['number']}: Xero {field} {invoice[field]} != store {store} {payload[store]}"
                )
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the queues to drain")
    parser.add_argument("--no-console", action="store_true", help="end at once, without serving the console")
    args = parser.parse_args()

    started = time.monotonic()
    print("Starting the Xero sandbox and the local stack (moto + template.yaml)...")
    sandbox = XeroSandbox().start()
    # 120 calls a minute (Xero allows 60): the demo's story is webhooks and healing, not waiting out the quota
    org = sandbox.add_organisation("Demo Outdoor Co Pty Ltd", limits=Limits(minute=120))
    connection = sandbox.add_client([org.tenant_id])
    samples = sample_deliveries()
    stack = LocalStack(
        stack_name="xerosync-demo",
        store_name="demo",
        parameters={"XeroApiUrl": sandbox.url, "XeroIdentityUrl": sandbox.url},
    )
    try:
        stack.start()
        stack.put_secret("WebhookSecret", samples.secret)
        stack.put_secret(
            "XeroCredentialsSecret",
            json.dumps({"client_id": connection.client_id, "client_secret": connection.client_secret}),
        )
        stack.put_settings(Path(SETTINGS).read_text())
        print(f"  Xero sandbox  {sandbox.url}   tenant {org.tenant_id}")
        print(f"  AWS (moto)    {stack.aws_endpoint}   stack {stack.stack_name}")
        print(f"  webhook URL   {stack.api_url}{WEBHOOK}")
        print(f"  functions     {', '.join(f.config.name for f in stack.functions.values())}")

        print("\nWooCommerce deliveries:")
        status, _ = post(stack.api_url + WEBHOOK, ping(21))
        print(f"  {'webhook creation ping (no signature)':<48} -> {status}")
        forged = delivery("order.created", samples.payload("order", 1001), "not-the-secret")
        status, _ = post(stack.api_url + WEBHOOK, forged)
        print(f"  {'order.created signed with the wrong secret':<48} -> {status} (nothing enqueued)")
        for label, status in send_all(stack, samples):
            print(f"  {label:<48} -> {status}")
        drained = stack.wait_idle(args.timeout)
        print(f"\nQueues drained: {drained}  ({time.monotonic() - started:.1f} s since start)")
        print_xero(org)
        print_mappings(stack)

        writes = xero_writes(sandbox)
        contacts, invoices = len(org.contacts), len(org.invoices)
        print("\nReplaying every delivery (WooCommerce and SQS both deliver twice at times)...")
        send_all(stack, samples)
        drained_again = stack.wait_idle(args.timeout)
        new_writes = xero_writes(sandbox) - writes
        print(
            f"  contacts {contacts} -> {len(org.contacts)}, invoices {invoices} -> {len(org.invoices)}, "
            f"Xero writes during the replay: {new_writes}"
        )

        failed, retried = print_sync_log(stack)
        if retried:
            print(
                f"  ({retried} transient retr{'y' if retried == 1 else 'ies'}: e.g. an order waiting while its "
                "customer's contact was being created by the contacts queue)"
            )
        dead = {k: v for k, v in stack.queue_depths().items() if k.endswith("DLQ") and v}
        problems = check_totals(org, samples)
        print(f"\nEvery invoice total and tax equals its order's to the cent: {'yes' if not problems else 'NO'}")
        for problem in problems:
            print("  " + problem)
        if failed or dead:
            print(f"  {failed} record(s) failed, dead letters {dead}; see {stack.log_dir}")
        ok = drained and drained_again and not problems and new_writes == 0 and not failed and not dead
        ok = hands_off(stack, sandbox, org, connection, args.timeout) and ok
        ok = shopify_demo(stack, sandbox, org, connection, args.timeout) and ok
        print(f"\nFunction logs: {stack.log_dir}")
        print("Demo " + ("passed." if ok else "FAILED."))
        console(stack, wait=sys.stdin.isatty() and not args.no_console)
        return 0 if ok else 1
    finally:
        stack.stop()
        sandbox.stop()


BUYER = {
    "first_name": "Olivia",
    "last_name": "Nguyen",
    "email": "olivia@example.com",
    "country": "AU",
    "state": "NSW",
    "postcode": "2000",
}


def _invoice(org: Organisation, number: str) -> list[dict[str, Any]]:
    return [i for i in org.invoices.values() if i["InvoiceNumber"] == f"WC-{number}"]


def console(stack: LocalStack, *, wait: bool) -> None:
    """The console's local URL and a one-time sign-in link (as ``xerosync console link`` mints it);
    in a terminal, the stack keeps serving until Enter or Ctrl-C."""
    from xerosync import aws
    from xerosync.aws.stack import find
    from xerosync.cli.console_commands import signin_link

    os.environ.update({"AWS_ENDPOINT_URL": stack.aws_endpoint, "AWS_DEFAULT_REGION": "us-east-1"})
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    aws.reset()
    # localhost, not 127.0.0.1: browsers keep the console's Secure cookie on http://localhost
    link = signin_link(find(stack.stack_name), "demo").replace("://127.0.0.1:", "://localhost:")
    print("\n--- The merchant's console ---")
    print(f"  console       {stack.api_url.replace('://127.0.0.1:', '://localhost:')}/console")
    print(f"  sign in       {link}")
    print("                (good once, for 10 minutes; more: xerosync console link --stack xerosync-demo)")
    if not wait:
        print("  (not a terminal: the stack stops now; run make demo in one to keep it serving)")
        return
    try:
        input("  The stack serves the console until you press Enter (or Ctrl-C)... ")
    except (KeyboardInterrupt, EOFError):
        print()


def run_cli(stack: LocalStack, argv: list[str]) -> bool:
    """``xerosync <argv>`` in this process, pointed at the local stack as an operator's shell would be."""
    from xerosync import aws
    from xerosync.aws import secrets
    from xerosync.cli import app as cli

    os.environ.update(
        {
            "AWS_ENDPOINT_URL": stack.aws_endpoint,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
    )
    aws.reset()
    secrets.clear_cache()
    try:
        cli(argv, standalone_mode=False)
    except SystemExit as exc:
        return not exc.code
    except Exception as exc:  # click's exceptions in non-standalone mode
        print(f"  xerosync {argv[0]} failed: {exc}")
        return False
    return True


def sync_log(stack: LocalStack) -> list[dict[str, Any]]:
    from boto3.dynamodb.types import TypeDeserializer

    plain = TypeDeserializer()
    items = stack.client("dynamodb").scan(TableName=stack.resources["SyncLogTable"])["Items"]
    return [{k: plain.deserialize(v) for k, v in i.items()} for i in items]


def hands_off(stack: LocalStack, sandbox: XeroSandbox, org: Organisation, connection: Client, timeout: float) -> bool:
    """The store simulator, an outage, the scheduled reconciliation and the drift report."""
    print("\n--- Hands-off: the store's webhooks fail for a while; the reconciliation heals it ---")
    store = WooStore().start()
    try:
        store.add_tax_rate("10", "GST", country="AU", priority=1)
        stack.put_secret(
            "StoreApiSecret",
            json.dumps(
                {"url": store.url, "consumer_key": store.consumer_key, "consumer_secret": store.consumer_secret}
            ),
        )
        first = stack.run_schedule("ReconcileFunction").payload or {}
        made = sum(1 for line in first.get("webhooks", []) if ": create" in line)
        print(f"store simulator {store.url}: the first reconciliation registered its {made} webhooks to the stack")
        mug = store.add_product("Enamel Camp Mug", "33.00", sku="MUG-ENM-WHT")
        store.set_outage(True)
        print("The store cannot reach the stack (an outage); a regular customer places 7 orders meanwhile...")
        missed = [
            store.place_order(
                [(mug.id, 1 + n % 2)],
                billing=BUYER,
                paid=True,
                payment_method="stripe",
            )
            for n in range(7)
        ]
        store.flush_webhooks(30)
        store.set_outage(False)
        hooks = {w.topic: w for w in store.state.webhooks.values()}
        for topic in ("order.created", "order.updated"):
            print(f"  webhook {topic}: {hooks[topic].status} by WooCommerce after {len(missed)} failed deliveries")
        print(f"  Xero invoices for them: {sum(len(_invoice(org, o.number)) for o in missed)}")

        print("EventBridge runs the reconciliation (stack.run_schedule('ReconcileFunction')):")
        run = stack.run_schedule("ReconcileFunction").payload or {}
        print(f"  listed {run.get('listed')}, enqueued {run.get('enqueued')}, in step {run.get('in_step')}")
        for line in run.get("webhooks", []):
            if not line.endswith(": ok"):
                print(f"  webhook {line}")
        healed = stack.wait_idle(timeout)
        landed = [(o, _invoice(org, o.number)) for o in missed]
        for o, found in landed:
            total = found[0]["Total"] if found else "-"
            print(f"  order {o.number}: {len(found)} invoice, Xero total {total} = store total {o.totals.total}")
        ok_outage = healed and all(len(f) == 1 and f[0]["Total"] == o.totals.total for o, f in landed)
        ok_outage = ok_outage and all(store.webhook(hooks[t].id).status == "active" for t in ("order.created",))

        print("\n--- The drift report: a hand edit in Xero, and a lost webhook ---")
        waiting = store.place_order([(mug.id, 3)], billing=BUYER, status="on-hold")
        store.flush_webhooks(30)
        stack.wait_idle(timeout)
        drafts = _invoice(org, waiting.number)
        edited = False
        if drafts:
            draft = drafts[0]
            accountant = XeroClient(
                XeroCredentials(connection.client_id, connection.client_secret),
                api_url=sandbox.url,
                identity_url=sandbox.url,
            )
            lines = [
                {k: line[k] for k in ("LineItemID", "Description", "Quantity", "UnitAmount", "AccountCode", "TaxType")}
                for line in accountant.get_invoice(draft["InvoiceID"])["LineItems"]
            ]
            lines[0]["UnitAmount"] = Decimal(str(lines[0]["UnitAmount"])) + 10
            edited = accountant.update_invoice(draft["InvoiceID"], {"LineItems": lines}, idempotency_key="demo-edit").ok
            print(f"  in Xero, someone raises the price on invoice WC-{waiting.number} by 10.00 by hand")
        store.set_outage(True)
        lost = store.place_order([(mug.id, 1)], billing=BUYER, paid=True, payment_method="stripe")
        store.flush_webhooks(30)
        store.set_outage(False)
        print(f"  order {lost.number}'s webhook is lost (no reconciliation since)")
        day = waiting.date_created.astimezone(store.settings.zone).date().isoformat()
        print(f"$ xerosync drift --stack {stack.stack_name} --day {day} --fix")
        drift_ok = run_cli(stack, ["drift", "--stack", stack.stack_name, "--day", day, "--fix"])
        reported = [e for e in sync_log(stack) if e["outcome"] == "drift" and e["key"] == f"order:{waiting.id}"]
        fixed = stack.wait_idle(timeout) and len(_invoice(org, lost.number)) == 1
        print(f"  order {lost.number} re-enqueued by the report: {'in Xero now' if fixed else 'NOT in Xero'}")
        ok_drift = drift_ok and edited and fixed and any("changed in Xero" in str(e.get("reason")) for e in reported)
        return ok_outage and ok_drift
    finally:
        store.stop()


if __name__ == "__main__":
    sys.exit(main())
