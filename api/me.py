"""The signed-in marketer's own data: record, plans, measures, payouts, projection, what-if,
statement. A closed month (the marketer's payout in an approved or paid run) answers from
the approved payout as stored: its plans and measures as its trace read them, the payout
itself in place of a projection, and no what-if; an open month the live rows and projection.
Each answer about a month says which it is (`basis`)."""

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
from payroll.statements import APPROVED_STATEMENT, PROJECTION, StatementApproved, closed_month, statement_json

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


def _model_decimal(model) -> serializers.DecimalField:
    field = model._meta.get_field("value")
    return serializers.DecimalField(max_digits=field.max_digits, decimal_places=field.decimal_places)


class StatedPlanSerializer(serializers.Serializer):
    """A plan as an approved payout's trace read it."""

    period = serializers.CharField()
    kpi = serializers.CharField()
    value = _model_decimal(Plan)


class StatedMeasureSerializer(serializers.Serializer):
    """A measure value as an approved payout's trace read it."""

    period = serializers.CharField()
    measure = serializers.CharField()
    value = _model_decimal(MeasureValue)


def _month(request):
    """(employee, period, `ClosedMonth` or None for an open month): a bad period is refused
    (400) before a missing employee record (404)."""
    period = _period(request.query_params.get("period"))
    employee = _employee(request)
    return employee, period, closed_month(user=request.user, employee=employee, period=period)


def _rows_of_period(employee, period, model, code_of: str):
    """The employee's own rows of `model` for the period, by the code of `code_of`."""
    rows = model.objects.filter(employee=employee, period=str(period)).select_related(code_of)
    return rows.order_by(f"{code_of}__code")


def _stated_plans(payout) -> list[dict]:
    if payout is None:  # the approved run has no payout of the employee's
        return []
    kpis = (payout.trace or {}).get("kpis") or []
    rows = [{"period": payout.run.period, "kpi": k["code"], "value": k["plan"]} for k in kpis if k.get("plan") is not None]
    return sorted(rows, key=lambda row: row["kpi"])


def _stated_measures(payout) -> list[dict]:
    if payout is None:
        return []
    values: dict[str, str] = {}
    for entry in (payout.trace or {}).get("kpis") or []:
        values.update({code: value for code, value in (entry.get("measures") or {}).items() if value is not None})
    return [{"period": payout.run.period, "measure": code, "value": values[code]} for code in sorted(values)]


class MePlansView(APIView):
    """The month's plans: for a closed month, those its approved payout was calculated with."""

    @extend_schema(parameters=[PERIOD_PARAMETER], responses=MePlanSerializer(many=True))
    def get(self, request):
        employee, period, closed = _month(request)
        if closed is not None:
            return Response(StatedPlanSerializer(_stated_plans(closed.payout), many=True).data)
        return Response(MePlanSerializer(_rows_of_period(employee, period, Plan, "kpi"), many=True).data)


class MeMeasuresView(APIView):
    """The month's measure values: for a closed month, those its approved payout's KPIs read."""

    @extend_schema(parameters=[PERIOD_PARAMETER], responses=MeMeasureSerializer(many=True))
    def get(self, request):
        employee, period, closed = _month(request)
        if closed is not None:
            return Response(StatedMeasureSerializer(_stated_measures(closed.payout), many=True).data)
        return Response(MeMeasureSerializer(_rows_of_period(employee, period, MeasureValue, "measure"), many=True).data)


class MePayoutsView(APIView):
    @extend_schema(responses=PayoutSerializer(many=True))
    def get(self, request):
        _employee(request)  # 404 without an employee record
        rows = payouts_visible_to(request.user).select_related("employee", "run")
        return Response(PayoutSerializer(rows.order_by("-run__period", "pk"), many=True).data)


def _approved_at(run) -> str | None:
    return run.approved_at.isoformat() if run is not None and run.approved_at else None


BASIS = serializers.ChoiceField(
    choices=[APPROVED_STATEMENT, PROJECTION],
    help_text="approved_statement: the month is approved and these are its stored figures; projection: live, not yet approved",
)
PROJECTION_SCHEMA = inline_serializer(
    "Projection",
    {
        "basis": BASIS,
        "approved_at": serializers.DateTimeField(allow_null=True),
        "run_rate": serializers.CharField(),
        "payout": serializers.DictField(allow_null=True),
        "next_bands": serializers.ListField(child=serializers.DictField()),
    },
)
STATEMENT_SCHEMA = inline_serializer(
    "Statement",
    {
        "basis": BASIS,
        "payout_id": serializers.IntegerField(allow_null=True),
        "run": serializers.IntegerField(allow_null=True),
        "period": serializers.CharField(),
        "status": serializers.CharField(allow_null=True),
        "approved_at": serializers.DateTimeField(allow_null=True),
        "paid_at": serializers.DateTimeField(allow_null=True),
        "employee": serializers.DictField(),
        "company": serializers.DictField(),
        "payout": serializers.DictField(allow_null=True),
    },
)


class MeProjectionView(APIView):
    """Spec §9: the bonus at the current run rate, and what it takes to reach the next band.
    A closed month has no projection: its approved payout as stored, with no next band."""

    @extend_schema(parameters=[PERIOD_PARAMETER], responses=PROJECTION_SCHEMA)
    def get(self, request):
        employee, period, closed = _month(request)
        if closed is not None:  # payout null: the approved run has none of the employee's
            stated = statement_json(closed.payout) if closed.payout is not None else {"payout": None}
            return Response(
                {"basis": APPROVED_STATEMENT, "approved_at": _approved_at(closed.run), "run_rate": "1",
                 "payout": stated["payout"], "next_bands": []}
            )  # fmt: skip
        projection = payout_projection(employee=employee, period=period, today=timezone.localdate())
        return Response({"basis": PROJECTION, "approved_at": None, **projection})


class MeStatementView(APIView):
    """The month as the marketer is shown it: the approved statement (the stored payout, with
    the name, personnel number and position it was calculated for) once the month's run is
    approved; until then the projection, labelled as such."""

    @extend_schema(parameters=[PERIOD_PARAMETER], responses=STATEMENT_SCHEMA)
    def get(self, request):
        employee, period, closed = _month(request)
        if closed is not None and closed.payout is not None:
            return Response(statement_json(closed.payout))
        company = employee.company
        if closed is not None:
            payout, basis, run = None, APPROVED_STATEMENT, closed.run
        else:
            projection = payout_projection(employee=employee, period=period, today=timezone.localdate())
            payout, basis, run = projection["payout"], PROJECTION, None
        return Response(
            {
                "basis": basis, "payout_id": None, "run": run and run.pk, "period": str(period),
                "status": run and run.status, "approved_at": _approved_at(run),
                "paid_at": run.paid_at.isoformat() if run and run.paid_at else None,
                "employee": {
                    "personnel_number": employee.personnel_number, "full_name": employee.full_name,
                    "position": employee.position,
                },
                "company": {"name": company.name, "currency": company.currency},
                "payout": payout,
            }
        )  # fmt: skip


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
        employee = _employee(request)
        closed = closed_month(user=request.user, employee=employee, period=period)
        if closed is not None:  # 409: the month's figures are its approved statement
            raise StatementApproved(closed.run)
        try:
            result = payout_what_if(employee=employee, period=period, measures=body.validated_data["measures"])
        except ValidationError as error:  # keyed by measure code: fields "measures.<code>"
            raise serializers.ValidationError({"measures": error.message_dict}) from error
        return Response(result)
