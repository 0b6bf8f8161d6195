"""One JSON shape for every error the API returns, and the responses each operation
documents (401, 403, 404, 422, 429 … are all in the schema, the 422 included)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "invalid",
    429: "rate_limited",
}


class ErrorDetail(Schema):
    loc: list[str | int]
    msg: str


class Error(Schema):
    """Every error: ``error`` for people, ``code`` for programs, ``details`` per field."""

    error: str
    code: str
    details: list[ErrorDetail]


class ApiError(Exception):
    def __init__(self, status: int, message: str, details: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or []


def body(status: int, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"error": message, "code": CODES.get(status, "error"), "details": details or []}


def respond(
    api: NinjaAPI, request: HttpRequest, status: int, message: str, details: Any = None
) -> HttpResponse:
    return api.create_response(request, body(status, message, details), status=status)


def errors(*statuses: int) -> dict[int, type[Error]]:
    """The error responses an operation can give (401 and 429 always: every call is
    authenticated and rate-limited)."""
    return dict.fromkeys(sorted({401, 429, *statuses}), Error)


def _loc(item: dict[str, Any]) -> list[str | int]:
    return [p if isinstance(p, int) else str(p) for p in item.get("loc", [])]


def _messages(exc: DjangoValidationError) -> str:
    return " ".join(str(m) for m in exc.messages) or "Invalid."


def install(api: NinjaAPI) -> None:
    @api.exception_handler(ApiError)
    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return respond(api, request, exc.status, exc.message, exc.details)

    @api.exception_handler(AuthenticationError)
    def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = respond(
            api,
            request,
            401,
            "Give a valid API token: Authorization: Bearer <token> "
            "(a token that is revoked or expired is refused).",
        )
        response["WWW-Authenticate"] = 'Bearer realm="psm"'
        return response

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        details = [{"loc": _loc(e), "msg": str(e.get("msg", "invalid"))} for e in exc.errors]
        first = details[0] if details else None
        where = ".".join(str(p) for p in first["loc"]) if first else ""
        message = f"{where}: {first['msg']}" if first else "The request is not valid."
        return respond(api, request, 422, message, details)

    @api.exception_handler(DjangoValidationError)
    def refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return respond(api, request, 422, _messages(exc))

    @api.exception_handler(Throttled)
    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        return respond(api, request, 429, "Too many requests for this token; slow down.")

    @api.exception_handler(Http404)
    def missing(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(api, request, 404, str(exc) or "Not found.")

    @api.exception_handler(ObjectDoesNotExist)
    def missing_object(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
        return respond(api, request, 404, "Not found.")

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(api, request, 403, str(exc) or "Not allowed.")

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return respond(api, request, exc.status_code, str(exc))
