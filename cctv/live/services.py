"""Who may watch a camera live, where the relay connects, and the viewing audit.

Each viewing writes two audit entries on the camera: `camera.live_view.started` when the
picture is asked for and `camera.live_view.ended` when the viewer leaves, both carrying the
viewing's id, the viewer and the time it started (the end also when it ended).
"""

import logging
import uuid
from datetime import datetime
from urllib.parse import quote

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cctv.camera_io import SnapshotError, stream_check
from cctv.live.relay import Source
from cctv.models import Camera
from smartzone import access
from smartzone.audit import audit_append
from smartzone.models import AuditEntry

log = logging.getLogger(__name__)
STARTED, ENDED = "camera.live_view.started", "camera.live_view.ended"


def live_refusal(camera: Camera) -> str:
    """Return why CAMERA may not be watched live by anyone, or ""."""
    if camera.live_view_blocked:
        return _("A supervisor closed this camera to live viewing: %(reason)s") % {
            "reason": camera.live_view_blocked_reason
        }
    if camera.status == Camera.Status.DISABLED:
        return _("The camera is disabled.")
    if not camera.stream_url:
        return _("The camera has no stream address.")
    return ""


def live_camera_for(user, camera_id: int) -> tuple[Camera | None, str]:
    """Return (camera, "") if USER may watch it live, else (None or the camera, the reason)."""
    if not access.is_officer(user):
        return None, _("Log in as an officer to watch the cameras.")
    camera = Camera.objects.filter(pk=camera_id).select_related("station").first()
    if camera is None or not access.can_see_station(user, camera.station_id):
        return None, _("Not found.")
    reason = live_refusal(camera)
    return (camera, reason) if reason else (camera, "")


def live_source(camera_id: int) -> Source:
    """Return what the relay opens for the camera now: its URL once the address passed the
    checks of smartzone.net, or the reason it may not be opened."""
    camera = Camera.objects.filter(pk=camera_id).first()
    if camera is None:
        return Source("", refused=_("Not found."))
    if reason := live_refusal(camera):
        return Source("", refused=reason)
    try:
        url = stream_check(camera)
    except SnapshotError as exc:
        return Source("", refused=exc.reason)
    password = camera.password
    return Source(url, secrets=(password, quote(password, safe="")) if password else ())


def live_view_start(*, actor, camera: Camera, client: str = "") -> dict:
    """Record that ACTOR started watching CAMERA; return the viewing (id, started_at)."""
    viewing = {"viewing": uuid.uuid4().hex, "started_at": timezone.now()}
    with transaction.atomic():
        audit_append(
            actor=actor,
            action=STARTED,
            obj=camera,
            changes={
                "viewing": viewing["viewing"],
                "from": viewing["started_at"],
                "client": client,
            },
        )
    return viewing


def live_view_end(*, actor, camera: Camera, viewing: dict, ended_by: str = "") -> None:
    """Record that the viewing VIEWING (from live_view_start) of CAMERA ended now; ENDED_BY
    says why if the server ended it ("live_view_blocked": a supervisor closed the camera)."""
    ended = timezone.now()
    changes = {
        "viewing": viewing["viewing"],
        "from": viewing["started_at"],
        "to": ended,
        "seconds": round((ended - viewing["started_at"]).total_seconds()),
    }
    if ended_by:
        changes["ended_by"] = ended_by
    with transaction.atomic():
        audit_append(actor=actor, action=ENDED, obj=camera, changes=changes)


def viewers_group(camera_id: int) -> str:
    """The channel-layer group of the sockets watching the camera live (all processes)."""
    return f"cctv-live-viewers-{camera_id}"


def live_viewers_refuse(camera: Camera) -> None:
    """After CAMERA was saved: if it may no longer be watched live, close its viewers now
    (every process on the channel layer), showing them why. Call once the save committed."""
    reason = live_refusal(camera)
    if not reason:
        return
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "live.refused", "reason": reason, "ended_by": "live_view_blocked"}
    if not camera.live_view_blocked:
        message["ended_by"] = "camera_unavailable"
    try:
        async_to_sync(layer.group_send)(viewers_group(camera.pk), message)
    except Exception as exc:  # the channel layer is down: viewers stop at their reconnect
        log.warning("camera %s: could not close its live viewers: %s", camera.pk, exc)


def camera_viewings(camera: Camera, limit: int = 500) -> list[dict]:
    """The camera's viewings, newest first: who, from, to (None while watching or if the server
    stopped before the end was written)."""
    entries = AuditEntry.objects.filter(
        object_type=camera._meta.label_lower, object_id=str(camera.pk), action__in=[STARTED, ENDED]
    ).order_by("-pk")[: limit * 2]
    ends = {e.changes.get("viewing"): e for e in entries if e.action == ENDED}
    rows = []
    for entry in entries:
        if entry.action != STARTED:
            continue
        end = ends.get(entry.changes.get("viewing"))
        rows.append(
            {
                "who": entry.actor_label,
                "from": datetime.fromisoformat(entry.changes["from"]),
                "to": datetime.fromisoformat(end.changes["to"]) if end else None,
                "seconds": end.changes.get("seconds") if end else None,
                "client": entry.changes.get("client", ""),
            }
        )
    return rows[:limit]
