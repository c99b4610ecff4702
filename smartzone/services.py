"""Writes of the core app: stations, zones, landmarks, officers.

Every write runs in one transaction, validates with full_clean, appends an audit entry and
records an outbox event, as in ../shared/DESIGN.md "How data flows". Admin and the demo
command call these too.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import models, transaction
from django.forms.models import model_to_dict

from smartzone import access
from smartzone.audit import audit_append
from smartzone.models import Commander, Landmark, OfficerProfile, SafetyZone, Station
from smartzone.outbox import event_record

# Fields whose values stay out of the audit trail (secrets) or are too bulky to repeat there.
AUDIT_SKIP_FIELDS = {"password", "boundary"}


def _snapshot(instance: models.Model) -> dict:
    return {k: v for k, v in model_to_dict(instance).items() if k not in AUDIT_SKIP_FIELDS}


def _diff(before: dict, after: dict) -> dict:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def zone_payload(zone: SafetyZone) -> dict:
    return {
        "id": zone.pk,
        "name": zone.name,
        "area_km2": round(zone.area_km2, 4),
        "perimeter_km": round(zone.perimeter_km, 4),
        "boundary": zone.boundary,
    }


def landmark_payload(landmark: Landmark) -> dict:
    return {
        "id": landmark.pk,
        "name": landmark.name,
        "kind": landmark.kind,
        "kind_label": str(landmark.get_kind_display()),
        "lat": landmark.lat,
        "lng": landmark.lng,
    }


def officer_payload(profile: OfficerProfile) -> dict:
    return {"id": profile.pk, "username": profile.user.get_username(), "role": profile.role}


def _save(
    *,
    actor,
    instance,
    entity: str,
    payload,
    station_of=lambda obj: obj.station,
    changed: dict | None = None,
):
    """Validate and save INSTANCE, audit it and tell its station. Call inside a transaction."""
    creating = instance._state.adding
    before = {} if creating else _snapshot(type(instance).objects.get(pk=instance.pk))
    instance.full_clean()
    instance.save()
    after = _snapshot(instance)
    action = f"{entity}.created" if creating else f"{entity}.updated"
    station = station_of(instance)
    audit_append(
        actor=actor,
        action=action,
        obj=instance,
        station=station,
        changes={"after": after} if creating else _diff(before, after) | (changed or {}),
    )
    event_record(station=station, kind=action, payload=payload(instance))
    return instance


# --- stations ---------------------------------------------------------------------------------


@transaction.atomic
def station_save(*, actor, station: Station) -> Station:
    """Create or update a station (admins, through admin or the demo command)."""
    return _save(
        actor=actor,
        instance=station,
        entity="station",
        payload=lambda s: {"id": s.pk, "name": s.name},
        station_of=lambda s: s,
    )


# --- zones and landmarks -------------------------------------------------------------------


@transaction.atomic
def zone_save(*, actor, zone: SafetyZone) -> SafetyZone:
    """Create or update a safety zone; its area and boundary length are computed from it."""
    access.require_station(actor, zone.station_id)
    changed = {}
    if zone.pk and SafetyZone.objects.get(pk=zone.pk).boundary != zone.boundary:
        changed["boundary"] = "changed"
    return _save(actor=actor, instance=zone, entity="zone", payload=zone_payload, changed=changed)


@transaction.atomic
def landmark_save(*, actor, landmark: Landmark) -> Landmark:
    """Create or update a landmark; it is placed in the station's zone it lies in."""
    access.require_station(actor, landmark.station_id)
    if landmark.zone_id is None:
        landmark.zone = next(
            (z for z in landmark.station.zones.all() if z.contains(landmark.lat, landmark.lng)),
            None,
        )
    return _save(actor=actor, instance=landmark, entity="landmark", payload=landmark_payload)


@transaction.atomic
def model_delete(*, actor, instance: models.Model, station: Station | None) -> None:
    """Delete a core object (admin), auditing what it was."""
    label, pk, snapshot = instance._meta.model_name, instance.pk, _snapshot(instance)
    audit_append(
        actor=actor,
        action=f"{label}.deleted",
        obj=instance,
        station=station,
        changes={"before": snapshot},
    )
    instance.delete()
    if station is not None and label != "station":
        event_record(station=station, kind=f"{label}.deleted", payload={"id": pk})


# --- officers ---------------------------------------------------------------------------------


@transaction.atomic
def officer_create(
    *,
    actor,
    username: str,
    password: str,
    station: Station,
    role: str = OfficerProfile.Role.OFFICER,
    first_name: str = "",
    last_name: str = "",
    rank: str = "",
    badge_number: str = "",
) -> OfficerProfile:
    """Create a login for an officer of STATION with ROLE."""
    user_model = get_user_model()
    user = user_model(username=username, first_name=first_name, last_name=last_name)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    profile = OfficerProfile(
        user=user, station=station, role=role, rank=rank, badge_number=badge_number
    )
    return _save(actor=actor, instance=profile, entity="officer", payload=officer_payload)


@transaction.atomic
def officer_profile_save(*, actor, profile: OfficerProfile) -> OfficerProfile:
    """Create or update an officer's role and station (admin)."""
    return _save(
        actor=actor,
        instance=profile,
        station=profile.station,
        entity="officer",
        payload=officer_payload,
    )


@transaction.atomic
def superuser_create(*, actor, username: str, password: str) -> None:
    """Create an admin login (all stations, Django admin)."""
    user = get_user_model()(username=username, is_staff=True, is_superuser=True)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    audit_append(
        actor=actor, action="admin.created", obj=user, changes={"after": {"username": username}}
    )


@transaction.atomic
def commander_save(*, actor, commander: Commander) -> Commander:
    """Create or change a commander above the stations (admins, in the admin): the user, the
    role and the province. Audited; no station's outbox hears of it (a commander has none)."""
    creating = commander._state.adding
    before = {} if creating else _snapshot(Commander.objects.get(pk=commander.pk))
    commander.full_clean()
    commander.save()
    after = _snapshot(commander)
    audit_append(
        actor=actor,
        action="commander.created" if creating else "commander.updated",
        obj=commander,
        changes={"after": after} if creating else _diff(before, after),
    )
    return commander


@transaction.atomic
def commander_create(
    *, actor, username: str, password: str, role: str, province: str = ""
) -> Commander:
    """Create a login for a commander above the stations: ROLE "province" (the stations of
    PROVINCE) or "programme" (every station). Commanders read; they act on nothing."""
    user_model = get_user_model()
    user = user_model(username=username)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    commander = Commander(user=user, role=role, province=province)
    commander.full_clean()
    commander.save()
    audit_append(
        actor=actor,
        action="commander.created",
        obj=commander,
        changes={"after": {"username": username, "role": role, "province": commander.province}},
    )
    return commander
