"""The site's URLs plus two that fail, for the error page tests."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from config.urls import urlpatterns as site


def boom(request):
    raise RuntimeError("do-not-show-this")


def forbidden(request):
    raise PermissionDenied("do-not-show-this")


urlpatterns = [path("boom/", boom), path("forbidden/", forbidden), *site]
