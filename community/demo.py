"""Demo data of the Mukdahan pilot's community side: the partner network, one network meeting
with its decisions, and about 50 LINE followers (made-up ids). Idempotent, through services.

No LINE channel is created: its secret and token are real credentials, entered in the admin.
"""

from datetime import date

from django.contrib.auth import get_user_model

from community import network_services, services
from community.models import Decision, Follower, Meeting, Partner
from smartzone.models import Landmark, SafetyZone, Station

ACTOR = "system:seed_demo"
STATION_CODE = "mukdahan-city"

# name, kind, contact person, phone, landmark name (or None), lat, lng
PARTNERS = [
    (
        "สมาคมผู้ค้าทองคำมุกดาหาร",
        "gold_shop",
        "คุณวิไล ทองดี",
        "042-600-101",
        "ร้านทอง ตลาดอินโดจีน ล็อก 1",
        None,
        None,
    ),
    (
        "สมาคมผู้ค้าตลาดอินโดจีน",
        "market_association",
        "คุณประเสริฐ ค้าขาย",
        "042-600-102",
        "ตลาดอินโดจีน",
        None,
        None,
    ),
    (
        "ชมรมผู้ค้าถนนคนเดินไนท์บาซาร์",
        "market_association",
        "คุณสมพร ใจงาม",
        "042-600-103",
        "ถนนคนเดิน ตลาดไนท์บาซาร์",
        None,
        None,
    ),
    (
        "ธนาคาร สาขาตลาดอินโดจีน",
        "bank",
        "ผู้จัดการสาขา",
        "042-600-104",
        "ธนาคาร สาขาตลาดอินโดจีน",
        None,
        None,
    ),
    ("ธนาคาร สาขาถนนสำราญชายโขง", "bank", "ผู้จัดการสาขา", "042-600-105", None, 16.5425, 104.7249),
    (
        "โรงเรียนชุมชนศรีมงคล",
        "school",
        "ผู้อำนวยการโรงเรียน",
        "042-600-106",
        "โรงเรียนชุมชนศรีมงคล",
        None,
        None,
    ),
    ("โรงเรียนมุกดาวิทยานุกูล", "school", "ฝ่ายกิจการนักเรียน", "042-600-107", None, 16.5475, 104.7205),
    (
        "เทศบาลเมืองมุกดาหาร",
        "local_government",
        "ปลัดเทศบาล",
        "042-611-000",
        "ศูนย์ราชการ (ที่ว่าการอำเภอเมืองมุกดาหาร)",
        None,
        None,
    ),
    ("ชุมชนศรีมงคลยอดแก้ว", "other", "ประธานชุมชน", "042-600-108", None, 16.5460, 104.7255),
]

MEETING = {
    "title": "ประชุมเครือข่าย Smart Safety Zone ครั้งที่ 3/2569",
    "date": date(2026, 11, 10),
    "place": "ห้องประชุม สภ.เมืองมุกดาหาร",
    "minutes": (
        "1. สรุปเหตุในพื้นที่ตลาดอินโดจีนเดือนตุลาคม: ลักทรัพย์ 3 ราย วิ่งราว 1 ราย\n"
        "2. กล้อง CCTV บริเวณลานจอดรถริมโขงใช้งานไม่ได้ 2 ตัว\n"
        "3. ร้านทองขอให้เพิ่มรอบสายตรวจตู้แดงช่วงปิดร้าน 19.00-20.00 น."
    ),
}
DECISIONS = [
    ("ซ่อมกล้อง CCTV ลานจอดรถริมโขง 2 ตัว", "เทศบาลเมืองมุกดาหาร", date(2026, 11, 30)),
    ("เพิ่มรอบสายตรวจตู้แดงช่วงร้านทองปิด 19.00-20.00 น.", "สภ.เมืองมุกดาหาร", date(2026, 11, 20)),
    ("ประชาสัมพันธ์ LINE OA ของสถานีให้ผู้ค้าในตลาดเพิ่มเพื่อน", "สมาคมผู้ค้าตลาดอินโดจีน", date(2026, 12, 15)),
]
FOLLOWERS = 50


def seed() -> list[str]:
    station = Station.objects.filter(code=STATION_CODE).first()
    if station is None:
        return []
    created = []
    landmarks = {lm.name: lm for lm in Landmark.objects.filter(station=station)}
    existing = set(Partner.objects.filter(station=station).values_list("name", flat=True))
    for name, kind, contact, phone, landmark_name, lat, lng in PARTNERS:
        if name in existing:
            continue
        network_services.partner_save(
            actor=ACTOR,
            partner=Partner(
                station=station,
                name=name,
                kind=kind,
                contact_person=contact,
                phone=phone,
                landmark=landmarks.get(landmark_name),
                lat=lat,
                lng=lng,
            ),
        )
        created.append(f"partner {name}")

    partners = list(Partner.objects.filter(station=station).order_by("pk"))
    if not Meeting.objects.filter(station=station, title=MEETING["title"]).exists():
        officers = get_user_model().objects.filter(officer__station=station)
        meeting = network_services.meeting_save(
            actor=ACTOR,
            meeting=Meeting(station=station, **MEETING),
            partners=partners,
            officers=officers,
        )
        for text, owner, due in DECISIONS:
            network_services.decision_save(
                actor=ACTOR,
                decision=Decision(meeting=meeting, text=text, owner=owner, due_date=due),
            )
        created.append(f"meeting {meeting.title} with {len(DECISIONS)} decisions")

    zone = SafetyZone.objects.filter(station=station).order_by("pk").first()
    have = Follower.objects.filter(station=station, line_user_id__startswith="Udemo").count()
    for i in range(have, FOLLOWERS):
        user_id = f"Udemo{i:028x}"
        follower = services.follower_follow(
            station=station, line_user_id=user_id, display_name=f"ผู้ติดตาม {i + 1}"
        )
        if zone and i % 5 != 4:  # most picked the zone from the menu
            services.follower_zone_choose(station=station, line_user_id=user_id, zone_id=zone.pk)
        if i < len(partners):
            services.follower_partner_set(
                actor=ACTOR, follower_id=follower.pk, partner_id=partners[i].pk
            )
    if have < FOLLOWERS:
        created.append(f"{FOLLOWERS - have} LINE followers (demo ids)")
    return created
