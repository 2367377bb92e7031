"""The API's parsers: JSON nested at most `INPUT_MAX_JSON_DEPTH` levels, multipart bodies
no larger than `DATA_UPLOAD_MAX_MEMORY_SIZE`. Apart from `config.api` because DRF imports
the parsers named in its settings while `rest_framework.views` loads, which `config.api`
imports."""

import json
from typing import Any

from django.conf import settings
from rest_framework import exceptions, parsers, status
from rest_framework.utils.json import strict_constant


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"
    default_detail = "the request body is too large"


def too_large_message() -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return f"the request body is larger than {limit:,} bytes; send less at once" if limit else "the request body is too large"


def _nested_deeper(value: Any, limit: int) -> bool:
    """Whether lists and objects nest more than `limit` levels (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def json_loads_bounded(text: str | bytes, *, max_depth: int | None = None) -> Any:
    """`json.loads` that refuses NaN and Infinity (not JSON) and lists or objects nested
    more than `max_depth` (default `INPUT_MAX_JSON_DEPTH`) levels; raises `ValueError`."""
    limit = settings.INPUT_MAX_JSON_DEPTH if max_depth is None else max_depth
    try:
        value = json.loads(text, parse_constant=strict_constant)
    except RecursionError as error:
        raise ValueError(f"the JSON is nested more than {limit} levels deep") from error
    if isinstance(value, (dict, list)) and _nested_deeper(value, limit):
        raise ValueError(f"the JSON is nested more than {limit} levels deep")
    return value


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with nesting bounded (`json_loads_bounded`). The body's size is
    DRF's: it reads `request.body`, which Django bounds by `DATA_UPLOAD_MAX_MEMORY_SIZE`."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            return json_loads_bounded(stream.read().decode(encoding))
        except ValueError as error:  # UnicodeDecodeError and json's errors are ValueErrors
            raise exceptions.ParseError(f"JSON parse error - {str(error)[:200]}") from error


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, refusing a body over `DATA_UPLOAD_MAX_MEMORY_SIZE` before it
    is read: Django bounds a form's fields but streams its files to disk whatever their
    size, and no endpoint of the API takes a file."""

    def parse(self, stream, media_type=None, parser_context=None):
        meta = getattr((parser_context or {}).get("request"), "META", {})
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(meta.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            raise RequestTooLarge(too_large_message())
        return super().parse(stream, media_type, parser_context)
