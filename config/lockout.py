"""What a locked-out login is answered (django-axes calls it, see AXES_LOCKOUT_CALLABLE): the
API's error shape under /api/, a page in the portal's look elsewhere; 429 either way."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render

from config.api import error_body

LOCKED_OUT = "locked_out"


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    if request.path.startswith("/api/"):
        message = f"too many failed logins for this user name from this address: try again in {minutes} minutes"
        response: HttpResponse = JsonResponse(error_body(LOCKED_OUT, message), status=429)
    else:
        response = render(request, "locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
