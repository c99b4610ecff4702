"""Demo patrol of the Mukdahan zone: red-box points at the gold shops, the markets and the
community lanes, and one night shift for the demo officer. Through the services; looked up by
natural key, so a second run writes nothing."""

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from patrol import services
from patrol.models import PatrolPoint, PatrolShift
from smartzone.demo import ACTOR, GOLD_SHOPS
from smartzone.models import Station

Kind = PatrolPoint.Kind

POINTS = [
    *[
        (f"ตู้แดง ร้านทอง ตลาดอินโดจีน ล็อก {i + 1}", Kind.GOLD_SHOP, *GOLD_SHOPS[i], 60)
        for i in (0, 3, 6, 9, 12)
    ],
    ("ตู้แดง ตลาดอินโดจีน", Kind.MARKET, 16.5447, 104.7258, 120),
    ("ตู้แดง ถนนคนเดิน ตลาดไนท์บาซาร์", Kind.MARKET, 16.5418, 104.7252, 120),
    ("ตู้แดง ธนาคาร สาขาตลาดอินโดจีน", Kind.BANK, 16.5438, 104.7248, 180),
    ("ตู้แดง ท่าเรือมุกดาหาร", Kind.PIER, 16.5486, 104.7262, 180),
    ("ตู้แดง ซอยริมโขง", Kind.LANE, 16.5400, 104.7258, 120),
    ("ตู้แดง ซอยวัดศรีมงคลใต้", Kind.LANE, 16.5460, 104.7255, 120),
    ("ตู้แดง ซอยชุมชนศรีมงคล", Kind.LANE, 16.5474, 104.7253, 120),
]
SHIFT_NAME = "สายตรวจตู้แดง ผลัดกลางคืน (ตัวอย่าง)"


def seed() -> list[str]:
    """Create what is missing of the demo patrol; return lines saying what was created."""
    created = []
    station = Station.objects.get(code="mukdahan-city")
    existing = {p.name: p for p in PatrolPoint.objects.filter(station=station)}
    plan = {}
    for name, kind, lat, lng, every in POINTS:
        point = existing.get(name)
        if point is None:
            point = services.point_save(
                actor=ACTOR,
                point=PatrolPoint(station=station, name=name, kind=kind, lat=lat, lng=lng),
            )
            created.append(f"patrol point {name} ({point.short_id})")
        plan[point] = every
    officer = get_user_model().objects.filter(username="officer").first()
    if officer and not PatrolShift.objects.filter(station=station, name=SHIFT_NAME).exists():
        # Tonight 20:00 to 04:00, so the demo shows a shift on duty in the evening.
        starts = timezone.make_aware(datetime.combine(timezone.localdate(), time(20)))
        shift = services.shift_plan(
            actor=ACTOR,
            station=station,
            name=SHIFT_NAME,
            starts_at=starts,
            ends_at=starts + timedelta(hours=8),
            officers=[officer],
            plan=plan,
        )
        created.append(f"patrol shift {shift.name}")
    return created
