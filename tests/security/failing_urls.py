"""The site's URLs plus two that fail, for the error page tests."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from config.urls import handler500  # noqa: F401  (the site's own)
from config.urls import urlpatterns as site


def boom(request):
    raise RuntimeError("do-not-show-this")


def forbidden(request):
    raise PermissionDenied("do-not-show-this")


urlpatterns = [path("boom/", boom), path("api/v1/boom/", boom), path("forbidden/", forbidden), *site]
