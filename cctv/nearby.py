"""The "look at cameras" action: video analysis jobs for the cameras around an SOS or report."""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from cctv.analysis import job_create
from cctv.models import AnalysisJob, Camera
from smartzone import memo, registry

LOOK_RADIUS_M = 200
LOOK_HALF_WINDOW = timedelta(minutes=5)


def _station_cameras(station_id: int) -> list[tuple]:
    cameras = Camera.objects.filter(station_id=station_id)
    return list(cameras.values_list("pk", "name", "lat", "lng"))


# Where the station's cameras are, read on every SOS and report.
_cameras = memo.Memo(_station_cameras, watch=(Camera,))


def nearby_cameras(station_id: int, lat: float, lng: float, radius_m: float):
    """The registry's "camera" provider: the station's cameras within RADIUS_M."""
    return registry.items_within("camera", _cameras.get(station_id), lat, lng, radius_m)


def cameras_look(
    *,
    actor,
    station_id: int,
    source: str,
    at: datetime,
    lat: float,
    lng: float,
    purpose: str,
    radius_m: float = LOOK_RADIUS_M,
) -> list[AnalysisJob]:
    """Create a WINDOW job over AT ± 5 minutes for each of the station's cameras with a stream
    within RADIUS_M of (LAT, LNG) that has none yet for SOURCE (e.g. "sos:12"); return the new
    jobs. Call inside a transaction holding the lock of SOURCE's row: a second call creates
    nothing (and the unique (camera, source) constraint stops a caller that does not lock)."""
    found = registry.find_nearby(
        station_id=station_id, lat=lat, lng=lng, radius_m=radius_m, limit=1000, kinds=["camera"]
    )
    ids = [item.id for item in found.get("camera", [])]
    cameras = (
        Camera.objects.filter(pk__in=ids, station_id=station_id)
        .exclude(stream_url="")
        .exclude(status=Camera.Status.DISABLED)
        .exclude(jobs__source=source)
        .select_related("station")
        .order_by("code")
    )
    created = []
    for camera in cameras:
        try:
            with transaction.atomic():
                job = job_create(
                    actor=actor,
                    station=camera.station,
                    kind=AnalysisJob.Kind.WINDOW,
                    purpose=purpose,
                    camera=camera,
                    window_start=at - LOOK_HALF_WINDOW,
                    window_end=at + LOOK_HALF_WINDOW,
                )
                job.source = source
                job.save(update_fields=["source"])
        except IntegrityError:  # another request made this camera's job first
            continue
        created.append(job)
    return created
