"""Sign-in security: login lockout (django-axes) and the two-factor rule (django-otp).

- Five failed logins lock the account, and separately the client address, for 30 minutes
  (settings AXES_*); a lockout is written to the audit trail.
- Supervisors and admins must pass a TOTP code after the password; until they do, their session
  reaches only the two-factor pages and logout (OTPRequiredMiddleware). Officers are not asked.
"""

import logging

from axes.backends import AxesStandaloneBackend
from axes.signals import user_locked_out
from django.db import transaction
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from smartzone.access import ADMIN, SUPERVISOR, commander_of, role_of
from smartzone.audit import audit_append

log = logging.getLogger(__name__)


def needs_otp(user) -> bool:
    """Supervisors, admins (staff or superusers) and commanders must sign in with a second
    factor."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.is_superuser or role_of(user) in {SUPERVISOR, ADMIN}:
        return True
    return commander_of(user) is not None


def session_verified(user, session) -> bool:
    """Whether SESSION (a websocket's, say, where OTPMiddleware does not run) passed the second
    factor, for a USER who needs one; always true for those who do not."""
    if not needs_otp(user):
        return True
    device_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    device = Device.from_persistent_id(device_id) if device_id else None
    return device is not None and device.user_id == user.pk and device.confirmed


class LockoutBackend(AxesStandaloneBackend):
    """Axes' lockout check, skipped for calls of authenticate() without a request.

    Those come from code (management commands, the test client), not from a login form, so
    there is no client address to count; the web's login forms always pass the request.
    """

    def authenticate(self, request=None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_locked_out)
def audit_lockout(sender, request, username, ip_address, **kwargs):
    with transaction.atomic():
        audit_append(
            actor="axes",
            action="auth.locked_out",
            changes={"username": username or "", "ip_address": ip_address or ""},
        )
    log.warning("Login locked out: username %r from %s", username, ip_address)


# Paths an unverified supervisor/admin session may still reach.
OTP_EXEMPT_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/two-factor/",
    "/i18n/",
    "/static/",
    "/healthz/",
)


class OTPRequiredMiddleware:
    """Hold a supervisor's or admin's session at the two-factor step until a code is accepted.

    Place after django_otp.middleware.OTPMiddleware. The API answers 403 instead of redirecting;
    token-authenticated API calls are not sessions and are not affected.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and needs_otp(user)
            and not user.is_verified()
            and not request.path.startswith(OTP_EXEMPT_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": _("Two-factor verification is required.")}, status=403
                )
            return redirect(
                f"{reverse('two-factor')}?{urlencode({'next': request.get_full_path()})}"
            )
        return self.get_response(request)
