"""Face matches in the duty desk's queue: candidates waiting for an officer's review."""

from django.urls import reverse
from django.utils.translation import gettext as _

from cctv.models import FaceMatch
from smartzone import registry

QUEUE_LIMIT = 20


def queue_items(station_id: int) -> list[registry.QueueItem]:
    """The station's newest candidate matches (at most QUEUE_LIMIT), oldest first, with the
    cameras and help around the camera that saw them."""
    candidates = (
        FaceMatch.objects.filter(station_id=station_id, status=FaceMatch.Status.CANDIDATE)
        .select_related("entry", "camera")
        .order_by("-created_at")[:QUEUE_LIMIT]
    )
    items = []
    for match in reversed(candidates):
        camera = match.camera
        nearby = ()
        if camera is not None:
            nearby = registry.queue_nearby(station_id=station_id, lat=camera.lat, lng=camera.lng)
        items.append(
            registry.QueueItem(
                kind="match",
                id=match.pk,
                kind_label=_("Face match"),
                title=match.entry.name,
                detail=f"{camera.code} {camera.name}" if camera else "",
                state=match.status,
                state_label=match.get_status_display(),
                since=match.created_at.isoformat(),
                url=reverse("cctv:match_review", args=[match.pk]),
                lat=camera.lat if camera else None,
                lng=camera.lng if camera else None,
                nearby=nearby,
            )
        )
    return items
