from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

handler500 = "config.api.server_error"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="portal:home", permanent=False)),
    path("admin/", admin.site.urls),
    path("payroll/", include("payroll.urls")),
    path("portal/", include("portal.urls")),
    path("", include("config.api_urls")),
]
