from django.urls import path
from django.views.i18n import set_language

from portal import review, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("language/", set_language, name="set_language"),
    path("me/", views.dashboard, name="dashboard"),
    path("me/what-if.json", views.what_if, name="what_if"),
    path("hr/runs/", views.runs, name="runs"),
    path("hr/runs/start/", views.run_start, name="run_start"),
    path("hr/runs/<int:pk>/", views.run_detail, name="run"),
    path("hr/runs/<int:pk>/status.json", views.run_status_json, name="run_status"),
    path("runs/<int:pk>/<slug:action>/", views.run_action, name="run_action"),
    path("finance/", views.finance, name="finance"),
    # placeholder until helper-C's statement page merges
    path("payouts/<int:pk>/statement/", review.payout_statement, name="payout_statement"),
]
