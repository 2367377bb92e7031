"""POST /api/v1/auth/token/: a user name and password for an API token (django-rest-knox),
with the time it expires. Wrong credentials count towards django-axes' lockout."""

from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.utils import extend_schema, inline_serializer
from knox.models import AuthToken
from knox.views import LoginView
from rest_framework import exceptions, serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny

from config.lockout import lockout_response


class TokenScheme(KnoxTokenScheme):
    """The schema's security scheme for config.authentication.TokenAuthentication."""

    target_class = "config.authentication.TokenAuthentication"
    name = "tokenAuth"


ISSUED = inline_serializer(
    "IssuedToken",
    {
        "token": serializers.CharField(help_text="send it as `Authorization: Token <token>`"),
        "expiry": serializers.DateTimeField(help_text="when the token stops working; ask for a new one then"),
    },
)


class ObtainTokenView(LoginView):
    """A new token for a user name and password (JSON or a form); the user's expired tokens
    are dropped. Wrong credentials answer 400; too many of them, 429 (`locked_out`)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=AuthTokenSerializer, responses={200: ISSUED}, summary="Get an API token")
    def post(self, request, format=None):
        credentials = AuthTokenSerializer(data=request.data, context={"request": request})
        if not credentials.is_valid():
            if getattr(request, "axes_locked_out", False):
                return lockout_response(request)
            raise exceptions.ValidationError(credentials.errors)
        request.user = credentials.validated_data["user"]
        AuthToken.objects.filter(user=request.user, expiry__lte=timezone.now()).delete()
        return super().post(request, format)
