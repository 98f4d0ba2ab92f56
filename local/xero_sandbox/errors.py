"""Xero's error responses, in Xero's shapes and, where its documentation records them, its words."""

from typing import Any

# Xero's words for an item code over 30 characters, as integrators who hit it quote them (Xero's
# docs give no wording); used whether or not the spec is loaded.
ITEM_CODE_TOO_LONG = "Price List Item Code must not be more than 30 characters long."


class SandboxError(Exception):
    """An HTTP error answer: status, JSON body, extra headers."""

    def __init__(self, status: int, body: dict[str, Any] | str, headers: dict[str, str] | None = None) -> None:
        super().__init__(str(body)[:200])
        self.status = status
        self.body = body
        self.headers = headers or {}


class ElementInvalid(Exception):
    """One element of a write is invalid: Xero's ``ValidationErrors`` messages for it."""

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


def validation_exception(elements: list[dict[str, Any]]) -> SandboxError:
    return SandboxError(
        400,
        {
            "ErrorNumber": 10,
            "Type": "ValidationException",
            "Message": "A validation exception occurred",
            "Elements": elements,
        },
    )


def post_data_invalid(message: str) -> SandboxError:
    return SandboxError(400, {"ErrorNumber": 14, "Type": "PostDataInvalidException", "Message": message})


def unauthorized(detail: str = "AuthenticationUnsuccessful") -> SandboxError:
    return SandboxError(
        401,
        {"Type": None, "Title": "Unauthorized", "Status": 401, "Detail": detail, "Instance": None, "Extensions": {}},
        {"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def forbidden(detail: str = "AuthorizationUnsuccessful") -> SandboxError:
    return SandboxError(
        403, {"Type": None, "Title": "Forbidden", "Status": 403, "Detail": detail, "Instance": None, "Extensions": {}}
    )


def not_found(message: str = "The resource you're looking for cannot be found") -> SandboxError:
    return SandboxError(404, {"Title": "Not Found", "Status": 404, "Detail": message})


def bad_request(message: str, error_number: int = 10, kind: str = "ValidationException") -> SandboxError:
    """A request-level 400 in Xero's Error shape (no elements)."""
    return SandboxError(400, {"ErrorNumber": error_number, "Type": kind, "Message": message})


def rate_limited(problem: str, retry_after: int | None, headers: dict[str, str]) -> SandboxError:
    """Xero's 429: ``X-Rate-Limit-Problem`` names the limit, ``Retry-After`` for minute and day."""
    extra = {**headers, "X-Rate-Limit-Problem": problem}
    if retry_after is not None:
        extra["Retry-After"] = str(retry_after)
    return SandboxError(
        429, {"Title": "Too Many Requests", "Status": 429, "Detail": f"Rate limit exceeded: {problem}"}, extra
    )


def server_error(status: int = 500) -> SandboxError:
    """A Xero outage answer (injected fault). The wording is the sandbox's, not Xero's."""
    titles = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
    return SandboxError(
        status,
        {
            "Title": titles.get(status, "Server Error"),
            "Status": status,
            "Detail": "An error occurred in Xero (injected)",
        },
    )
