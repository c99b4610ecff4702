"""Demo reports around the Indochina market: a few citizen reports and tip-offs in different
states, filed and worked through the services. Each is found again by its text and place, so a
second run writes nothing. They carry no idempotency key: a key written in this public file
would be a known key."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import F

from incidents import services
from incidents.models import Category, Report

ACTOR = "system:seed_demo"

# (label, kind, category code, description, lat, lng, anonymous, steps)
REPORTS = [
    (
        "demo-report-1",
        Report.Kind.REPORT,
        "theft",
        "กระเป๋าสตางค์ถูกล้วงบริเวณแผงขายผ้า ตลาดอินโดจีน",
        16.5446,
        104.7256,
        False,
        ["triaged", "dispatched", "on_scene", "resolved"],
    ),
    (
        "demo-report-2",
        Report.Kind.TIP_OFF,
        "drugs",
        "มีการซื้อขายยาเสพติดหลังร้านอาหารริมโขงช่วงดึก",
        16.5469,
        104.7259,
        True,
        ["triaged"],
    ),
    (
        "demo-report-3",
        Report.Kind.REPORT,
        "traffic-accident",
        "รถจักรยานยนต์ชนกันหน้าถนนคนเดิน มีผู้บาดเจ็บเล็กน้อย",
        16.5419,
        104.7253,
        False,
        [],
    ),
    (
        "demo-report-4",
        Report.Kind.REPORT,
        "disturbance",
        "เสียงดังทะเลาะวิวาทหน้าร้านคาราโอเกะ",
        16.5560,
        104.7300,
        False,
        [],
    ),
]


# A few reports at Mukdahan's district stations (smartzone/demo.py), last week: the province
# commander's comparison (whose default is the last complete week) has more than one station.
# Triaged at most: the demo has no officer at those stations to dispatch.
DISTRICT_REPORTS = [
    (
        "demo-district-don-tan-1",
        Report.Kind.REPORT,
        "theft",
        "รถจักรยานยนต์หายหน้าตลาดสดดอนตาล",
        16.3180,
        104.9170,
        False,
        ["triaged"],
    ),
    (
        "demo-district-don-tan-2",
        Report.Kind.REPORT,
        "disturbance",
        "วัยรุ่นขับรถเสียงดังริมถนนเลียบโขง บ้านดอนตาล",
        16.3165,
        104.9190,
        False,
        ["triaged"],
    ),
    (
        "demo-district-khamcha-i-1",
        Report.Kind.REPORT,
        "traffic-accident",
        "รถกระบะชนท้ายรถเก๋งบนทางหลวงหมายเลข 12 ใกล้อำเภอคำชะอี",
        16.5610,
        104.3600,
        False,
        ["triaged"],
    ),
    (
        "demo-district-khamcha-i-2",
        Report.Kind.TIP_OFF,
        "drugs",
        "มีคนแปลกหน้ามาส่งของที่บ้านร้างท้ายหมู่บ้านทุกคืน",
        16.5630,
        104.3580,
        True,
        [],
    ),
    (
        "demo-district-wan-yai-1",
        Report.Kind.REPORT,
        "theft",
        "ของในรถถูกงัดบริเวณลานจอดรถริมโขง หว้านใหญ่",
        16.7130,
        104.7390,
        False,
        ["triaged"],
    ),
]
REPORTS = REPORTS + DISTRICT_REPORTS
DISTRICT_LABELS = {row[0] for row in DISTRICT_REPORTS}
# How long ago the district reports were filed: within the last complete week.
DISTRICT_DAYS_AGO = 7


def seed() -> list[str]:
    """Create the demo reports that are missing; return lines saying what was created."""
    created = []
    officer = get_user_model().objects.filter(username="officer").first()
    for label, kind, category, text, lat, lng, anonymous, steps in REPORTS:
        if Report.objects.filter(description=text, lat=lat, lng=lng).exists():
            continue
        category_row = Category.objects.filter(code=category).first()
        if category_row is None:
            continue
        report, _created = services.report_submit(
            kind=kind,
            category=category_row,
            description=text,
            lat=lat,
            lng=lng,
            anonymous=anonymous,
            reporter_name="" if anonymous else "สมชาย ใจดี",
            reporter_phone="" if anonymous else "081 234 5678",
        )
        for step in steps:
            if step == "dispatched" and officer is None:
                break
            services.report_transition(
                actor=ACTOR,
                report_id=report.pk,
                to_state=step,
                officer_id=officer.pk if step == "dispatched" else None,
                note="demo",
            )
        if "resolved" in steps:
            services.report_update_add(
                actor=ACTOR,
                report_id=report.pk,
                text="เจ้าหน้าที่ติดตามคืนกระเป๋าสตางค์ได้แล้ว ขอบคุณที่แจ้งเหตุ",
                public=True,
            )
        if label in DISTRICT_LABELS:
            _back_date(report, days=DISTRICT_DAYS_AGO)
        created.append(f"report {report.display_code} ({category}, {len(steps)} steps)")
    return created


def _back_date(report: Report, *, days: int) -> None:
    """Demo only: move REPORT and its steps DAYS back, as if filed then (the audit entries keep
    the time they were written)."""
    fields = ("created_at", "triaged_at", "dispatched_at", "on_scene_at", "resolved_at")
    Report.objects.filter(pk=report.pk).update(
        **{field: F(field) - timedelta(days=days) for field in fields}  # NULL stays NULL
    )
