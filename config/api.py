"""DRF glue shared by every app's API: one error shape, pagination, permissions."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, permissions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from compensation.access import FINANCE, HR, user_role
from payroll.services import RunStateError


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF error details as {"field" / "items[2].weight" / "__all__": [messages]}."""
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "__all__" if key in ("non_field_errors", "__all__") and not prefix else key
            fields.update(_flatten(value, f"{prefix}.{name}" if prefix else name))
    elif isinstance(detail, list) and detail and all(isinstance(d, (dict, list)) for d in detail):
        for index, value in enumerate(detail):
            if value:
                fields.update(_flatten(value, f"{prefix}[{index}]"))
    elif isinstance(detail, list):
        fields[prefix or "__all__"] = [str(d) for d in detail]
    else:
        fields[prefix or "__all__"] = [str(detail)]
    return fields


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def exception_handler(exc, context):
    """Every error leaves as {"error": {"code", "message", "fields"}}."""
    if isinstance(exc, RunStateError):
        return Response(error_body(exc.code, exc.message), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next(iter(fields.items()), ("", ["invalid input"]))
        message = f"{first[0]}: {first[1][0]}" if first[0] and first[0] != "__all__" else first[1][0]
        response.data = error_body("invalid", message, fields)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(exc, "default_code", "error")
        response.data = error_body(code, str(detail))
    return response


class IsHR(permissions.BasePermission):
    """HR of the company (or a superuser): configures, runs payroll."""

    def has_permission(self, request, view):
        return user_role(request.user) in ("superuser", HR)


class IsHROrReadOnlyFinance(permissions.BasePermission):
    """HR changes; finance reads."""

    def has_permission(self, request, view):
        role = user_role(request.user)
        if role in ("superuser", HR):
            return True
        return role == FINANCE and request.method in permissions.SAFE_METHODS


class IsStaffRole(permissions.BasePermission):
    """HR, finance or superuser (not marketers)."""

    def has_permission(self, request, view):
        return user_role(request.user) in ("superuser", HR, FINANCE)
