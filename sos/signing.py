"""Kiosk request signing: HMAC-SHA256 over method, path, timestamp and body.

Headers: X-Kiosk-Id (the kiosk's serial), X-Timestamp (Unix seconds), X-Signature (hex of
HMAC-SHA256(secret, f"{METHOD}\\n{path}\\n{timestamp}\\n" + body)).
"""

import hashlib
import hmac
import logging
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django_ratelimit.core import is_ratelimited
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from smartzone.audit import audit_append
from sos.models import Kiosk, KioskNonce

log = logging.getLogger(__name__)
MAX_SKEW_S = 300
# Signs the requests of serials that name no kiosk (never matches: nobody knows it).
UNKNOWN_KIOSK_SECRET = secrets.token_hex(32)
MAX_BODY_BYTES = 2 * 1024 * 1024
# Seen signatures are kept twice the allowed clock skew; older ones are removed at most this
# often (per process), not on every request.
NONCE_PURGE_EVERY_S = 60
_last_purge = {"at": 0.0}


def sign(secret: str, method: str, path: str, timestamp: str | int, body: bytes) -> str:
    message = f"{method.upper()}\n{path}\n{timestamp}\n".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(
    secret: str, serial: str, path: str, body: bytes, *, method="POST", timestamp: int | None = None
) -> dict:
    """Return the headers a kiosk sends (as Django test-client keyword arguments)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "HTTP_X_KIOSK_ID": serial,
        "HTTP_X_TIMESTAMP": ts,
        "HTTP_X_SIGNATURE": sign(secret, method, path, ts, body),
    }


class BodyTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = _lazy("The request body is too large.")
    default_code = "too_large"


class KioskDevice:
    """The authenticated "user" of a kiosk request; never a person."""

    is_authenticated = True
    is_active = True
    is_superuser = False

    def __init__(self, kiosk: Kiosk):
        self.kiosk = kiosk

    def get_username(self) -> str:
        return f"device:{self.kiosk.serial}"


def _refuse(request, serial: str, code: str, reason: str = "", kiosk: Kiosk | None = None):
    """Audit the failed attempt (in its own transaction) and answer 401 with the reason; with
    no REASON, the one answer that does not tell an unknown kiosk from a wrong signature.

    One client address gets KIOSK_REFUSALS_AUDITED entries at most (then a log line per
    refusal): a flood of bad requests must not queue every write, SOS included, behind the
    audit trail's lock. A correctly signed request from that address is still accepted."""
    flooding = is_ratelimited(
        request._request,
        group="sos.kiosk-refused",
        key="ip",
        rate=settings.KIOSK_REFUSALS_AUDITED,
        increment=True,
    )
    if flooding:
        log.warning("kiosk request refused (%s) for %r, over the audit limit", code, serial[:60])
    else:
        with transaction.atomic():
            audit_append(
                actor=f"device:{serial[:60] or '?'}",
                action="kiosk.auth_failed",
                obj=kiosk,
                station=kiosk.station_id if kiosk else None,
                changes={"path": request.path, "reason": code},
            )
    if not reason:
        code, reason = "bad_credentials", _("Unknown kiosk or wrong signature.")
    raise exceptions.AuthenticationFailed({"detail": reason, "reason": code})


def _purge_old_nonces() -> None:
    now = time.monotonic()
    if now - _last_purge["at"] < NONCE_PURGE_EVERY_S:
        return
    _last_purge["at"] = now
    KioskNonce.objects.filter(
        seen_at__lt=timezone.now() - timedelta(seconds=2 * MAX_SKEW_S)
    ).delete()


class KioskSignatureAuthentication(BaseAuthentication):
    """Authenticate a kiosk by its HMAC signature; refuse stale and replayed requests."""

    def authenticate_header(self, request) -> str:
        return 'KioskHMAC realm="sos"'

    def authenticate(self, request):
        meta = request.META
        try:
            length = int(meta.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            raise BodyTooLarge()
        serial = meta.get("HTTP_X_KIOSK_ID", "")
        timestamp = meta.get("HTTP_X_TIMESTAMP", "")
        signature = meta.get("HTTP_X_SIGNATURE", "").lower()
        if not serial or not timestamp or not signature:
            _refuse(
                request,
                serial,
                "missing_headers",
                _("Missing X-Kiosk-Id, X-Timestamp or X-Signature header."),
            )
        # ASCII digits only and at most 12 of them: int() of a 400-digit value would work, but
        # subtracting it from a float overflows (a 500 with no audit entry).
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            _refuse(request, serial, "bad_timestamp", _("X-Timestamp is not a number of seconds."))
        if abs(time.time() - int(timestamp)) > MAX_SKEW_S:
            _refuse(
                request,
                serial,
                "stale_timestamp",
                _("The timestamp is too old or in the future."),
            )
        # An unknown kiosk, a kiosk whose secret cannot be read and a wrong signature get the
        # same answer after the same work (an HMAC over the body): the answer does not tell
        # which serials exist. The audit entry keeps the exact reason.
        kiosk = Kiosk.objects.select_related("station").filter(serial=serial).first()
        secret = kiosk.secret if kiosk is not None else ""
        body = request._request.body
        expected = sign(
            secret or UNKNOWN_KIOSK_SECRET, request.method, request.path, timestamp, body
        )
        signed = hmac.compare_digest(expected, signature)
        if kiosk is None or not secret or not signed:
            code = (
                "unknown_kiosk" if kiosk is None else "no_secret" if not secret else "bad_signature"
            )
            _refuse(request, serial, code, kiosk=kiosk)
        if kiosk.retired_at is not None:
            _refuse(request, serial, "retired_kiosk", _("This kiosk is retired."), kiosk)
        try:
            with transaction.atomic():
                KioskNonce.objects.create(kiosk=kiosk, signature=signature)
        except IntegrityError:
            _refuse(
                request, serial, "replay", _("This request was already received (replay)."), kiosk
            )
        _purge_old_nonces()
        return KioskDevice(kiosk), None
