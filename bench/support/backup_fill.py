"""Not a bench: fills the bench database (bench/backup.py runs this in `manage.py shell`):
one station, one report made by the services, then EVENTS events, REPORTS reports and PHOTOS
photo files and rows copied from it with generate_series. Prints a JSON object of what is
there."""

import json
import os

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from incidents import services as incidents
from incidents.models import Category, Report, ReportPhoto
from smartzone import services
from smartzone.demo import ZONE_BOUNDARY
from smartzone.models import Event, SafetyZone, Station
from tests.incidents.conftest import jpeg_bytes

EVENTS, REPORTS = int(os.environ["EVENTS"]), int(os.environ["REPORTS"])
PHOTOS, PHOTO_KB = int(os.environ["PHOTOS"]), int(os.environ["PHOTO_KB"])


def columns(model, replace: dict) -> tuple[str, str]:
    """Return the columns of MODEL but id, and what to select for each (REPLACE or a copy)."""
    cols = [f.column for f in model._meta.concrete_fields if f.column != "id"]
    return ", ".join(f'"{c}"' for c in cols), ", ".join(replace.get(c, f't."{c}"') for c in cols)


station = services.station_save(
    actor="bench",
    station=Station(code="mukdahan", name="สภ.เมืองมุกดาหาร", lat=16.5466, lng=104.7233),
)
services.zone_save(
    actor="bench",
    zone=SafetyZone(station=station, name="ตลาดอินโดจีน", boundary=ZONE_BOUNDARY),
)
report, _ = incidents.report_submit(
    kind="report",
    category=Category.objects.get(code="theft"),
    description="กระเป๋าถูกขโมย ตลาดอินโดจีน",
    lat=16.5447,
    lng=104.7256,
    photos=[SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg")],
)
photo = ReportPhoto.objects.filter(report=report).first()
folder = os.path.dirname(photo.file.path)
names = []
for i in range(PHOTOS - 1):
    name = f"bench-{i:06d}.jpg"
    with open(os.path.join(folder, name), "wb") as out:
        out.write(os.urandom(PHOTO_KB * 1024))  # incompressible, like a JPEG
    names.append(os.path.join(os.path.dirname(photo.file.name), name))

with connection.cursor() as cur:
    cols, values = columns(Event, {})
    cur.execute(
        f"INSERT INTO smartzone_event ({cols}) SELECT {values} FROM smartzone_event t, "  # noqa: S608
        "generate_series(1, %s) WHERE t.id = (SELECT MIN(id) FROM smartzone_event)",
        [EVENTS],
    )
    unique = {
        "tracking_code": "'B' || lpad(g::text, 7, '0')",  # unique, 8 characters
        "idempotency_key": "NULL",
    }
    cols, values = columns(Report, unique)
    cur.execute(
        f"INSERT INTO incidents_report ({cols}) SELECT {values} FROM incidents_report t, "  # noqa: S608
        "generate_series(1, %s) g WHERE t.id = %s",
        [REPORTS - 1, report.pk],
    )
    first = "(SELECT MIN(id) FROM incidents_report) + n.i"
    cols, values = columns(ReportPhoto, {"file": "n.name", "report_id": first})
    cur.execute(
        f"INSERT INTO incidents_reportphoto ({cols}) SELECT {values} "  # noqa: S608
        "FROM incidents_reportphoto t, unnest(%s::text[]) WITH ORDINALITY AS n(name, i) "
        "WHERE t.id = %s",
        [names, photo.pk],
    )
    cur.execute("ANALYZE")
    cur.execute("SELECT pg_database_size(current_database())")
    size = cur.fetchone()[0]
counts = {
    "events": Event.objects.count(),
    "reports": Report.objects.count(),
    "photos": ReportPhoto.objects.count(),
    "db_bytes": size,
}
print(json.dumps(counts))
