from django.urls import path
from django.views.i18n import set_language

from portal import (
    builder,
    company,
    corrections,
    home,
    kpi_sets,
    matrix,
    people,
    plans,
    run_guards,
    scenarios,
    statements,
    team,
    views,
)
from portal.adjustments import adjustment_add, adjustment_remove, adjustments
from portal.kpi_definitions import kpi_create, kpi_edit, kpi_remove, kpis, measure_create, measure_edit, measure_remove

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("welcome/<uidb64>/<token>/", team.WelcomeView.as_view(), name="welcome"),
    path("language/", set_language, name="set_language"),
    path("me/", views.dashboard, name="dashboard"),
    path("me/what-if.json", views.what_if, name="what_if"),
    path("hr/runs/", views.runs, name="runs"),
    path("hr/runs/start/", views.run_start, name="run_start"),
    path("hr/runs/<int:pk>/", views.run_detail, name="run"),
    path("hr/runs/<int:pk>/status.json", views.run_status_json, name="run_status"),
    # Ahead of the generic action: approving confirms a summary, marking paid records the payment.
    path("runs/<int:pk>/approve/", run_guards.run_approve, name="run_approve"),
    path("runs/<int:pk>/paid/", run_guards.run_mark_paid, name="run_paid"),
    path("runs/<int:pk>/<slug:action>/", views.run_action, name="run_action"),
    path("finance/", views.finance, name="finance"),
    path("payouts/<int:pk>/statement/", statements.payout_statement, name="payout_statement"),
    path("hr/people/", people.people, name="people"),
    path("hr/people/new/", people.person_create, name="person_create"),
    path("hr/people/<int:pk>/", people.person, name="person"),
    path("hr/people/<int:pk>/salary/", people.person_salary, name="person_salary"),
    path("hr/people/<int:pk>/details/", people.person_details, name="person_details"),
    path("hr/people/<int:pk>/scheme/", people.person_scheme, name="person_scheme"),
    path("hr/people/<int:pk>/login/", people.person_login_create, name="person_login"),
    path("hr/people/<int:pk>/terminate/", people.person_terminate, name="person_terminate"),
    path("hr/team/", team.team, name="team"),
    path("hr/team/new/", team.colleague_create, name="colleague_create"),
    path("hr/team/<int:pk>/remove/", team.colleague_deactivate, name="colleague_deactivate"),
    path("hr/corrections/", corrections.corrections, name="corrections"),
    path("hr/corrections/new/", corrections.correction_create, name="correction_create"),
    path("hr/corrections/<int:pk>/", corrections.correction_detail, name="correction"),
    path("hr/corrections/<int:pk>/<slug:action>/", corrections.correction_action, name="correction_action"),
    # KPI sets per stage (portal/kpi_sets.py)
    path("hr/kpi-sets/", kpi_sets.kpi_sets, name="kpi_sets"),
    path("hr/kpi-sets/new/", kpi_sets.kpi_set_create, name="kpi_set_create"),
    path("hr/kpi-sets/stage/", kpi_sets.stage_set, name="company_stage_set"),
    path("hr/kpi-sets/<int:pk>/", kpi_sets.kpi_set_edit, name="kpi_set"),
    path("hr/kpi-sets/<int:pk>/activate/", kpi_sets.kpi_set_make_active, name="kpi_set_activate"),
    path("hr/kpi-sets/presets/<int:pk>/copy/", kpi_sets.kpi_set_copy, name="kpi_set_copy"),
    # Plans and actuals: HR's month grids (portal.plans)
    path("hr/plans/", plans.plans, name="plans"),
    path("hr/plans/copy/", plans.plans_copy, name="plans_copy"),
    path("hr/plans/import/", plans.plans_import, name="plans_import"),
    path("hr/plans/template.<str:file_format>", plans.plans_template, name="plans_template"),
    path("hr/actuals/", plans.actuals, name="actuals"),
    path("hr/actuals/import/", plans.actuals_import, name="actuals_import"),
    path("hr/actuals/template.<str:file_format>", plans.actuals_template, name="actuals_template"),
    # KPI matrix
    path("hr/matrix/", matrix.kpi_matrix_page, name="kpi_matrix"),
    path("hr/matrix/export.xlsx", matrix.kpi_matrix_export, name="kpi_matrix_export"),
    # Test a scheme and Scenarios (issue 14, item 1)
    path("hr/test-scheme/", scenarios.test_scheme, name="test_scheme"),
    path("hr/scenarios/", scenarios.scenarios, name="scenarios"),
    # The plan builder: schemes and band tables (portal/builder.py)
    path("hr/schemes/", builder.schemes, name="schemes"),
    path("hr/schemes/new/", builder.scheme_create, name="scheme_create"),
    path("hr/schemes/<int:pk>/", builder.scheme, name="scheme"),
    path("hr/band-tables/new/", builder.band_table_create, name="band_table_create"),
    path("hr/band-tables/<int:pk>/", builder.band_table, name="band_table"),
    # HR's home, the company's settings and its working calendar (portal/home.py, portal/company.py)
    path("hr/", home.hr_home, name="hr_home"),
    path("hr/company/", company.company_settings, name="company"),
    path("hr/calendar/", company.calendar, name="calendar"),
    path("hr/calendar/add/", company.calendar_add, name="calendar_add"),
    path("hr/calendar/<int:pk>/remove/", company.calendar_remove, name="calendar_remove"),
    # KPIs and measures: the catalogue and the company's own (portal/kpi_definitions.py)
    path("hr/kpis/", kpis, name="kpis"),
    path("hr/kpis/new/", kpi_create, name="kpi_create"),
    path("hr/kpis/<int:pk>/", kpi_edit, name="kpi_edit"),
    path("hr/kpis/<int:pk>/delete/", kpi_remove, name="kpi_delete"),
    path("hr/kpis/measures/new/", measure_create, name="measure_create"),
    path("hr/kpis/measures/<int:pk>/", measure_edit, name="measure_edit"),
    path("hr/kpis/measures/<int:pk>/delete/", measure_remove, name="measure_delete"),
    # Adjustments of a month (portal/adjustments.py)
    path("hr/adjustments/", adjustments, name="adjustments"),
    path("hr/adjustments/add/", adjustment_add, name="adjustment_add"),
    path("hr/adjustments/<int:pk>/remove/", adjustment_remove, name="adjustment_remove"),
]
