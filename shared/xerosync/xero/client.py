"""The one place that talks to Xero: our client over xero-python's ``AccountingApi``.

Everything above this module deals in plain dicts in Xero's JSON shape (PascalCase keys,
``Decimal`` money), so the sync logic stays pure and ``xerosync preview`` can print exactly
what would be sent. This module:

* gets and caches custom-connection (client_credentials) tokens itself - the SDK treats a
  token without a refresh token as never expiring - and finds the tenant id via
  ``/connections`` when it is not configured;
* sends bodies through the SDK and reads responses raw (``_preload_content=False``) so
  money is parsed as ``Decimal``, never float, and response headers are per call;
* always batches with ``summarizeErrors=false`` and returns one :class:`ElementResult` per
  element, so a rejected element fails alone;
* turns HTTP failures into :mod:`xerosync.xero.errors` (transient or not), never retrying
  inside the Lambda: the queue retries.

xero-python is imported lazily, on the first call that needs it.
"""

import json
import threading
import time
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

import urllib3

from xerosync import clock
from xerosync.observability import count
from xerosync.xero.errors import (
    XeroAuthError,
    XeroError,
    XeroNotFound,
    XeroRateLimited,
    XeroRejected,
    XeroTransientError,
    error_messages,
)
from xerosync.xero.governor import BudgetExhausted, Governor
from xerosync.xero.quote_calls import QuoteCalls
from xerosync.xero.record_reads import RecordReads
from xerosync.xero.tokens import ClientCredentials, TokenSource
from xerosync.xero.wire import (
    BATCH_ELEMENTS,
    WHERE_LIMIT,
    ElementResult,
    RateHeaders,
    Response,
    XeroCredentials,
    batch_chunks,
    contact_keys,
    element_result,
    limited_key,
    where_any,
    where_chunks,
    where_in,
)

__all__ = [  # what callers of the client take from here, though it lives in xero.wire
    "BATCH_ELEMENTS",
    "WHERE_LIMIT",
    "ElementResult",
    "XeroCredentials",
    "batch_chunks",
    "contact_keys",
    "where_chunks",
    "where_in",
]

ACCOUNTING_PATH = "/api.xro/2.0"
CONNECTIONS_PATH = "/connections"


def _decode(data: bytes) -> dict[str, Any]:
    if not data:
        return {}
    parsed = json.loads(data, parse_float=Decimal)
    return parsed if isinstance(parsed, dict) else {"items": parsed}


def _retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class XeroClient(QuoteCalls, RecordReads):
    """A Xero organisation reached through a custom connection (quotes and purchase orders:
    :class:`~xerosync.xero.quote_calls.QuoteCalls`; contacts and items by change:
    :class:`~xerosync.xero.record_reads.RecordReads`)."""

    def __init__(
        self,
        credentials: XeroCredentials,
        *,
        api_url: str = "https://api.xero.com",
        identity_url: str = "https://identity.xero.com",
        timeout: float = 20.0,
        governor: Governor | None = None,
        tokens: TokenSource | None = None,
    ) -> None:
        """``tokens``: where access tokens come from (default: the custom connection's
        client_credentials grant; an authorization-code connection passes its shared source)."""
        self.credentials = credentials
        self.api_url = api_url.rstrip("/")
        self.identity_url = identity_url.rstrip("/")
        self.http = urllib3.PoolManager(
            num_pools=4,
            maxsize=5,
            retries=False,  # the queue retries; a silent retry here could write twice
            timeout=urllib3.Timeout(connect=5.0, read=timeout),
        )
        self.tokens: TokenSource = tokens or ClientCredentials(
            self.http, self.identity_url, credentials.client_id, credentials.client_secret
        )
        self._api: Any = None
        self._tenant_id = credentials.tenant_id
        self.governor = governor
        # Seconds a call may wait for the governor's budget before BudgetExhausted: 0 for the
        # sync functions (their records go back to the queue instead), some for the scheduled
        # jobs and the operator's commands, which have no queue to go back to.
        self.budget_wait = 0.0
        self.calls = 0
        self.last_rate = RateHeaders()
        self._count = threading.Lock()
        self._last_token = ""
        self._pinned = threading.local()  # the token read with this thread's call's organisation
        self._short_code: str | None = None

    # --- authentication --------------------------------------------------------------------
    def access_token(self, *, stale: str | None = None) -> str:
        return self.tokens.access_token(stale=stale)

    def _token_for_call(self) -> str:
        pinned, self._pinned.token = getattr(self._pinned, "token", ""), ""
        self._last_token = pinned or self.access_token()
        return self._last_token

    def tenant_id(self) -> str:
        # an authorization-code connection made in the console or by the CLI names its organisation
        # in the shared token set, which wins over a secret read before a reconnect: the token and
        # its organisation come from one read, and the call that follows uses that very token
        if hasattr(self.tokens, "tenant"):
            self._pinned.token = self.access_token()
            if self.tokens.tenant:
                return str(self.tokens.tenant)
        if self._tenant_id:
            return self._tenant_id
        reply = self._raw("GET", self.api_url + CONNECTIONS_PATH)
        connections = reply.body.get("items", [])
        organisations = [c for c in connections if c.get("tenantType", "ORGANISATION") == "ORGANISATION"]
        if len(organisations) != 1:
            raise XeroAuthError(
                f"the Xero connection reaches {len(organisations)} organisations; set tenant_id in the credentials"
            )
        self._tenant_id = str(organisations[0]["tenantId"])
        return self._tenant_id

    def _raw(self, method: str, url: str) -> Response:
        """A plain authorised request (used for /connections, which the SDK's identity API also wraps)."""
        reply = self.http.request(method, url, headers={"Authorization": "Bearer " + self.access_token()})
        self.calls += 1
        if reply.status == 401:
            raise XeroAuthError("Xero refused the access token")
        if reply.status != 200:
            raise XeroTransientError(f"Xero answered {reply.status} to {url}", status=reply.status)
        return Response(reply.status, _decode(reply.data), RateHeaders.from_headers(reply.headers))

    # --- the SDK ---------------------------------------------------------------------------
    def _accounting(self) -> Any:
        if self._api is None:
            from xero_python.accounting import AccountingApi  # heavy: imported on the first call only
            from xero_python.api_client import ApiClient
            from xero_python.api_client.configuration import Configuration
            from xero_python.api_client.oauth2 import OAuth2Token

            configuration = Configuration()
            # Configuration is a process-wide singleton in xero-python (issue #99): set our own token object.
            configuration.oauth2_token = OAuth2Token(
                client_id=self.credentials.client_id, client_secret=self.credentials.client_secret
            )
            api_client = ApiClient(
                configuration,
                pool_threads=1,
                oauth2_token_getter=lambda: {
                    "access_token": self._token_for_call(),
                    "token_type": "Bearer",
                    "scope": None,
                    "expires_in": None,
                    "expires_at": None,  # we track expiry ourselves
                },
                oauth2_token_saver=lambda token: None,
            )
            api_client.rest_client.pool_manager = self.http
            self._api = AccountingApi(api_client, base_url=self.api_url + ACCOUNTING_PATH)
        return self._api

    def call(self, operation: str, **kwargs: Any) -> Response:
        """Call one ``AccountingApi`` operation; returns Xero's JSON with ``Decimal`` money."""
        from xero_python.exceptions import ApiException

        api = self._accounting()
        method = getattr(api, operation)
        tenant = self.tenant_id()
        for attempt in (1, 2):
            permit = self._permit(tenant)
            with self._count:
                self.calls += 1
            headers: Any = {}
            try:
                reply = method(tenant, _preload_content=False, **kwargs)
                headers = reply.headers
            except urllib3.exceptions.HTTPError as exc:
                raise XeroTransientError(f"Xero unreachable during {operation}: {type(exc).__name__}") from None
            except ApiException as exc:
                status = int(exc.status) if isinstance(exc.status, int) else 400
                headers = exc.headers or {}
                if status == 401 and attempt == 1:
                    # expired or revoked early: one fresh token, then give up
                    self.access_token(stale=self._last_token)
                    continue
                error = self._classify(operation, status, headers, exc.body)
                if isinstance(error, XeroRateLimited) and self.governor:
                    self.governor.rate_limited(tenant, error.problem, error.retry_after)
                raise error from None
            finally:
                self._observe(tenant, headers)
                if permit is not None and self.governor is not None:
                    self.governor.release(permit)
            return Response(reply.status, _decode(reply.data), self.last_rate)
        raise AssertionError("unreachable")

    def _permit(self, tenant: str) -> Any:
        if self.governor is None:
            return None
        give_up = time.monotonic() + self.budget_wait
        while True:
            try:
                return self.governor.acquire(tenant)
            except BudgetExhausted as exc:
                pause = exc.retry_after / clock.scale()  # the governor counts simulated seconds
                if time.monotonic() + pause > give_up:
                    raise
                time.sleep(pause)

    def _observe(self, tenant: str, headers: Any) -> None:
        rate = RateHeaders.from_headers(headers)
        if rate == RateHeaders():
            return
        self.last_rate = rate
        if rate.day_remaining is not None:  # the XeroDayBudgetAlarm watches its minimum
            count("xero_day_remaining", rate.day_remaining)
        if self.governor:
            self.governor.observe(tenant, rate.minute_remaining, rate.day_remaining)

    @staticmethod
    def _classify(operation: str, status: int, headers: Any, raw: Any) -> XeroError:
        try:
            body = _decode(raw if isinstance(raw, bytes) else str(raw or "").encode())
        except ValueError:
            body = {"Message": str(raw)[:500]}
        if status == 429:
            return XeroRateLimited(str(headers.get("X-Rate-Limit-Problem", "")), _retry_after(headers))
        if status == 400:
            return XeroRejected(error_messages(body) or [f"{operation} was rejected"], body)
        if status in (401, 403):
            return XeroAuthError(
                f"Xero refused {operation} ({status}): {body.get('Detail') or body.get('Title') or ''}"
            )
        if status == 404:
            return XeroNotFound(f"{operation}: not found")
        return XeroTransientError(
            f"Xero answered {status} to {operation}", status=status, retry_after=_retry_after(headers)
        )

    # --- operations ------------------------------------------------------------------------
    def batch(
        self, operation: str, plural: str, elements: list[dict[str, Any]], *, idempotency_key: str, **kwargs: Any
    ) -> list[ElementResult]:
        """A batch write (``create_*`` / ``update_or_create_*``) with ``summarizeErrors=false``."""
        if not elements:
            return []
        most = BATCH_ELEMENTS.get(plural, 50)
        if len(elements) > most:
            raise ValueError(f"at most {most} {plural} per Xero request, got {len(elements)}")
        reply = self.call(
            operation,
            **{_snake(plural): {plural: elements}},
            summarize_errors=False,
            idempotency_key=limited_key(idempotency_key),
            **kwargs,
        )
        return [element_result(e) for e in reply.body.get(plural, [])]

    def get_list(self, operation: str, plural: str, **kwargs: Any) -> list[dict[str, Any]]:
        reply = self.call(operation, **kwargs)
        return list(reply.body.get(plural, []))

    def create_contacts(self, contacts: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]:
        return self.batch("create_contacts", "Contacts", contacts, idempotency_key=idempotency_key)

    def update_contacts(self, contacts: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]:
        """Update (by ``ContactID``) or create, in one batch."""
        return self.batch("update_or_create_contacts", "Contacts", contacts, idempotency_key=idempotency_key)

    def create_invoices(self, invoices: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]:
        return self.batch("create_invoices", "Invoices", invoices, idempotency_key=idempotency_key, unitdp=4)

    def update_invoice(self, invoice_id: str, invoice: dict[str, Any], *, idempotency_key: str) -> ElementResult:
        reply = self.call(
            "update_invoice",
            invoice_id=invoice_id,
            invoices={"Invoices": [invoice]},
            unitdp=4,
            idempotency_key=limited_key(idempotency_key),
        )
        results = [element_result(e) for e in reply.body.get("Invoices", [])]
        if not results:
            raise XeroTransientError("Xero answered update_invoice without the invoice")
        return results[0]

    def get_invoice(self, invoice_id: str) -> dict[str, Any]:
        invoices = self.get_list("get_invoice", "Invoices", invoice_id=invoice_id, unitdp=4)
        if not invoices:
            raise XeroNotFound(f"invoice {invoice_id}")
        return invoices[0]

    def get_credit_note(self, credit_note_id: str) -> dict[str, Any]:
        notes = self.get_list("get_credit_note", "CreditNotes", credit_note_id=credit_note_id, unitdp=4)
        if not notes:
            raise XeroNotFound(f"credit note {credit_note_id}")
        return notes[0]

    def create_items(self, items: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]:
        return self.batch("create_items", "Items", items, idempotency_key=idempotency_key, unitdp=4)

    def update_items(self, items: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]:
        """Update (by ``ItemID`` or ``Code``) or create, in one batch."""
        return self.batch("update_or_create_items", "Items", items, idempotency_key=idempotency_key, unitdp=4)

    def items_by_code(self, codes: Iterable[str]) -> list[dict[str, Any]]:
        wanted = sorted(set(codes))
        if not wanted:
            return []
        where = where_in("Code", wanted)
        return self.get_list("get_items", "Items", where=where, unitdp=4)

    def create_payments(self, payments: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]:
        return self.batch("create_payments", "Payments", payments, idempotency_key=idempotency_key)

    def create_credit_notes(self, notes: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]:
        return self.batch("create_credit_notes", "CreditNotes", notes, idempotency_key=idempotency_key, unitdp=4)

    def credit_notes_by_number(self, numbers: Iterable[str]) -> list[dict[str, Any]]:
        wanted = sorted(set(numbers))
        if not wanted:
            return []
        where = where_in("CreditNoteNumber", wanted)
        return self.get_list("get_credit_notes", "CreditNotes", where=where, unitdp=4)

    def allocate_credit_note(
        self, credit_note_id: str, allocation: dict[str, Any], *, idempotency_key: str
    ) -> ElementResult:
        reply = self.call(
            "create_credit_note_allocation",
            credit_note_id=credit_note_id,
            allocations={"Allocations": [allocation]},
            summarize_errors=False,
            idempotency_key=limited_key(idempotency_key),
        )
        results = [element_result(e) for e in reply.body.get("Allocations", [])]
        if not results:
            raise XeroTransientError("Xero answered the allocation without it")
        return results[0]

    def update_credit_note(self, credit_note_id: str, note: dict[str, Any], *, idempotency_key: str) -> ElementResult:
        reply = self.call(
            "update_credit_note",
            credit_note_id=credit_note_id,
            credit_notes={"CreditNotes": [note]},
            unitdp=4,
            idempotency_key=limited_key(idempotency_key),
        )
        return self.one(reply, "CreditNotes", "update_credit_note")

    def get_payment(self, payment_id: str) -> dict[str, Any]:
        """One payment as Xero holds it (``IsReconciled``: matched to a bank statement line)."""
        found = self.get_list("get_payment", "Payments", payment_id=payment_id)
        if not found:
            raise XeroNotFound(f"payment {payment_id}")
        return found[0]

    def delete_payment(self, payment_id: str, *, idempotency_key: str) -> ElementResult:
        """A payment taken off its document (Xero edits no payment: it deletes it)."""
        reply = self.call(
            "delete_payment",
            payment_id=payment_id,
            payment_delete={"Status": "DELETED"},
            idempotency_key=limited_key(idempotency_key),
        )
        return self.one(reply, "Payments", "delete_payment")

    # --- bank transactions (Receive and Spend Money: a settlement in per-order mode) ------------
    def create_bank_transactions(
        self, transactions: list[dict[str, Any]], *, idempotency_key: str
    ) -> list[ElementResult]:
        return self.batch(
            "create_bank_transactions", "BankTransactions", transactions, idempotency_key=idempotency_key, unitdp=4
        )

    def bank_transactions_by_reference(self, reference: str) -> list[dict[str, Any]]:
        where = where_in("Reference", [reference])
        return self.get_list("get_bank_transactions", "BankTransactions", where=where, page=1, unitdp=4)

    def get_bank_transaction(self, transaction_id: str) -> dict[str, Any]:
        found = self.get_list("get_bank_transaction", "BankTransactions", bank_transaction_id=transaction_id, unitdp=4)
        if not found:
            raise XeroNotFound(f"bank transaction {transaction_id}")
        return found[0]

    def update_bank_transaction(
        self, transaction_id: str, transaction: dict[str, Any], *, idempotency_key: str
    ) -> ElementResult:
        reply = self.call(
            "update_bank_transaction",
            bank_transaction_id=transaction_id,
            bank_transactions={"BankTransactions": [transaction]},
            unitdp=4,
            idempotency_key=limited_key(idempotency_key),
        )
        return self.one(reply, "BankTransactions", "update_bank_transaction")

    @staticmethod
    def one(reply: Response, plural: str, operation: str) -> ElementResult:
        """The single element of a one-element write's answer."""
        results = [element_result(e) for e in reply.body.get(plural, [])]
        if not results:
            raise XeroTransientError(f"Xero answered {operation} without the record")
        return results[0]

    def contacts_by_number(self, numbers: Iterable[str]) -> list[dict[str, Any]]:
        """Contacts whose ``ContactNumber`` is one of ``numbers`` (one call)."""
        wanted = sorted(set(numbers))
        if not wanted:
            return []
        where = where_in("ContactNumber", wanted)
        return self.get_list("get_contacts", "Contacts", where=where)

    def contacts_by_email(self, email: str) -> list[dict[str, Any]]:
        return self.get_list("get_contacts", "Contacts", where=where_in("EmailAddress", [email]))

    def contacts_matching(
        self, number: str | None, email: str, name: str = "", contact_id: str = ""
    ) -> list[dict[str, Any]]:
        """Contacts with this ``ContactID``, this ``ContactNumber``, this email or this name, in one call."""
        keys = contact_keys(number, email, name, contact_id)
        return self.get_list("get_contacts", "Contacts", where=where_any(keys)) if keys else []

    def invoices_by_number(self, numbers: Iterable[str]) -> list[dict[str, Any]]:
        wanted = sorted(set(numbers))
        if not wanted:
            return []
        return self.get_list("get_invoices", "Invoices", invoice_numbers=wanted, unitdp=4)

    def accounts(self) -> list[dict[str, Any]]:
        return self.get_list("get_accounts", "Accounts")

    def tax_rates(self) -> list[dict[str, Any]]:
        return self.get_list("get_tax_rates", "TaxRates")

    def tracking_categories(self) -> list[dict[str, Any]]:
        return self.get_list("get_tracking_categories", "TrackingCategories")

    def organisation(self) -> dict[str, Any]:
        organisations = self.get_list("get_organisations", "Organisations")
        if not organisations:
            raise XeroNotFound("no organisation")
        return organisations[0]

    def documents_modified_since(self, since: datetime, page: int = 1) -> list[dict[str, Any]]:
        """One page (100) of invoices and bills changed at or after ``since`` (``If-Modified-Since``),
        oldest change first, with their payments."""
        return self.get_list(
            "get_invoices", "Invoices", if_modified_since=since, order="UpdatedDateUTC ASC", page=page, unitdp=4
        )

    def short_code(self) -> str:
        """The organisation's ``ShortCode`` (what Xero's deep links name it by), read once per client."""
        if self._short_code is None:
            self._short_code = str(self.organisation().get("ShortCode") or "")
        return self._short_code


def _snake(plural: str) -> str:
    return {
        "CreditNotes": "credit_notes",
        "BankTransactions": "bank_transactions",
        "PurchaseOrders": "purchase_orders",
    }.get(plural, plural.lower())
