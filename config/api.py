"""DRF glue shared by every app's API: one error shape, pagination, permissions, decimal
input through the domain's parser (the parsers that bound bodies: `config.parsers`)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError
from core.parsers import RequestTooLarge, too_large_message


@csrf_exempt  # it changes nothing; a refused CSRF check would answer an HTML page instead
def no_such_endpoint(request, *args, **kwargs) -> HttpResponse:
    """An /api/ address that no route serves (an id that is no number, a typo). Without its
    final slash a GET is redirected as Django's APPEND_SLASH would."""
    message = f"no such endpoint: {request.path}"
    if not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not no_such_endpoint:
            if request.method in ("GET", "HEAD"):
                return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
            message += " (the address ends with a slash)"
    return JsonResponse(error_body("not_found", message), status=status.HTTP_404_NOT_FOUND)


def server_error(request, *args, **kwargs) -> HttpResponse:
    """Django's `handler500`: under /api/ the one error shape (a client reads JSON), elsewhere
    the portal's page. Neither says anything of the exception; the log has it."""
    if request.path.startswith("/api/"):
        body = error_body("server_error", "the server could not finish this request; the error is logged")
        return JsonResponse(body, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    return defaults.server_error(request, *args, **kwargs)


class Pagination(PageNumberPagination):
    # page_size: REST_FRAMEWORK["PAGE_SIZE"]
    page_size_query_param = "page_size"
    max_page_size = 500


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF error details as {"field" / "items[2].weight" / "__all__": [messages]}."""
    fields: dict[str, list[str]] = {}

    def add(found: dict[str, list[str]]) -> None:
        for name, messages in found.items():
            fields.setdefault(name, []).extend(messages)

    if isinstance(detail, dict):
        for key, value in detail.items():
            if key in ("non_field_errors", "__all__"):
                path = prefix or "__all__"  # a nested serializer's own errors belong to its field
            elif isinstance(key, int):  # a list serializer or ListField reports rows by index
                path = f"{prefix}[{key}]"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            add(_flatten(value, path))
    elif isinstance(detail, list) and detail and all(isinstance(d, (dict, list)) for d in detail):
        for index, value in enumerate(detail):
            if value:
                add(_flatten(value, f"{prefix}[{index}]"))
    elif isinstance(detail, list):
        fields[prefix or "__all__"] = [str(d) for d in detail]
    else:
        fields[prefix or "__all__"] = [str(detail)]
    return fields


#: An error names a field in at most this many characters, and says it in at most
#: MAX_MESSAGE_CHARS: DRF's own messages quote the input ('"…" is not a valid choice.'),
#: and a field of a dict is named by the key the client sent.
MAX_FIELD_CHARS, MAX_MESSAGE_CHARS = 200, 500


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}…"


def _bounded_fields(fields: dict[str, list[str]]) -> dict[str, list[str]]:
    bounded: dict[str, list[str]] = {}
    for name, messages in fields.items():
        bounded.setdefault(_cut(name, MAX_FIELD_CHARS), []).extend(_cut(str(m), MAX_MESSAGE_CHARS) for m in messages)
    return bounded


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


IN_USE = "in_use"


def _in_use_message(error: ProtectedError | RestrictedError) -> str:
    """"it cannot be deleted: it is still used by 2 payouts and 1 scheme factor"."""
    counts: dict[tuple[str, str], int] = {}
    for row in error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects:
        names = (str(row._meta.verbose_name), str(row._meta.verbose_name_plural))
        counts[names] = counts.get(names, 0) + 1
    users = [f"{n} {one if n == 1 else many}" for (one, many), n in sorted(counts.items())]
    return "it cannot be deleted: it is still used by " + " and ".join(users)


def exception_handler(exc, context):
    """Every error leaves as {"error": {"code", "message", "fields"}}."""
    if isinstance(exc, DomainError):
        fields = _bounded_fields(getattr(exc, "fields", None) or {})  # a refusal may name rows (period_closed)
        return Response(error_body(exc.code, exc.message, fields), status=exc.status)
    if isinstance(exc, (ProtectedError, RestrictedError)):
        return Response(error_body(IN_USE, _in_use_message(exc)), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, RequestDataTooBig):  # Django's limit on the body, hit as DRF reads it
        exc = RequestTooLarge(too_large_message())
    elif isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        exc = exceptions.ParseError(str(exc))
    elif isinstance(exc, RecursionError):  # input nested deeper than Python follows, wherever it was read
        exc = exceptions.ParseError("the input is nested too deeply")
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _bounded_fields(_flatten(exc.detail))
        first = next(iter(fields.items()), ("", ["invalid input"]))
        message = f"{first[0]}: {first[1][0]}" if first[0] and first[0] != "__all__" else first[1][0]
        response.data = error_body("invalid", message, fields)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(exc, "default_code", "error")
        response.data = error_body(code, str(detail))
    return response


# --- the OpenAPI schema -----------------------------------------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error of the API has this shape.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "e.g. invalid, not_found, permission_denied, four_eyes"},
                "message": {"type": "string", "description": "the first problem, in words"},
                "fields": {
                    "type": "object",
                    "description": 'messages by field or item: "value", "items[2].weight", "__all__" for the whole',
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}
ERRORS = {
    "400": "The request is refused: `fields` names every bad field or item.",
    "401": "Not signed in: no token or session, or an unknown token (`WWW-Authenticate: Token`).",
    "403": "The user's role may not do this.",
    "404": "No such row for this user (another company's rows do not exist for it), or no such page.",
    "413": "The body is larger than the server takes (Django's `DATA_UPLOAD_MAX_MEMORY_SIZE`).",
    "415": "The body is not JSON (nor a form).",
    "414": "The address is too long for the server (gunicorn refuses a request line over 4,094 bytes with an HTML page).",
    "409": "The state of the data does not allow it (`code`: run_frozen, run_ended, run_not_calculated, "
    "run_not_approved, four_eyes, period_closed, in_use).",
    "429": "Too many failed logins for this user name from this address (`code`: locked_out; `Retry-After`).",
}
UNAUTHENTICATED_PATHS = ("/api/v1/auth/token/",)
# Answered by the HTTP server in front of Django, before the request reaches the API.
SERVER_ANSWERS = ("414",)
SERVER_PAGE = {"text/html": {"schema": {"type": "string"}}}


def api_endpoints_only(endpoints):
    """Preprocessing hook: the schema documents /api/; the /payroll/ downloads are pages of
    the site (the API serves the same files as actions of runs and payouts)."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]


#: The inputs of a payroll period: a write of one that reaches a closed period is refused (core.periods).
PERIOD_INPUTS = tuple(
    f"/api/v1/{resource}/"
    for resource in (
        "company-stages", "calendar-days", "employees", "salary-agreements", "scheme-assignments", "plans",
        "measure-values", "adjustments",
    )
)  # fmt: skip


def _error_statuses(path: str, method: str, operation: dict) -> list[str]:
    """Which errors an operation can answer, read off its shape."""
    parameters = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
    statuses = []
    if "requestBody" in operation or any(where == "query" for where, _ in parameters):
        statuses.append("400")
    if any(where == "query" for where, _ in parameters):
        statuses.append("414")
    if "requestBody" in operation:
        statuses.extend(["413", "415"])
    if path not in UNAUTHENTICATED_PATHS:
        statuses.extend(["401", "403"])
    else:
        statuses.append("429")
    if any(where == "path" for where, _ in parameters) or ("query", "page") in parameters or path.startswith("/api/v1/me/"):
        statuses.append("404")
    run_action = path.startswith("/api/v1/payroll-runs/{id}/") and (method == "post" or path.endswith("/sheet/"))
    period_input = method in ("post", "put", "patch") and path.startswith(PERIOD_INPUTS)  # period_closed
    if method == "delete" or run_action or period_input:
        statuses.append("409")
    return statuses


def document_errors(result, generator, request, public):
    """Postprocessing hook: every operation documents the errors it can answer, all in the
    one error shape (`Error`)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code in _error_statuses(path, method, operation):
                content = SERVER_PAGE if code in SERVER_ANSWERS else {"application/json": {"schema": reference}}
                responses.setdefault(code, {"description": ERRORS[code], "content": content})
    return result
