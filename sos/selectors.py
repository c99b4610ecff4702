"""Reads of the sos app."""

from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from smartzone import access, registry
from sos.models import Kiosk, SosEvent


def open_sos_for(user):
    return access.scope(
        SosEvent.objects.exclude(state=SosEvent.State.CLOSED).select_related("kiosk"), user
    ).order_by("received_at")


def sos_list_for(user):
    return access.scope(SosEvent.objects.select_related("kiosk"), user).order_by("-received_at")


def kiosks_for(user):
    """The kiosks USER may manage, retired ones included (the supervisors' page)."""
    return access.scope(Kiosk.objects.all(), user)


def active_kiosks_for(user):
    """The kiosks in service that USER may see (the dashboard map)."""
    return kiosks_for(user).filter(retired_at__isnull=True)


def queue_items(station_id: int) -> list[registry.QueueItem]:
    """The station's SOS waiting for acknowledgement, escalated first, then oldest first, each
    with its nearest help and the desk's actions (acknowledge; acknowledge and send the nearest
    officer on shift)."""
    waiting = (
        SosEvent.objects.filter(station_id=station_id, state=SosEvent.State.RECEIVED)
        .select_related("kiosk")
        .order_by(F("escalated_at").asc(nulls_last=True), "received_at")
    )
    items = []
    for sos in waiting:
        # A phone SOS may have no position yet: no help can be ranked until it has one.
        nearby = (
            registry.queue_nearby(station_id=station_id, lat=sos.lat, lng=sos.lng)
            if sos.lat is not None
            else ()
        )
        acknowledge = (reverse("sos-open-acknowledge", args=[sos.pk]), {})
        actions = [registry.QueueAction("acknowledge", _("Acknowledge"), (acknowledge,))]
        officer = registry.nearest_officer(nearby)
        if officer is not None:
            send = (reverse("sos-open-dispatch", args=[sos.pk]), {"officers": [officer["id"]]})
            label = _("Acknowledge and send %(name)s (%(distance)d m)") % {
                "name": officer["name"],
                "distance": officer["distance_m"],
            }
            actions.append(registry.QueueAction("dispatch", label, (acknowledge, send)))
        items.append(
            registry.QueueItem(
                kind="sos",
                id=sos.pk,
                kind_label=_("SOS"),
                title=sos.kiosk.name if sos.kiosk else _("SOS from a phone"),
                detail=sos.message,
                state=sos.state,
                state_label=_("escalated") if sos.escalated_at else sos.get_state_display(),
                since=sos.received_at.isoformat(),
                url=reverse("sos:detail", args=[sos.pk]),
                lat=sos.lat,
                lng=sos.lng,
                phone=sos.callback_phone,
                escalated=sos.escalated_at is not None,
                nearby=nearby,
                actions=tuple(actions),
            )
        )
    return items
