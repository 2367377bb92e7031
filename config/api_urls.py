"""/api/v1/ routes, the OpenAPI schema and the offline docs."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from api import me
from api.events import EventsView
from api.history import HistoryView
from compensation import apis as comp
from config.api import no_such_endpoint
from config.tokens import ObtainTokenView
from kpis import apis as kpis
from payroll import apis as payroll
from payroll import correction_apis

router = DefaultRouter()
router.register("companies", comp.CompanyViewSet, basename="company")
router.register("company-stages", comp.CompanyStageViewSet, basename="company-stage")
router.register("calendar-days", comp.CalendarDayViewSet, basename="calendar-day")
router.register("employees", comp.EmployeeViewSet, basename="employee")
router.register("salary-agreements", comp.SalaryAgreementViewSet, basename="salary-agreement")
router.register("band-tables", comp.BandTableViewSet, basename="band-table")
router.register("bonus-schemes", comp.BonusSchemeViewSet, basename="bonus-scheme")
router.register("scheme-assignments", comp.SchemeAssignmentViewSet, basename="scheme-assignment")
router.register("measures", kpis.MeasureViewSet, basename="measure")
router.register("kpis", kpis.KpiViewSet, basename="kpi")
router.register("kpi-sets", kpis.KpiSetViewSet, basename="kpi-set")
router.register("plans", kpis.PlanViewSet, basename="plan")
router.register("measure-values", kpis.MeasureValueViewSet, basename="measure-value")
router.register("payroll-runs", payroll.PayrollRunViewSet, basename="payroll-run")
router.register("payouts", payroll.PayoutViewSet, basename="payout")
router.register("adjustments", payroll.AdjustmentViewSet, basename="adjustment")
router.register("corrections", correction_apis.CorrectionViewSet, basename="correction")

v1 = [
    path("me/", me.MeView.as_view(), name="me"),
    path("me/plans/", me.MePlansView.as_view(), name="me-plans"),
    path("me/measures/", me.MeMeasuresView.as_view(), name="me-measures"),
    path("me/payouts/", me.MePayoutsView.as_view(), name="me-payouts"),
    path("me/projection/", me.MeProjectionView.as_view(), name="me-projection"),
    path("me/what-if/", me.MeWhatIfView.as_view(), name="me-what-if"),
    path("me/statement/", me.MeStatementView.as_view(), name="me-statement"),
    path("history/<str:resource>/<int:pk>/", HistoryView.as_view(), name="history"),
    path("auth/token/", ObtainTokenView.as_view(), name="auth-token"),
    path("events/", EventsView.as_view(), name="events"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("api/v1/", include(v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script from its own URL: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # Last: any other /api/ address answers 404 in the API's error shape, not an HTML page.
    re_path(r"^api/", no_such_endpoint),
]
