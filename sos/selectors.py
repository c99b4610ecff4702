"""Reads of the sos app."""

from smartzone import access
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
