"""A domain refusal said on the next page: each problem a message, labelled with the row it
is about and the field it names."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError

from core.periods import PeriodClosedError


def refusal_messages(request, error: ValidationError | PeriodClosedError, label: str = "") -> None:
    if isinstance(error, PeriodClosedError):
        messages.error(request, f"{label}{error.message}")
        return
    for field, problems in error.message_dict.items():
        prefix = "" if field == "__all__" else f"{field}: "
        for problem in problems:
            messages.error(request, f"{label}{prefix}{problem}")
