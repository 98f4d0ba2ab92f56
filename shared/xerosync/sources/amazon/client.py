"""The Selling Partner API's Reports API over httpx, for settlement reports.

Access: a Login with Amazon refresh token is exchanged for an access token
(``POST https://api.amazon.com/auth/o2/token``, ``grant_type=refresh_token``, valid one hour) sent
in the ``x-amz-access-token`` header; no AWS Signature V4 since 2023-10-02
(https://developer-docs.amazon.com/sp-api/changelog/sp-api-will-no-longer-require-aws-iam-or-aws-signature-version-4).
The token is kept in the stack's :class:`~xerosync.sources.port.TokenCache` (the mapping table,
given by the composition root) so it is minted once an hour, not once per invocation.

Reports (https://developer-docs.amazon.com/sp-api/docs/reports-api-v2021-06-30-reference):
``getReports`` lists settlement reports (Amazon generates them; they cannot be requested), paged
by ``nextToken``, which must be sent as the only parameter; ``getReport`` one; and
``getReportDocument`` the document's URL, which expires after five minutes: it is minted right
before the download, and a download refused as expired mints a new one once. A document whose
``compressionAlgorithm`` is ``GZIP`` is decompressed.

Rate limits (https://developer-docs.amazon.com/sp-api/docs/usage-plans-and-rate-limits): a token
bucket per operation (getReports 0.0222 requests a second, burst 10). A 429 is retried after a
short backoff a few times; then the poll gives up for this run with :class:`StoreUnavailable`
carrying how long to wait (one request's worth of the rate Amazon states in
``x-amzn-RateLimit-Limit``), and the next scheduled poll continues. Lambda never sleeps long.

The LWA client secret expires every 180 days
(https://developer-docs.amazon.com/sp-api/docs/rotating-your-apps-lwa-credentials). A refused one
raises :class:`~xerosync.sources.port.CredentialsRefused` naming the client id, never the secret.
:meth:`SellingPartner.rotate_client_secret` asks for a new one: ``rotateApplicationClientSecret``
(``POST /applications/2023-11-30/clientSecret``, answered 204) is a grantless operation, called with
a token of the ``sellingpartnerapi::client_credential:rotation`` scope minted by
``grant_type=client_credentials`` (https://developer-docs.amazon.com/sp-api/docs/grantless-operations);
Amazon then delivers the new secret as an ``APPLICATION_OAUTH_CLIENT_NEW_SECRET`` notification to the
SQS queue registered for it in the developer console, and the old secret keeps working for a grace
period (https://developer-docs.amazon.com/sp-api/docs/application-management-api-v2023-11-30-use-case-guide).

Finances (https://developer-docs.amazon.com/sp-api/docs/finances-api-reference): the v0 event groups
(``listFinancialEventGroups``: a group is a settlement period; the one ``Open`` is running now) and
the 2024-06-19 ``listTransactions`` (``postedAfter``, pages of up to 500, ``nextToken`` sent with the
same arguments), both 0.5 requests a second: calls are paced at that rate, and a 429 backs off as above.
"""

import gzip
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from xerosync.frozen import frozen
from xerosync.sources.minting import MemoryTokens
from xerosync.sources.port import (
    AccessToken,
    CredentialsRefused,
    StoreError,
    StoreUnavailable,
    TokenCache,
    require_https,
)

LWA_URL = "https://api.amazon.com/auth/o2/token"
ENDPOINTS = {
    "NA": "https://sellingpartnerapi-na.amazon.com",
    "EU": "https://sellingpartnerapi-eu.amazon.com",
    "FE": "https://sellingpartnerapi-fe.amazon.com",
}
REPORTS = "/reports/2021-06-30"
SETTLEMENT_REPORT = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
ROTATE = "/applications/2023-11-30/clientSecret"
ROTATION_SCOPE = "sellingpartnerapi::client_credential:rotation"
GROUPS = "/finances/v0/financialEventGroups"
TRANSACTIONS = "/finances/2024-06-19/transactions"
FINANCES_RATE = 0.5  # requests a second, each Finances operation (their models' usage plans)
FINANCES_PAGES = 40  # pages of transactions read at most (500 each) before the view says it is partial
TOKEN_LIFETIME = 3600.0
REMINT_BEFORE = 300.0  # a token with less left than this is replaced
RETRIES_429 = 3
BACKOFF = 1.0  # seconds, doubled each retry


@frozen
class Credentials:
    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)
    region: str = "NA"
    endpoint: str = ""  # overrides the region's (the local simulator)
    lwa_url: str = LWA_URL

    @property
    def base_url(self) -> str:
        if self.endpoint:
            return require_https(self.endpoint, "the SP-API endpoint")
        if self.region not in ENDPOINTS:
            raise StoreError(f"SP-API region {self.region!r} is not one of {', '.join(ENDPOINTS)}")
        return ENDPOINTS[self.region]


@frozen
class Report:
    report_id: str
    status: str  # DONE, IN_PROGRESS, CANCELLED, FATAL...
    created: datetime
    document_id: str
    start: datetime | None = None
    end: datetime | None = None


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None


class SellingPartner:
    def __init__(
        self,
        credentials: Credentials,
        *,
        tokens: TokenCache | None = None,
        http: Any = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        import httpx

        self.credentials = credentials
        self.tokens: TokenCache = tokens if tokens is not None else MemoryTokens()
        self._http = http or httpx.Client(timeout=30.0)
        self._clock = clock
        self._sleep = sleep
        self.calls = 0
        self._last: dict[str, float] = {}  # path -> when it was last called (pacing)

    # --- access ---------------------------------------------------------------------------------
    @property
    def _token_key(self) -> str:
        return f"amazon-token:{self.credentials.client_id}"

    def token(self, *, stale: str | None = None) -> str:
        cached = self.tokens.get(self._token_key)
        if cached is None or cached.value == stale or cached.expires_at - self._clock() < REMINT_BEFORE:
            cached = self._mint()
            self.tokens.put(self._token_key, cached)
        return cached.value

    def _mint(self) -> AccessToken:
        import httpx

        c = self.credentials
        form = {
            "grant_type": "refresh_token",
            "refresh_token": c.refresh_token,
            "client_id": c.client_id,
            "client_secret": c.client_secret,
        }
        url = require_https(c.lwa_url, "the Login with Amazon token URL")
        try:
            response = self._http.post(url, data=form)
        except httpx.HTTPError as exc:
            raise StoreUnavailable(f"Login with Amazon did not answer: {type(exc).__name__}") from None
        if response.status_code == 429 or response.status_code >= 500:
            raise StoreUnavailable(f"Login with Amazon answered {response.status_code}")
        if response.status_code == 401:
            raise CredentialsRefused(
                f"Login with Amazon refused the client secret of {c.client_id} (401 {_oauth_error(response)}): "
                "it expired, or was rotated and its grace period is over; put the current one in the store "
                "credentials secret (client_secret, client_secret_expires), or rotate it"
            )
        if response.status_code >= 400:
            raise StoreError(
                f"Login with Amazon refused the credentials ({response.status_code} {_oauth_error(response)}): "
                "check client_id, client_secret (LWA client secrets expire every 180 days) and refresh_token "
                "in the store credentials secret"
            )
        body = response.json()
        if not body.get("access_token"):
            raise StoreError("Login with Amazon's answer carries no access_token")
        return AccessToken(str(body["access_token"]), self._clock() + float(body.get("expires_in") or TOKEN_LIFETIME))

    def rotate_client_secret(self) -> None:
        """Ask Amazon for a new client secret (rotateApplicationClientSecret): it arrives later, as an
        ``APPLICATION_OAUTH_CLIENT_NEW_SECRET`` notification on the queue registered for it."""
        import httpx

        c = self.credentials
        form = {"grant_type": "client_credentials", "scope": ROTATION_SCOPE, "client_id": c.client_id,
                "client_secret": c.client_secret}  # fmt: skip
        try:
            minted = self._http.post(require_https(c.lwa_url, "the Login with Amazon token URL"), data=form)
            if minted.status_code == 401:
                raise CredentialsRefused(
                    f"Login with Amazon refused the client secret of {c.client_id} (401 {_oauth_error(minted)}): "
                    "a rotation needs the current secret; renew it in the developer console"
                )
            if minted.status_code >= 400:
                raise StoreError(f"Login with Amazon refused the rotation token ({minted.status_code} "
                                 f"{_oauth_error(minted)})")  # fmt: skip
            token = str(minted.json().get("access_token") or "")
            self.calls += 1
            response = self._http.post(c.base_url + ROTATE, headers={"x-amz-access-token": token})
        except httpx.HTTPError as exc:
            raise StoreUnavailable(f"the SP-API did not answer the rotation: {type(exc).__name__}") from None
        if response.status_code == 429:
            error = StoreUnavailable("the SP-API asked to slow down (429): one rotation a minute at most")
            error.retry_after = 60.0
            raise error
        if response.status_code >= 500:
            raise StoreUnavailable(f"the SP-API answered {response.status_code} to the rotation")
        if response.status_code >= 400:
            raise StoreError(f"the SP-API refused the rotation ({response.status_code}): {_errors(response)}")

    # --- requests -------------------------------------------------------------------------------
    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        import httpx

        url = self.credentials.base_url + path
        stale: str | None = None
        for attempt in range(RETRIES_429 + 1):
            token = self.token(stale=stale)
            try:
                self.calls += 1
                response = self._http.get(url, params=dict(params or {}), headers={"x-amz-access-token": token})
            except httpx.HTTPError as exc:
                raise StoreUnavailable(f"the SP-API did not answer {path}: {type(exc).__name__}") from None
            if response.status_code == 403 and stale is None and _expired_token(response):
                stale = token  # another container's token went stale: mint a fresh one once
                continue
            if response.status_code == 429:
                if attempt < RETRIES_429:
                    self._sleep(BACKOFF * 2**attempt)
                    continue
                error = StoreUnavailable(f"the SP-API asked to slow down (429) on {path}: the next poll continues")
                error.retry_after = _wait(response)
                raise error
            if response.status_code >= 500:
                raise StoreUnavailable(f"the SP-API answered {response.status_code} on {path}")
            if response.status_code >= 400:
                raise StoreError(f"the SP-API refused {path} ({response.status_code}): {_errors(response)}")
            return dict(json.loads(response.content, parse_float=Decimal))
        raise StoreUnavailable(f"the SP-API kept refusing {path}")  # pragma: no cover - the loop returns or raises

    def settlement_reports(
        self, since: datetime, until: datetime | None = None, *, page_size: int = 100
    ) -> list[Report]:
        """Settlement reports created from ``since`` (to ``until``), oldest first: every page, the
        filters on the first request, ``nextToken`` alone on the next ones (Amazon refuses it with
        filters). Listed whole before any document is read (a page is one request of a 0.0222/s
        budget; Amazon lists newest first), so a caller that stops at a 429 has read the oldest."""
        params: dict[str, Any] = {
            "reportTypes": SETTLEMENT_REPORT,
            "createdSince": since.isoformat(),
            "pageSize": page_size,
        }
        if until is not None:
            params["createdUntil"] = until.isoformat()
        found: list[Report] = []
        while True:
            page = self.get(f"{REPORTS}/reports", params)
            for raw in page.get("reports") or []:
                found.append(
                    Report(
                        report_id=str(raw["reportId"]),
                        status=str(raw.get("processingStatus", "")),
                        created=_time(raw.get("createdTime")) or since,
                        document_id=str(raw.get("reportDocumentId") or ""),
                        start=_time(raw.get("dataStartTime")),
                        end=_time(raw.get("dataEndTime")),
                    )
                )
            token = page.get("nextToken")
            if not token:
                return sorted(found, key=lambda r: (r.created, r.report_id))
            params = {"nextToken": token}

    def report(self, report_id: str) -> Report:
        raw = self.get(f"{REPORTS}/reports/{report_id}")
        return Report(
            str(raw["reportId"]),
            str(raw.get("processingStatus", "")),
            _time(raw.get("createdTime")) or datetime.fromtimestamp(0, UTC),
            str(raw.get("reportDocumentId") or ""),
            _time(raw.get("dataStartTime")),
            _time(raw.get("dataEndTime")),
        )

    def document(self, document_id: str) -> tuple[bytes, str | None]:
        """The report document's bytes (decompressed) and its declared charset, fetched at once
        after its URL is minted; an expired URL is minted again once."""
        import httpx

        for attempt in range(2):
            meta = self.get(f"{REPORTS}/documents/{document_id}")
            try:
                self.calls += 1
                response = self._http.get(str(meta["url"]))
            except httpx.HTTPError as exc:
                raise StoreUnavailable(
                    f"report document {document_id} did not download: {type(exc).__name__}"
                ) from None
            if response.status_code in (400, 403) and attempt == 0:
                continue  # S3: "Request has expired"
            if response.status_code >= 400:
                raise StoreUnavailable(f"report document {document_id} answered {response.status_code}")
            data = response.content
            if str(meta.get("compressionAlgorithm", "")).upper() == "GZIP" and data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            return data, response.charset_encoding if "charset=" in response.headers.get("content-type", "") else None
        raise StoreUnavailable(f"report document {document_id}: its URL expired twice")

    # --- finances -------------------------------------------------------------------------------
    def _paced(self, path: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """``get`` at most :data:`FINANCES_RATE` requests a second on ``path``."""
        last = self._last.get(path)
        if last is not None:
            wait = 1.0 / FINANCES_RATE - (self._clock() - last)
            if wait > 0:
                self._sleep(wait)
        try:
            return self.get(path, params)
        finally:
            self._last[path] = self._clock()

    def event_groups(self, started_after: datetime) -> list[dict[str, Any]]:
        """Financial event groups started after ``started_after``, every page."""
        params: dict[str, Any] = {"FinancialEventGroupStartedAfter": _stamp(started_after), "MaxResultsPerPage": 100}
        found: list[dict[str, Any]] = []
        while True:
            page = self._paced(GROUPS, params).get("payload") or {}
            found += page.get("FinancialEventGroupList") or []
            token = page.get("NextToken")
            if not token:
                return found
            params = {**params, "NextToken": token}

    def transactions(self, posted_after: datetime, *, pages: int = FINANCES_PAGES) -> tuple[list[dict[str, Any]], str]:
        """Transactions posted from ``posted_after`` until two minutes before the request (Amazon's
        default end), and why that is not all of them ("" when it is: every page read; else ``pages``
        pages read, or Amazon kept answering 429 after the backoff)."""
        base: dict[str, Any] = {"postedAfter": _stamp(posted_after)}
        params = dict(base)
        found: list[dict[str, Any]] = []
        for _ in range(pages):
            try:
                page = self._paced(TRANSACTIONS, params).get("payload") or {}
            except StoreUnavailable as exc:
                return found, str(exc)
            found += page.get("transactions") or []
            token = page.get("nextToken")
            if not token:
                return found, ""
            params = {**base, "nextToken": token}  # the same arguments with the token (the model)
        return found, f"only the first {pages} pages were read"


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _oauth_error(response: Any) -> str:
    """The OAuth error code of an LWA refusal (never the request: it carries the secret)."""
    try:
        return str(response.json().get("error") or "")
    except ValueError:
        return ""


def _expired_token(response: Any) -> bool:
    return "token" in response.text.lower() and "expired" in response.text.lower()


def _errors(response: Any) -> str:
    try:
        errors = response.json().get("errors") or []
        return "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors) or str(response.text)[:200]
    except ValueError:
        return str(response.text)[:200]


def _wait(response: Any) -> float:
    try:
        rate = float(response.headers.get("x-amzn-RateLimit-Limit", ""))
        return max(1.0, 1.0 / rate) if rate > 0 else 45.0
    except ValueError:
        return 45.0
