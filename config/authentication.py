"""API authentication (its own module: DRF imports it while `rest_framework.views` loads).

Tokens are django-rest-knox's: only a hash of each is stored, and each expires
(REST_KNOX["TOKEN_TTL"]); they are issued at POST /api/v1/auth/token/ (config/tokens.py)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy
from knox import auth
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework import exceptions


class TokenAuthentication(auth.TokenAuthentication):
    """knox's token authentication in one query: the token is found by its hash (the table's
    key) with the user and what every view asks of the user next, the company membership
    and the employee record with its company. An expired token is deleted and refused."""

    def authenticate_credentials(self, token: bytes):
        try:
            digest = hash_token(token.decode("utf-8"))
        except UnicodeDecodeError as garbled:
            raise exceptions.AuthenticationFailed(gettext_lazy("Invalid token.")) from garbled
        found = (
            AuthToken.objects.select_related("user__membership", "user__employee__company")
            .filter(digest=digest)
            .first()
        )
        if found is None:
            raise exceptions.AuthenticationFailed(gettext_lazy("Invalid token."))
        if found.expiry is not None and found.expiry <= timezone.now():
            found.delete()
            raise exceptions.AuthenticationFailed(
                gettext_lazy("The token has expired: ask for a new one at /api/v1/auth/token/.")
            )
        return self.validate_user(found)
