"""`POST /api/v1/events/`: events in bulk from anything without a connector (the generic
format of `events.generic`), all or nothing, with an `Idempotency-Key`."""

import hashlib
import json

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from events.generic import event_from_mapping
from events.models import EventSettings, IdempotencyKey
from events.schema import SOURCES, Parsed
from events.services import event_settings, events_ingest
from organizations.api_base import IsHR, request_company
from organizations.models import Company

#: Events in one request (a larger batch: several requests, or a file through `manage.py ingest`).
MAX_EVENTS = 10_000
KEY_HEADER = "Idempotency-Key"

ResultSerializer = inline_serializer(
    "EventsIngested",
    {
        name: serializers.IntegerField()
        for name in ("received", "created", "updated", "unchanged", "unattributed", "values_written", "late_changes", "sync")
    },
)


class EventsView(APIView):
    """HR of the company (a superuser names it with `?company=<id>`) posts a JSON list of
    events with EventIn's fields (`source`, `external_id`, `kind`, `occurred_at`, `status`,
    `amount` as a string, `currency`, `utm`…), all of one source (`api` when none is given).
    The same `Idempotency-Key` with the same body answers the first answer again and
    writes nothing; with another body it is refused."""

    permission_classes = [IsHR]

    @extend_schema(
        request=inline_serializer("EventsIn", {"events": serializers.ListField(child=serializers.DictField())}),
        responses=ResultSerializer,
        parameters=[
            OpenApiParameter(KEY_HEADER, str, OpenApiParameter.HEADER, description="a key of the client's, unique per batch"),
            OpenApiParameter("company", int, description="the company (superusers only)"),
        ],
    )
    def post(self, request):
        items = request.data
        if not isinstance(items, list):
            raise serializers.ValidationError({"events": ["send a JSON list of events"]})
        if not items:
            raise serializers.ValidationError({"events": ["the list is empty"]})
        if len(items) > MAX_EVENTS:
            raise serializers.ValidationError({"events": [f"at most {MAX_EVENTS:,} events in one request"]})
        named = None
        if request.user.is_superuser and request.query_params.get("company"):
            named = Company.objects.filter(pk=request.query_params["company"]).first()
        company = request_company(request.user, named)
        sources = {str(item.get("source") or "api") for item in items if isinstance(item, dict)}
        if len(sources) > 1 or not sources <= set(SOURCES):
            raise serializers.ValidationError({"source": [f"one source per request, one of {', '.join(SOURCES)}"]})
        source = sources.pop() if sources else "api"
        key = request.headers.get(KEY_HEADER, "").strip()[:255]
        digest = hashlib.sha256(json.dumps(items, sort_keys=True, default=str).encode()).hexdigest()
        with transaction.atomic():
            # one request of the company at a time: a key's second request waits, then replays
            EventSettings.objects.select_for_update().filter(pk=event_settings(company).pk).first()
            if key:
                earlier = IdempotencyKey.objects.filter(company=company, key=key).first()
                if earlier is not None:
                    if earlier.body_digest != digest:
                        raise serializers.ValidationError({KEY_HEADER: ["this key was used for another body; use a new key"]})
                    return Response(earlier.response, status=earlier.status_code, headers={"Idempotent-Replayed": "true"})
            parsed = Parsed()
            for index, item in enumerate(items):
                event = event_from_mapping(item, index, source, parsed.problems)
                if event is not None:
                    parsed.events.append(event)
            result = events_ingest(company=company, source=source, parsed=parsed, label=f"api {key}"[:255])
            if not result.ok:
                fields: dict[str, list[str]] = {}
                for problem in result.problems:
                    where = f"[{problem.row}]" if problem.row is not None else "events"
                    fields.setdefault(f"{where}.{problem.column}" if problem.column else where, []).append(problem.message)
                raise serializers.ValidationError(fields)
            body = {name: value for name, value in result.as_dict().items() if name not in ("errors", "kept_manual")}
            body["kept_manual"] = len(result.kept_manual)
            if key:
                IdempotencyKey.objects.create(company=company, key=key, body_digest=digest, status_code=200, response=body, user=request.user)
        return Response(body)
