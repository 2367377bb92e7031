"""The change history of a configuration object: who, when, and old → new per field."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from compensation import models as comp
from kpis import models as kpis
from organizations import access
from organizations import models as org
from organizations.api_base import IsHROrReadOnlyFinance
from payroll import models as payroll

# name in the URL: model (scoped to the user's company by `access.COMPANY_PATHS`)
TRACKED = {
    "companies": org.Company,
    "employees": org.Employee,
    "company-stages": org.CompanyStage,
    "salary-agreements": comp.SalaryAgreement,
    "band-tables": comp.BandTable,
    "band-points": comp.BandPoint,
    "bonus-schemes": comp.BonusScheme,
    "scheme-factors": comp.SchemeFactor,
    "scheme-assignments": comp.SchemeAssignment,
    "kpis": kpis.Kpi,
    "kpi-sets": kpis.KpiSet,
    "kpi-set-items": kpis.KpiSetItem,
    "plans": kpis.Plan,
    "measure-values": kpis.MeasureValue,
    "adjustments": payroll.Adjustment,
}

HISTORY_ENTRIES = inline_serializer(  # newest first
    "HistoryEntry",
    {
        "at": serializers.DateTimeField(),
        "user": serializers.CharField(allow_null=True),
        "action": serializers.ChoiceField(choices=["created", "changed", "deleted"]),
        "changes": serializers.ListField(child=serializers.DictField()),
    },
    many=True,
)
ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


class HistoryView(APIView):
    permission_classes = [IsHROrReadOnlyFinance]

    @extend_schema(
        parameters=[OpenApiParameter("resource", str, OpenApiParameter.PATH, enum=sorted(TRACKED))],
        responses=HISTORY_ENTRIES,
    )
    def get(self, request, resource: str, pk: int):
        if resource not in TRACKED:
            raise NotFound(f"no history is kept for {resource!r}")
        model = TRACKED[resource]
        visible = access.scope_for_user(model.objects.all(), request.user)
        records = list(model.history.filter(id=pk).select_related("history_user").order_by("history_date", "history_id"))
        if not records or not (visible.filter(pk=pk).exists() or self._was_visible(records, request.user, model)):
            raise NotFound()
        entries, previous = [], None
        for record in records:
            changes = []
            if previous is not None and record.history_type == "~":
                delta = record.diff_against(previous)
                changes = [{"field": c.field, "old": _text(c.old), "new": _text(c.new)} for c in delta.changes]
            elif record.history_type == "+":
                changes = [
                    {"field": f.attname, "old": None, "new": _text(getattr(record, f.attname))}
                    for f in model.history.model.tracked_fields
                    if f.attname != "id"
                ]
            entries.append(
                {
                    "at": record.history_date,
                    "user": record.history_user.get_username() if record.history_user else None,
                    "action": ACTIONS[record.history_type],
                    "changes": changes,
                }
            )
            previous = record
        return Response(list(reversed(entries)))

    @staticmethod
    def _was_visible(records, user, model) -> bool:
        """A deleted row's history is visible to its company (read off its last record)."""
        if user.is_superuser:
            return True
        if access.COMPANY_PATHS[model._meta.label_lower][0] != "company":
            return False
        return records[-1].company_id == access.user_company_id(user)


def _text(value):
    return None if value is None else str(value)
