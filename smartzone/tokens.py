"""API tokens stored hashed: make one (the key is returned once), and authenticate with it."""

import hashlib
import secrets

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from smartzone.audit import audit_append
from smartzone.models import ApiToken


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor, user, name: str) -> tuple[ApiToken, str]:
    """Make USER a token named NAME; return it and its key (show the key once, keep it nowhere)."""
    key = secrets.token_hex(20)
    token = ApiToken(user=user, name=name, key_hash=key_hash(key), prefix=key[:6])
    token.full_clean()
    token.save()
    audit_append(
        actor=actor,
        action="api_token.created",
        obj=token,
        changes={"user": user.pk, "name": name, "prefix": token.prefix},
    )
    return token, key


class InvalidToken(exceptions.APIException):
    """A token was given and is wrong: 401 with `WWW-Authenticate: Token`. (DRF turns an
    AuthenticationFailed into a 403 when, as here, session authentication comes first.)"""

    status_code = 401
    default_detail = _("Invalid token.")
    default_code = "authentication_failed"
    auth_header = "Token"


class HashedTokenAuthentication(TokenAuthentication):
    """DRF's "Authorization: Token <key>", looked up by the key's SHA-256."""

    model = ApiToken

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed as exc:
            raise InvalidToken(exc.detail) from None

    def authenticate_credentials(self, key):
        token = ApiToken.objects.select_related("user").filter(key_hash=key_hash(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token


@transaction.atomic
def api_token_revoke(*, actor, token_id: int) -> None:
    """Delete a token: the app holding its key is signed out at once."""
    token = ApiToken.objects.select_for_update().get(pk=token_id)
    audit_append(
        actor=actor,
        action="api_token.revoked",
        obj=token,
        changes={"user": token.user_id, "name": token.name, "prefix": token.prefix},
    )
    token.delete()
