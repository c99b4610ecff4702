"""Signed QR tokens of patrol points.

A token is "<point id>-<station id>-<nonce>" signed with the project's secret under its own
salt, so no other signed value of the project passes for one. Rotating a point's nonce voids
every code printed before.
"""

from django.core import signing
from django.utils.translation import gettext as _

from patrol.models import PatrolPoint

SALT = "patrol.checkin.v1"
_signer = signing.Signer(salt=SALT)


class CheckInRefused(Exception):
    """A check-in (or its code) was refused; str() says why, for the officer.

    CODE names the reason for programs and tests; STATUS is the HTTP status to answer with.
    """

    def __init__(self, message: str, *, code: str, status: int = 400):
        super().__init__(message)
        self.message, self.code, self.status = message, code, status


TokenError = CheckInRefused


def make_token(point: PatrolPoint) -> str:
    return _signer.sign(f"{point.pk}-{point.station_id}-{point.token_nonce}")


def point_for_token(token: str) -> PatrolPoint:
    """Return the active point TOKEN was issued for, or raise TokenError saying why not.

    This checks the code only; whether the officer may use it (station) is the caller's part.
    """
    try:
        value = _signer.unsign(token)
        point_id, station_id, nonce = value.split("-", 2)
        point_id, station_id = int(point_id), int(station_id)
    except (signing.BadSignature, ValueError):
        raise TokenError(
            _(
                "This QR code is not valid: it was not issued by this system or it was "
                "altered. Check in only with the code posted at the point."
            ),
            code="forged",
        ) from None
    point = PatrolPoint.objects.select_related("station").filter(pk=point_id).first()
    if point is None or point.station_id != station_id:
        raise TokenError(_("This QR code's patrol point no longer exists."), code="unknown_point")
    if nonce != point.token_nonce:
        raise TokenError(
            _(
                "This QR code of %(point)s was replaced by a new one and no longer works. "
                "Use the new code posted at the point."
            )
            % {"point": point.name},
            code="rotated",
        )
    if not point.active:
        raise TokenError(
            _("The patrol point %(point)s is no longer in use.") % {"point": point.name},
            code="inactive",
        )
    return point
