"""Writes of the patrol app: points and their codes, check-ins, shifts, positions, misses.

Every write runs in one transaction with its audit entry and outbox event
(../shared/DESIGN.md "How data flows").
"""

import math
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from io import BytesIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from patrol import selectors
from patrol.models import (
    CheckIn,
    MissedVisit,
    OfficerPosition,
    PatrolPoint,
    PatrolShift,
    ShiftPoint,
    new_token_nonce,
)
from patrol.tokens import CheckInRefused, point_for_token
from smartzone import access, geo
from smartzone.audit import audit_append
from smartzone.outbox import event_record
from smartzone.services import _diff, _snapshot

# How much of a phone's reported accuracy is allowed for: beyond this a vague fix would let
# anyone anywhere check in.
MAX_ACCURACY_ALLOWANCE_M = 50.0
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000
PHOTO_MAX_SIDE = 2048
# How far back the miss detector looks at shifts that already ended.
MISS_LOOKBACK = timedelta(hours=24)

try:  # Phones send HEIC photos; pillow-heif teaches Pillow to decode them.
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover
    pass


def _is_person(actor) -> bool:
    return actor is not None and not isinstance(actor, str)


def _require_supervisor_of(actor, station) -> None:
    if _is_person(actor):
        access.require_supervisor(actor)
    access.require_station(actor, station)


def _officer_name(user) -> str:
    return user.get_full_name() or user.get_username()


# --- payloads ------------------------------------------------------------------------------


def point_payload(point: PatrolPoint) -> dict:
    return {
        "id": point.pk,
        "point": point.pk,
        "name": point.name,
        "short_id": point.short_id,
        "kind": point.kind,
        "kind_label": str(point.get_kind_display()),
        "lat": point.lat,
        "lng": point.lng,
        "radius_m": point.radius_m,
        "active": point.active,
    }


def checkin_payload(checkin: CheckIn) -> dict:
    return {
        "id": checkin.pk,
        "checkin": checkin.pk,
        "name": f"{checkin.point.name} · {_officer_name(checkin.officer)}",
        "point": checkin.point_id,
        "point_name": checkin.point.name,
        "officer": checkin.officer_id,
        "officer_name": _officer_name(checkin.officer),
        "shift": checkin.shift_id,
        "lat": checkin.lat,
        "lng": checkin.lng,
        "accuracy_m": round(checkin.accuracy_m, 1),
        "distance_m": round(checkin.distance_m, 1),
        "away": checkin.away_from_point,
        "away_reason": checkin.away_reason,
        "checked_at": checkin.checked_at.isoformat(),
        "url": reverse("patrol:checkin-done", args=[checkin.pk]),
    }


def position_payload(position: OfficerPosition) -> dict:
    # No top-level lat/lng: a moving officer is one marker moved by patrol/dashboard.js, not a
    # new marker per report.
    return {
        "officer": position.officer_id,
        "officer_name": _officer_name(position.officer),
        "shift": position.shift_id,
        "position": {"lat": position.lat, "lng": position.lng},
        "accuracy_m": round(position.accuracy_m, 1),
        "reported_at": position.reported_at.isoformat(),
        "ends_at": position.shift.ends_at.isoformat(),
    }


def shift_payload(shift: PatrolShift) -> dict:
    return {
        "id": shift.pk,
        "shift": shift.pk,
        "name": shift.name,
        "starts_at": shift.starts_at.isoformat(),
        "ends_at": shift.ends_at.isoformat(),
        "officers": sorted(shift.officers.values_list("pk", flat=True)),
    }


# --- points --------------------------------------------------------------------------------


@transaction.atomic
def point_save(*, actor, point: PatrolPoint) -> PatrolPoint:
    """Create or update a patrol point (supervisors of its station, admins, the demo)."""
    _require_supervisor_of(actor, point.station_id)
    creating = point._state.adding
    before = {} if creating else _snapshot(PatrolPoint.objects.get(pk=point.pk))
    point.full_clean()
    point.save()
    after = _snapshot(point)
    action = "patrol_point.created" if creating else "patrol_point.updated"
    audit_append(
        actor=actor,
        action=action,
        obj=point,
        changes={"after": after} if creating else _diff(before, after),
    )
    event_record(station=point.station, kind=action, payload=point_payload(point))
    return point


@transaction.atomic
def point_rotate_token(*, actor, point: PatrolPoint) -> PatrolPoint:
    """Give the point a new QR code; every code printed before stops working."""
    point = PatrolPoint.objects.select_for_update().get(pk=point.pk)
    _require_supervisor_of(actor, point.station_id)
    point.token_nonce = new_token_nonce()
    point.token_rotated_at = timezone.now()
    point.save(update_fields=["token_nonce", "token_rotated_at"])
    audit_append(actor=actor, action="patrol_point.code_renewed", obj=point)
    event_record(
        station=point.station, kind="patrol_point.code_renewed", payload=point_payload(point)
    )
    return point


# --- check-ins -----------------------------------------------------------------------------


def _clean_photo(upload) -> ContentFile:
    """Decode the upload as an image and return it re-encoded as JPEG, without its metadata."""
    if upload.size > MAX_PHOTO_BYTES:
        raise ValidationError(
            {"photo": _("The photo is larger than %(mb)d MB.") % {"mb": MAX_PHOTO_BYTES >> 20}}
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            if image.width * image.height > MAX_PHOTO_PIXELS:
                raise ValidationError({"photo": _("The photo has too many pixels.")})
            image.load()
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            out = BytesIO()
            image.save(out, "JPEG", quality=85)
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            {"photo": _("The photo could not be read as an image (JPEG, PNG, HEIC).")}
        ) from None
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


def _clean_position(lat, lng, accuracy_m) -> tuple[float, float, float]:
    try:
        lat, lng, accuracy_m = float(lat), float(lng), float(accuracy_m)
    except (TypeError, ValueError):
        raise ValidationError(
            {"lat": _("The phone's position is missing: allow location access and try again.")}
        ) from None
    try:
        geo.check_lat_lng(lat, lng)
    except geo.GeometryError as exc:
        raise ValidationError({"lat": str(exc)}) from None
    if not math.isfinite(accuracy_m) or accuracy_m < 0:
        raise ValidationError({"accuracy_m": _("The accuracy must be a number of metres.")})
    return lat, lng, accuracy_m


@transaction.atomic
def checkin_record(
    *,
    actor,
    token: str,
    lat,
    lng,
    accuracy_m,
    note: str = "",
    photo=None,
    away_reason: str = "",
    expected_point: str | None = None,
    at: datetime | None = None,
) -> CheckIn:
    """Record ACTOR's check-in at the point of the QR TOKEN.

    Raise CheckInRefused (nothing written) for a bad, replaced or foreign code, a code of
    another point than EXPECTED_POINT (the short id the page showed), or a position outside
    the point's radius (allowing for the accuracy) unless AWAY_REASON is given, in which case
    the check-in is kept flagged "away from point". Raise ValidationError for bad input.
    """
    if not access.is_officer(actor):
        raise PermissionDenied(_("Only police officers check in at patrol points."))
    point = point_for_token(token)
    if not access.can_see_station(actor, point.station_id):
        raise CheckInRefused(
            _(
                "This QR code belongs to a patrol point of another station. Check in only at "
                "your own station's points."
            ),
            code="other_station",
            status=403,
        )
    if expected_point and expected_point != point.short_id:
        raise CheckInRefused(
            _(
                "This QR code belongs to %(point)s (%(short_id)s), not to the point you opened "
                "(%(expected)s). Scan the code posted at the point you are at."
            )
            % {"point": point.name, "short_id": point.short_id, "expected": expected_point},
            code="other_point",
        )
    lat, lng, accuracy_m = _clean_position(lat, lng, accuracy_m)
    distance = geo.distance_m(lat, lng, point.lat, point.lng)
    away_reason = (away_reason or "").strip()
    away = distance - min(accuracy_m, MAX_ACCURACY_ALLOWANCE_M) > point.radius_m
    if away and not away_reason:
        raise CheckInRefused(
            _(
                "You are %(distance)d m from %(point)s; a check-in counts within %(radius)d m "
                "(±%(accuracy)d m accuracy). Move closer, or give a reason to check in away "
                "from the point."
            )
            % {
                "distance": round(distance),
                "point": point.name,
                "radius": point.radius_m,
                "accuracy": round(accuracy_m),
            },
            code="too_far",
        )
    at = at or timezone.now()
    checkin = CheckIn(
        station=point.station,
        officer=actor,
        point=point,
        shift=selectors.shift_for_checkin(officer=actor, point=point, at=at),
        checked_at=at,
        lat=lat,
        lng=lng,
        accuracy_m=accuracy_m,
        distance_m=distance,
        note=(note or "").strip(),
        away_from_point=away,
        away_reason=away_reason if away else "",
    )
    if photo:
        checkin.photo = _clean_photo(photo)
    checkin.full_clean()
    checkin.save()
    audit_append(
        actor=actor,
        action="patrol.checkin",
        obj=checkin,
        station=point.station,
        changes={
            "point": point.pk,
            "lat": lat,
            "lng": lng,
            "accuracy_m": accuracy_m,
            "distance_m": round(distance, 1),
            "away_from_point": away,
            "away_reason": checkin.away_reason,
            "photo": bool(checkin.photo),
        },
    )
    event_record(station=point.station, kind="patrol.checkin", payload=checkin_payload(checkin))
    return checkin


# --- shifts --------------------------------------------------------------------------------


@transaction.atomic
def shift_plan(
    *,
    actor,
    station,
    name: str,
    starts_at: datetime,
    ends_at: datetime,
    officers: Iterable,
    plan: Mapping[PatrolPoint, int],
    shift: PatrolShift | None = None,
) -> PatrolShift:
    """Create (or with SHIFT, replan) a shift: its officers, time window and the points with
    how often each must be visited (PLAN maps a point to minutes)."""
    _require_supervisor_of(actor, station)
    officers = list(officers)
    errors = {}
    for user in officers:
        profile = access.profile_of(user)
        if profile is None or profile.station_id != getattr(station, "pk", station):
            errors["officers"] = _("%(user)s is not an officer of this station.") % {
                "user": user.get_username()
            }
    for point in plan:
        if point.station_id != getattr(station, "pk", station):
            errors["points"] = _("%(point)s belongs to another station.") % {"point": point.name}
    if not plan:
        errors["points"] = _("Choose at least one point and how often to visit it.")
    if not officers:
        errors["officers"] = _("Choose at least one officer.")
    creating = shift is None
    if creating:
        shift = PatrolShift(station=station)
    else:
        shift = PatrolShift.objects.select_for_update().get(pk=shift.pk)
        if shift.station_id != getattr(station, "pk", station):
            raise PermissionDenied(_("This belongs to another station."))
    before = {} if creating else _shift_snapshot(shift)
    shift.name, shift.starts_at, shift.ends_at = name, starts_at, ends_at
    try:
        shift.full_clean()
    except ValidationError as exc:
        errors |= exc.message_dict
    if errors:
        raise ValidationError(errors)
    if shift.end_announced_at is not None and shift.ends_at > shift.end_announced_at:
        # The end was announced, but the shift now ends after that announcement: tell the
        # dashboards again when the new end passes.
        shift.end_announced_at = None
    shift.save()
    shift.officers.set(officers)
    shift.plan.all().delete()
    for point, minutes in plan.items():
        row = ShiftPoint(shift=shift, point=point, interval_minutes=minutes)
        row.full_clean(exclude=["shift"])
        row.save()
    after = _shift_snapshot(shift)
    action = "patrol_shift.planned" if creating else "patrol_shift.updated"
    audit_append(
        actor=actor,
        action=action,
        obj=shift,
        changes={"after": after} if creating else _diff(before, after),
    )
    event_record(station=shift.station, kind=action, payload=shift_payload(shift))
    return shift


@transaction.atomic
def shift_advice_apply(
    *, actor, shift_id: int, since: datetime, until: datetime, now: datetime | None = None
) -> PatrolShift:
    """Set each point of the shift to the interval the patrol advice over [SINCE, UNTIL)
    suggests (patrol.selectors.suggest_interval). Only a supervisor of the shift's station, and
    only for a shift not yet over; needs incident data."""
    now = now or timezone.now()
    if _is_person(actor):
        access.require_supervisor(actor)
        shift = access.get_for_user(PatrolShift.objects.all(), actor, lock=True, pk=shift_id)
    else:
        shift = PatrolShift.objects.select_for_update().get(pk=shift_id)
    if shift.ends_at <= now:
        raise ValidationError({"shift": _("This shift is over; plan a coming one.")})
    ranked = selectors.advice(station=shift.station, since=since, until=until, now=now)
    if not ranked:
        raise ValidationError({"shift": _("There is no incident data to advise on yet.")})
    suggested = {row.point.pk: row.suggested_interval for row in ranked}
    before = _shift_snapshot(shift)
    changed = []
    for row in shift.plan.select_for_update():
        minutes = suggested.get(row.point_id)
        if minutes is not None and minutes != row.interval_minutes:
            row.interval_minutes = minutes
            row.full_clean()
            row.save(update_fields=["interval_minutes"])
            changed.append(row.point_id)
    after = _shift_snapshot(shift)
    audit_append(
        actor=actor,
        action="patrol_shift.advice_applied",
        obj=shift,
        changes=_diff(before, after)
        | {"advice_since": since.isoformat(), "advice_until": until.isoformat()},
    )
    event_record(
        station=shift.station,
        kind="patrol_shift.updated",
        payload=shift_payload(shift) | {"advice_applied": sorted(changed)},
    )
    return shift


def _shift_snapshot(shift: PatrolShift) -> dict:
    return {
        "name": shift.name,
        "starts_at": shift.starts_at.isoformat(),
        "ends_at": shift.ends_at.isoformat(),
        "officers": sorted(shift.officers.values_list("pk", flat=True)),
        "plan": {str(r.point_id): r.interval_minutes for r in shift.plan.order_by("point_id")},
    }


# --- positions -----------------------------------------------------------------------------


@transaction.atomic
def position_report(*, actor, lat, lng, accuracy_m, at: datetime | None = None) -> OfficerPosition:
    """Record where ACTOR is now; refused (PermissionDenied) outside the officer's shift."""
    if not access.is_officer(actor):
        raise PermissionDenied(_("Only police officers share their position."))
    at = at or timezone.now()
    shift = selectors.active_shift_of(officer=actor, at=at)
    if shift is None:
        raise PermissionDenied(
            _("You are not on a patrol shift now, so your position is not shared.")
        )
    lat, lng, accuracy_m = _clean_position(lat, lng, accuracy_m)
    position = OfficerPosition(
        officer=actor, shift=shift, lat=lat, lng=lng, accuracy_m=accuracy_m, reported_at=at
    )
    position.full_clean()
    position.save()
    # Positions are not audited one by one (every few seconds); the rows are the record.
    event_record(
        station=shift.station, kind="patrol.position", payload=position_payload(position), text=""
    )
    return position


# --- periodic: misses and ended shifts -----------------------------------------------------


def missed_visits_detect(*, now: datetime | None = None) -> list[int]:
    """Record and alert each visit window that ended without a check-in; return new miss ids.

    Idempotent: a miss is one (shift, point, due) row under a unique constraint, so running
    twice (or two workers at once) alerts once.
    """
    now = now or timezone.now()
    created = []
    for shift_point, start, due in selectors.due_windows(now=now, lookback=MISS_LOOKBACK):
        if selectors.visited(point_id=shift_point.point_id, start=start, end=due):
            continue
        miss_id = _miss_record(shift_point=shift_point, due=due)
        if miss_id:
            created.append(miss_id)
    return created


def _miss_record(*, shift_point: ShiftPoint, due: datetime) -> int | None:
    try:
        with transaction.atomic():
            miss, fresh = MissedVisit.objects.get_or_create(
                shift_id=shift_point.shift_id, point_id=shift_point.point_id, due_at=due
            )
            if not fresh:
                return None
            point, shift = shift_point.point, shift_point.shift
            audit_append(
                actor="system:patrol",
                action="patrol.missed",
                obj=miss,
                station=shift.station_id,
                changes={"shift": shift.pk, "point": point.pk, "due_at": due.isoformat()},
            )
            event_record(
                station=shift.station,
                kind="patrol.missed",
                payload={
                    "id": miss.pk,
                    "name": point.name,
                    "point": point.pk,
                    "shift": shift.pk,
                    "shift_name": shift.name,
                    "lat": point.lat,
                    "lng": point.lng,
                    "due_at": due.isoformat(),
                    "interval_minutes": shift_point.interval_minutes,
                },
            )
            return miss.pk
    except IntegrityError:  # another worker recorded it first
        return None


def shifts_end_announce(*, now: datetime | None = None) -> list[int]:
    """Tell dashboards once about each shift that ended (its officers' markers go)."""
    now = now or timezone.now()
    announced = []
    ended = PatrolShift.objects.filter(
        ends_at__lte=now, ends_at__gt=now - MISS_LOOKBACK, end_announced_at__isnull=True
    ).values_list("pk", flat=True)
    for pk in ended:
        with transaction.atomic():
            shift = (
                PatrolShift.objects.select_for_update()
                .select_related("station")
                .filter(pk=pk, end_announced_at__isnull=True)
                .first()
            )
            if shift is None:
                continue
            shift.end_announced_at = now
            shift.save(update_fields=["end_announced_at"])
            audit_append(actor="system:patrol", action="patrol_shift.ended", obj=shift)
            event_record(
                station=shift.station, kind="patrol.shift_ended", payload=shift_payload(shift)
            )
            announced.append(shift.pk)
    return announced
