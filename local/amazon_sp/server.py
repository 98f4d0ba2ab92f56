"""The simulator's HTTP face: LWA, the SP-API Reports endpoints, the stand-in for S3's presigned
document URLs, and a control surface under ``/_amazon/`` for harnesses in another process:

* ``POST /auth/o2/token``: Login with Amazon (``auth.py``);
* ``GET /reports/2021-06-30/reports``, ``…/reports/{reportId}``, ``…/documents/{reportDocumentId}``
  with ``x-amz-access-token`` (``reports.py``), each behind its rate limit (``limits.py``) and the
  faults a harness injects (``faults.py``);
* ``GET /_s3/{reportDocumentId}?X-Amz-…``: the document, while its URL has not expired;
* ``POST /applications/2023-11-30/clientSecret``: the client secret's rotation (``rotate``);
* ``GET /finances/v0/financialEventGroups``, ``GET /finances/2024-06-19/transactions`` (``finances.py``);
* ``GET /_amazon/state``; ``POST /_amazon/clock`` ``{"advance": s}`` or ``{"scale": x}``;
  ``POST /_amazon/settle`` ``{"marketplace", "negative", "month_end", "orders", "compressed"}``;
  ``POST /_amazon/reissue`` ``{"reportId", "drop", "reimbursement"}``: the settlement re-issued, corrected.
"""

import json
import re
import secrets
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from local.amazon_sp.faults import error_body
from local.amazon_sp.limits import QUOTA_EXCEEDED
from local.amazon_sp.reports import URL_LIFETIME
from local.http import Response

if TYPE_CHECKING:
    from local.amazon_sp.simulator import AmazonSP

REPORT = re.compile(r"^/reports/2021-06-30/reports/([^/]+)$")
DOCUMENT = re.compile(r"^/reports/2021-06-30/documents/([^/]+)$")
S3 = re.compile(r"^/_s3/([^/]+)$")
ROTATE = "/applications/2023-11-30/clientSecret"
SLOW_DOWN = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
             b"<Message>Please reduce your request rate.</Message></Error>")  # fmt: skip


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, default=str).encode()
    reply = {"Content-Type": "application/json", "x-amzn-RequestId": secrets.token_hex(16), **(headers or {})}
    return status, reply, body


def route(sp: "AmazonSP", method: str, target: str, headers: dict[str, str], body: bytes) -> Response:
    url = urlsplit(target)
    path, query = url.path, parse_qs(url.query, keep_blank_values=True)
    if method == "POST" and path == "/auth/o2/token":
        status, payload = sp.tokens.mint(body, headers.get("content-type", ""))
        return _json(status, payload)
    match = S3.match(path)
    if match and method == "GET":
        if sp.faults.draw("download", ("error",)) is not None:
            return 503, {"Content-Type": "application/xml"}, SLOW_DOWN
        status, content = sp.reports.download(match.group(1), query, sp.now())
        kind = "application/xml" if status != 200 else "application/octet-stream"
        return status, {"Content-Type": kind}, content
    if path.startswith("/_amazon/"):
        return control(sp, method, path, body)
    if path.startswith("/reports/2021-06-30/") and method == "GET":
        return reports_api(sp, path, query, headers)
    if path == ROTATE and method == "POST":
        return rotate(sp, headers)
    if path.startswith("/finances/") and method == "GET":
        from local.amazon_sp.finances import finances_api

        return finances_api(sp, path, query, headers)
    return _json(404, {"errors": [{"code": "NotFound", "message": "Resource not found", "details": ""}]})


def reports_api(sp: "AmazonSP", path: str, query: dict[str, list[str]], headers: dict[str, str]) -> Response:
    refusal = sp.tokens.refuse(headers.get("x-amz-access-token"))
    if refusal is not None:
        return _json(403, refusal)
    if path == "/reports/2021-06-30/reports":
        operation = "getReports"
    elif REPORT.match(path):
        operation = "getReport"
    elif DOCUMENT.match(path):
        operation = "getReportDocument"
    else:
        return _json(404, {"errors": [{"code": "NotFound", "message": "Resource not found", "details": ""}]})
    limit = sp.limits.headers(operation)
    fault = sp.faults.draw(operation)
    if fault is not None and fault.kind == "error":
        return _json(fault.status, error_body(fault.status), limit)
    if (fault is not None and fault.kind == "throttle") or not sp.limits.take(operation, sp.now()):
        return _json(429, QUOTA_EXCEEDED, limit)
    if operation == "getReports":
        status, payload = sp.reports.search(query, sp.now())
        return _json(status, payload, limit)
    if operation == "getReport":
        report = sp.reports.get(REPORT.match(path).group(1))  # type: ignore[union-attr]
        if report is None:
            return _json(404, _not_found("Report"), limit)
        return _json(200, report.as_json(), limit)
    minted = sp.now() - (URL_LIFETIME + timedelta(seconds=1) if fault is not None else timedelta())  # expired_url
    document = sp.reports.document(DOCUMENT.match(path).group(1), sp.url, minted)  # type: ignore[union-attr]
    if document is None:
        return _json(404, _not_found("Report document"), limit)
    return _json(200, document, limit)


def rotate(sp: "AmazonSP", headers: dict[str, str]) -> Response:
    """``POST /applications/2023-11-30/clientSecret`` (rotateApplicationClientSecret, a grantless
    operation: a token of the ``sellingpartnerapi::client_credential:rotation`` scope) → 204, the
    new secret on its way to the registered SQS destination
    (https://developer-docs.amazon.com/sp-api/docs/application-management-api-v2023-11-30-reference).
    Without a registered destination: 400 (the words are a **guess**)."""
    from local.amazon_sp.auth import ROTATION_SCOPE
    from local.amazon_sp.limits import QUOTA_EXCEEDED

    refusal = sp.tokens.refuse(headers.get("x-amz-access-token"), ROTATION_SCOPE)
    if refusal is not None:
        return _json(403, refusal)
    limit = sp.limits.headers("rotateApplicationClientSecret")
    if not sp.limits.take("rotateApplicationClientSecret", sp.now()):
        return _json(429, QUOTA_EXCEEDED, limit)
    if sp.rotate_client_secret() is None:
        message = "No destination is registered for APPLICATION_OAUTH_CLIENT_NEW_SECRET notifications"
        return _json(400, {"errors": [{"code": "InvalidInput", "message": message, "details": ""}]}, limit)
    return 204, {"x-amzn-RequestId": secrets.token_hex(16), **limit}, b""


def _not_found(what: str) -> dict[str, Any]:
    return {"errors": [{"code": "NotFound", "message": f"{what} not found", "details": ""}]}


def control(sp: "AmazonSP", method: str, path: str, body: bytes) -> Response:
    try:
        data = json.loads(body) if body.strip() else {}
    except ValueError:
        return _json(400, {"error": "invalid JSON"})
    if method == "GET" and path == "/_amazon/state":
        return _json(200, state(sp))
    if method == "POST" and path == "/_amazon/clock":
        if "scale" in data:
            sp.clock.scale = float(data["scale"])
        if "advance" in data:
            sp.clock.advance(float(data["advance"]))
        return _json(200, {"now": sp.now().isoformat(), "scale": sp.clock.scale})
    if method == "POST" and path == "/_amazon/settle":
        options = {k: data[k] for k in ("negative", "month_end", "orders", "days") if k in data}
        report = sp.settle(data.get("marketplace", "Amazon.com"), data.get("compressed"), **options)
        settlement = report.settlement
        total = settlement.total if settlement else Decimal(0)
        return _json(200, {**report.as_json(), "settlementId": settlement and settlement.id, "totalAmount": str(total)})
    if method == "POST" and path == "/_amazon/reissue":  # {"reportId", "drop"?, "reimbursement"?: "12.34"}
        from local.amazon_sp.settlement import Line

        original = sp.reports.get(str(data.get("reportId")))
        if original is None or original.settlement is None:
            return _json(404, {"error": f"no settlement report {data.get('reportId')}"})
        extra = []
        if data.get("reimbursement"):
            posted = original.settlement.end
            extra.append(
                Line(
                    "other-transaction",
                    "FBA Inventory Reimbursement",
                    "WAREHOUSE_DAMAGE",
                    Decimal(str(data["reimbursement"])),
                    posted,
                )
            )
        report = sp.reissue(original, extra, str(data.get("drop") or ""), data.get("compressed"))
        total = report.settlement.total if report.settlement else Decimal(0)
        return _json(200, {**report.as_json(), "settlementId": original.settlement.id, "totalAmount": str(total)})
    return _json(404, {"error": f"no control endpoint {method} {path}"})


def state(sp: "AmazonSP") -> dict[str, Any]:
    return {
        "url": sp.url,
        "region": sp.region,
        "lwa_url": sp.lwa_url,
        "endpoint": sp.endpoint,
        "client_id": sp.credentials.client_id,
        "client_secret": sp.credentials.client_secret,
        "refresh_token": sp.credentials.refresh_token,
        "seller_id": sp.seller_id,
        "now": sp.now().isoformat(),
        "reports": len(sp.reports.reports),
        "tokens_minted": sp.tokens.minted,
        "client_secret_expires": sp.tokens.secret_expires.isoformat(),
        "secrets_refused": sp.tokens.refused_secrets,
        "rate_limits": sp.limits.status(),
        "notifications_sent": len(sp.notifier.sent) if sp.notifier else 0,
    }
