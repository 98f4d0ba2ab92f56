"""The Reports API 2021-06-30 as far as settlement reports need it
(developer-docs.amazon.com/sp-api/docs/reports-api-v2021-06-30-reference; the model
``amzn/selling-partner-api-models`` ``models/reports-api-model/reports_2021-06-30.json``).

* ``GET /reports/2021-06-30/reports``: filters ``reportTypes`` (required unless ``nextToken``),
  ``processingStatuses``, ``marketplaceIds`` (comma-separated), ``pageSize`` 1-100 (default 10),
  ``createdSince`` (default 90 days ago: "Reports are retained for a maximum of 90 days"),
  ``createdUntil`` (default now); newest first (a **guess**: the model gives no order). More than a
  page → ``nextToken``, which must then be sent "as the only parameter. Specifying nextToken with any
  other parameters will cause the request to fail": 400 ``InvalidInput``.
* ``GET /reports/2021-06-30/reports/{reportId}``: the report.
* ``GET /reports/2021-06-30/documents/{reportDocumentId}``: ``{reportDocumentId, url,
  compressionAlgorithm?}``; "This URL expires after 5 minutes". The URL is a stand-in for S3's
  presigned URL (``X-Amz-Date``, ``X-Amz-Expires=300``, ``X-Amz-Signature``); fetched later it fails
  as S3 does: 403 ``<Error><Code>AccessDenied</Code><Message>Request has expired</Message>…``.
"""

import base64
import gzip
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from local.amazon_sp.settlement import REPORT_TYPE, Settlement

URL_LIFETIME = timedelta(minutes=5)
RETENTION = timedelta(days=90)
STATUSES = ("CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE")
UNSIGNED = "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters"
MISMATCH = "The request signature we calculated does not match the signature you provided."


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def error(code: str, message: str) -> dict[str, Any]:
    return {"errors": [{"code": code, "message": message, "details": ""}]}


@dataclass
class Report:
    id: str
    type: str
    created: datetime
    data_start: datetime
    data_end: datetime
    marketplace_ids: list[str]
    document_id: str
    stored: bytes  # the document as S3 holds it (gzipped when compressed)
    compressed: bool
    status: str = "DONE"
    settlement: Settlement | None = None

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "reportId": self.id,
            "reportType": self.type,
            "dataStartTime": iso(self.data_start),
            "dataEndTime": iso(self.data_end),
            "createdTime": iso(self.created),
            "processingStatus": self.status,
            "processingStartTime": iso(self.created),
            "processingEndTime": iso(self.created + timedelta(seconds=42)),
            "marketplaceIds": self.marketplace_ids,
        }
        if self.status == "DONE":
            body["reportDocumentId"] = self.document_id
        return body


@dataclass
class Reports:
    region: str
    reports: dict[str, Report] = field(default_factory=dict)
    _pages: dict[str, tuple[list[str], int, int]] = field(default_factory=dict)  # token -> ids, offset, size
    _signing_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _next_id: int = 54_517_018_502
    downloads: dict[str, int] = field(default_factory=dict)  # document id -> documents served (tests count them)

    def add(self, settlement: Settlement, created: datetime, compressed: bool) -> Report:
        text = settlement.document()
        with self._lock:
            self._next_id += 1 + len(self.reports)
            report_id = str(self._next_id)
            suffix = f"T{secrets.token_hex(6).upper()}.{len(text) % 100_000}"
            document_id = f"amzn1.spdoc.1.4.{self.region}.{secrets.token_hex(16)}.{suffix}"
            report = Report(
                report_id, REPORT_TYPE, created, settlement.start, settlement.end, [settlement.marketplace.id],
                document_id, gzip.compress(text, mtime=0) if compressed else text, compressed, settlement=settlement,
            )  # fmt: skip
            self.reports[report_id] = report
        return report

    def search(self, query: dict[str, list[str]], now: datetime) -> tuple[int, dict[str, Any]]:
        if "nextToken" in query:
            extra = sorted(k for k in query if k != "nextToken")
            if extra:
                return 400, error(
                    "InvalidInput", f"nextToken must be the only parameter; also given: {', '.join(extra)}"
                )
            with self._lock:
                page = self._pages.pop(query["nextToken"][-1], None)
            if page is None:
                return 400, error("InvalidInput", "Invalid nextToken.")
            return 200, self._page(*page)
        if "reportTypes" not in query:
            return 400, error("InvalidInput", "Either reportTypes or nextToken is required.")
        try:
            size = int(query.get("pageSize", ["10"])[-1])
            since = _when(query, "createdSince") or now - RETENTION
            until = _when(query, "createdUntil") or now
        except ValueError as bad:
            return 400, error("InvalidInput", str(bad))
        if not 1 <= size <= 100:
            return 400, error("InvalidInput", "pageSize must be between 1 and 100.")
        types = set(_csv(query, "reportTypes"))
        statuses = set(_csv(query, "processingStatuses")) or set(STATUSES)
        unknown = statuses - set(STATUSES)
        if unknown:
            return 400, error("InvalidInput", f"Invalid processingStatuses: {', '.join(sorted(unknown))}")
        markets = set(_csv(query, "marketplaceIds"))
        with self._lock:
            found = [
                r for r in self.reports.values()
                if r.type in types and r.status in statuses and since <= r.created <= until
                and now - r.created <= RETENTION and (not markets or markets & set(r.marketplace_ids))
            ]  # fmt: skip
        found.sort(key=lambda r: (r.created, r.id), reverse=True)
        return 200, self._page([r.id for r in found], 0, size)

    def _page(self, ids: list[str], offset: int, size: int) -> dict[str, Any]:
        with self._lock:
            body: dict[str, Any] = {"reports": [self.reports[i].as_json() for i in ids[offset : offset + size]]}
            if offset + size < len(ids):
                token = base64.urlsafe_b64encode(secrets.token_bytes(24)).decode().rstrip("=")
                self._pages[token] = (ids, offset + size, size)
                body["nextToken"] = token
        return body

    def get(self, report_id: str) -> Report | None:
        with self._lock:
            return self.reports.get(report_id)

    def document(self, document_id: str, base_url: str, now: datetime) -> dict[str, Any] | None:
        """``getReportDocument``: the document's details with a URL minted now, valid 5 minutes."""
        with self._lock:
            report = next((r for r in self.reports.values() if r.document_id == document_id), None)
        if report is None:
            return None
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        expires = int(URL_LIFETIME.total_seconds())
        signature = self._sign(document_id, stamp, expires)
        url = (f"{base_url}/_s3/{document_id}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date={stamp}"
               f"&X-Amz-Expires={expires}&X-Amz-SignedHeaders=host&X-Amz-Signature={signature}")  # fmt: skip
        body: dict[str, Any] = {"reportDocumentId": document_id, "url": url}
        if report.compressed:
            body["compressionAlgorithm"] = "GZIP"
        return body

    def download(self, document_id: str, query: dict[str, list[str]], now: datetime) -> tuple[int, bytes]:
        """The presigned URL, fetched: (status, body) as S3 answers it."""
        stamp = query.get("X-Amz-Date", [""])[-1]
        expires = query.get("X-Amz-Expires", [""])[-1]
        try:
            issued = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=now.tzinfo)
            lifetime = int(expires)
        except ValueError:
            return 403, _s3_error("AccessDenied", UNSIGNED)
        if not hmac.compare_digest(query.get("X-Amz-Signature", [""])[-1], self._sign(document_id, stamp, lifetime)):
            return 403, _s3_error("SignatureDoesNotMatch", MISMATCH)
        if now > issued + timedelta(seconds=lifetime):
            expired = iso(issued + timedelta(seconds=lifetime))
            detail = f"<X-Amz-Expires>{lifetime}</X-Amz-Expires><Expires>{expired}</Expires>"
            detail += f"<ServerTime>{iso(now)}</ServerTime>"
            return 403, _s3_error("AccessDenied", "Request has expired", detail)
        with self._lock:
            report = next((r for r in self.reports.values() if r.document_id == document_id), None)
        if report is None:
            return 404, _s3_error("NoSuchKey", "The specified key does not exist.")
        with self._lock:
            self.downloads[document_id] = self.downloads.get(document_id, 0) + 1
        return 200, report.stored

    def _sign(self, document_id: str, stamp: str, expires: int) -> str:
        return hmac.new(self._signing_key, f"{document_id}\n{stamp}\n{expires}".encode(), hashlib.sha256).hexdigest()


def _csv(query: dict[str, list[str]], name: str) -> list[str]:
    return [v for value in query.get(name, []) for v in value.split(",") if v]


def _when(query: dict[str, list[str]], name: str) -> datetime | None:
    if name not in query:
        return None
    text = query[name][-1].replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name} is not an ISO 8601 date-time: {query[name][-1]}") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{name} needs a time zone: {query[name][-1]}")
    return parsed


def _s3_error(code: str, message: str, extra: str = "") -> bytes:
    request_id = secrets.token_hex(8).upper()
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
            f"{extra}<RequestId>{request_id}</RequestId></Error>").encode()  # fmt: skip
