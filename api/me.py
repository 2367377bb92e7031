"""The signed-in marketer's own data: record, plans, measures, payouts, projection, what-if."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from engine import Period
from kpis.models import MeasureValue, Plan
from organizations import access
from payroll.apis import PayoutSerializer
from payroll.outlook import payout_projection, payout_what_if
from payroll.selectors import payouts_visible_to

PERIOD_PARAMETER = OpenApiParameter("period", str, description="YYYY-MM (default: the current month)")


def _employee(request):
    employee = access.user_employee(request.user)
    if employee is None:
        raise NotFound("no employee record is linked to this user")
    return employee


def _period(value: str | None) -> Period:
    if not value:
        return Period.of(timezone.localdate())
    try:
        return Period.parse(value)
    except ValueError as error:
        raise serializers.ValidationError({"period": [str(error)]}) from error


class MeEmployeeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    personnel_number = serializers.CharField()
    full_name = serializers.CharField()
    position = serializers.CharField()
    hire_date = serializers.DateField()
    termination_date = serializers.DateField(allow_null=True)
    company = serializers.CharField(source="company.name")
    currency = serializers.CharField(source="company.currency")


class MeView(APIView):
    @extend_schema(responses=MeEmployeeSerializer)
    def get(self, request):
        return Response(MeEmployeeSerializer(_employee(request)).data)


class MePlanSerializer(serializers.ModelSerializer):
    kpi = serializers.CharField(source="kpi.code")

    class Meta:
        model = Plan
        fields = ["period", "kpi", "value"]


class MeMeasureSerializer(serializers.ModelSerializer):
    measure = serializers.CharField(source="measure.code")

    class Meta:
        model = MeasureValue
        fields = ["period", "measure", "value"]


def _rows_of_period(request, model, code_of: str):
    """The user's own rows of `model` for the asked period, by the code of `code_of`: a bad
    period is refused (400) before a missing employee record (404)."""
    period = _period(request.query_params.get("period"))
    rows = model.objects.filter(employee=_employee(request), period=str(period)).select_related(code_of)
    return rows.order_by(f"{code_of}__code")


class MePlansView(APIView):
    @extend_schema(parameters=[PERIOD_PARAMETER], responses=MePlanSerializer(many=True))
    def get(self, request):
        return Response(MePlanSerializer(_rows_of_period(request, Plan, "kpi"), many=True).data)


class MeMeasuresView(APIView):
    @extend_schema(parameters=[PERIOD_PARAMETER], responses=MeMeasureSerializer(many=True))
    def get(self, request):
        return Response(MeMeasureSerializer(_rows_of_period(request, MeasureValue, "measure"), many=True).data)


class MePayoutsView(APIView):
    @extend_schema(responses=PayoutSerializer(many=True))
    def get(self, request):
        _employee(request)  # 404 without an employee record
        rows = payouts_visible_to(request.user).select_related("employee", "run")
        return Response(PayoutSerializer(rows.order_by("-run__period", "pk"), many=True).data)


PROJECTION = inline_serializer(
    "Projection",
    {
        "run_rate": serializers.CharField(),
        "payout": serializers.DictField(),
        "next_bands": serializers.ListField(child=serializers.DictField()),
    },
)


class MeProjectionView(APIView):
    """Spec §9: the bonus at the current run rate, and what it takes to reach the next band."""

    @extend_schema(parameters=[PERIOD_PARAMETER], responses=PROJECTION)
    def get(self, request):
        period = _period(request.query_params.get("period"))
        return Response(payout_projection(employee=_employee(request), period=period, today=timezone.localdate()))


class WhatIfSerializer(serializers.Serializer):
    period = serializers.CharField(required=False, help_text="YYYY-MM (default: the current month)")
    measures = serializers.DictField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),  # the domain reads the text
        help_text="measure code → value; only measures the marketer's KPIs read, a count never negative",
    )


class MeWhatIfView(APIView):
    """The payout with the given measures instead of the recorded ones; nothing is stored."""

    @extend_schema(request=WhatIfSerializer, responses=inline_serializer(
        "WhatIf", {"payout": serializers.DictField(), "next_bands": serializers.ListField(child=serializers.DictField())}
    ))
    def post(self, request):
        body = WhatIfSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        period = _period(body.validated_data.get("period"))
        try:
            result = payout_what_if(employee=_employee(request), period=period, measures=body.validated_data["measures"])
        except ValidationError as error:  # keyed by measure code: fields "measures.<code>"
            raise serializers.ValidationError({"measures": error.message_dict}) from error
        return Response(result)
