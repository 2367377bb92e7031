"""API authentication (its own module: DRF imports it while `rest_framework.views` loads)."""

from django.utils.translation import gettext_lazy
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication that reads, in the same query, what every view asks of
    the user next: the company membership, and the employee record with its company."""

    def authenticate_credentials(self, key):
        try:
            token = Token.objects.select_related("user__membership", "user__employee__company").get(key=key)
        except Token.DoesNotExist as missing:
            raise exceptions.AuthenticationFailed(gettext_lazy("Invalid token.")) from missing
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(gettext_lazy("User inactive or deleted."))
        return token.user, token
