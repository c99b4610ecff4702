"""Demo data of the Mukdahan pilot: the station, its safety zone, landmarks and accounts.

Modelled on สภ.เมืองมุกดาหาร's Smart Safety Zone around the Indochina market by the Mekong:
a strip along the river of about 0.42 km² with a boundary of about 3.59 km. Coordinates are
approximate; names of shops are made up for the demo. Every write goes through the services,
and each row is looked up first by its natural key, so a second run writes nothing.
"""

from django.contrib.auth import get_user_model

from smartzone import services
from smartzone.models import Commander, Landmark, OfficerProfile, SafetyZone, Station

ACTOR = "system:seed_demo"

STATION = {
    "code": "mukdahan-city",
    "name": "สถานีตำรวจภูธรเมืองมุกดาหาร",
    "name_en": "Mueang Mukdahan Police Station",
    "province": "มุกดาหาร",
    "phone": "042-611-333",
    "lat": 16.5466,
    "lng": 104.7233,
}

# More of Mukdahan province's stations (real district stations, approximate places), so that the
# province's commander compares several; they have no zone or accounts in the demo, only a few
# reports (incidents/demo.py).
DISTRICT_STATIONS = [
    {
        "code": "mukdahan-don-tan",
        "name": "สถานีตำรวจภูธรดอนตาล",
        "name_en": "Don Tan Police Station",
        "province": "มุกดาหาร",
        "lat": 16.3176,
        "lng": 104.9178,
    },
    {
        "code": "mukdahan-khamcha-i",
        "name": "สถานีตำรวจภูธรคำชะอี",
        "name_en": "Khamcha-i Police Station",
        "province": "มุกดาหาร",
        "lat": 16.5617,
        "lng": 104.3594,
    },
    {
        "code": "mukdahan-wan-yai",
        "name": "สถานีตำรวจภูธรหว้านใหญ่",
        "name_en": "Wan Yai Police Station",
        "province": "มุกดาหาร",
        "lat": 16.7125,
        "lng": 104.7397,
    },
]

ZONE_NAME = "ชุมชนศรีมงคลยอดแก้ว (ตลาดอินโดจีน)"
ZONE_BOUNDARY = {
    "type": "Polygon",
    "coordinates": [
        [
            [104.7268, 16.5378],
            [104.7272, 16.5413],
            [104.7270, 16.5448],
            [104.7267, 16.5483],
            [104.7265, 16.5516],
            [104.7240, 16.5516],
            [104.7242, 16.5468],
            [104.7246, 16.5423],
            [104.7243, 16.5378],
            [104.7268, 16.5378],
        ]
    ],
}

GOLD_SHOPS = [(16.5430 + i * 0.0004, 104.7251 + (i % 3) * 0.0004) for i in range(14)]

LANDMARKS = [
    ("ตลาดอินโดจีน", "Indochina market", Landmark.Kind.MARKET, 16.5447, 104.7258),
    (
        "ถนนคนเดิน ตลาดไนท์บาซาร์",
        "Night market walking street",
        Landmark.Kind.MARKET,
        16.5418,
        104.7252,
    ),
    (
        "ศูนย์ราชการ (ที่ว่าการอำเภอเมืองมุกดาหาร)",
        "Government centre (district office)",
        Landmark.Kind.GOVERNMENT,
        16.5392,
        104.7250,
    ),
    ("วัดศรีมงคลใต้", "Wat Si Mongkhon Tai", Landmark.Kind.TEMPLE, 16.5462, 104.7261),
    ("ท่าเรือมุกดาหาร", "Mukdahan pier", Landmark.Kind.PIER, 16.5486, 104.7262),
    (
        "ธนาคาร สาขาตลาดอินโดจีน",
        "Bank, Indochina market branch",
        Landmark.Kind.BANK,
        16.5438,
        104.7248,
    ),
    ("โรงเรียนชุมชนศรีมงคล", "Si Mongkhon community school", Landmark.Kind.SCHOOL, 16.5500, 104.7250),
] + [
    (
        f"ร้านทอง ตลาดอินโดจีน ล็อก {i + 1}",
        f"Gold shop, Indochina market, unit {i + 1}",
        Landmark.Kind.GOLD_SHOP,
        lat,
        lng,
    )
    for i, (lat, lng) in enumerate(GOLD_SHOPS)
]

# Demo logins: public, for trying the platform out. Change them on a real installation.
ACCOUNTS = [
    ("admin", "admin-mukdahan-2026", "admin"),
    ("supervisor", "supervisor-mukdahan-2026", OfficerProfile.Role.SUPERVISOR),
    ("officer", "officer-mukdahan-2026", OfficerProfile.Role.OFFICER),
    # Above the station: Mukdahan province's commander and the programme (read only).
    ("province", "province-mukdahan-2026", Commander.Role.PROVINCE),
    ("programme", "programme-mukdahan-2026", Commander.Role.PROGRAMME),
]


def seed() -> list[str]:
    """Create what is missing of the demo; return lines saying what was created."""
    created = []
    station = Station.objects.filter(code=STATION["code"]).first()
    if station is None:
        station = services.station_save(actor=ACTOR, station=Station(**STATION))
        created.append(f"station {station.name}")
    for values in DISTRICT_STATIONS:
        if not Station.objects.filter(code=values["code"]).exists():
            district = services.station_save(actor=ACTOR, station=Station(**values))
            created.append(f"station {district.name}")
    if not SafetyZone.objects.filter(station=station, name=ZONE_NAME).exists():
        zone = services.zone_save(
            actor=ACTOR,
            zone=SafetyZone(
                station=station,
                name=ZONE_NAME,
                name_en="Sri Mongkol Yod Kaew community (Indochina market)",
                boundary=ZONE_BOUNDARY,
                residents=2367,
                description="Smart Safety Zone 4.0 pilot area by the Mekong: Indochina market, "
                "night market and more than 12 gold shops.",
            ),
        )
        created.append(f"zone {zone.name}: {zone.area_km2:.3f} km², {zone.perimeter_km:.3f} km")
    existing = set(Landmark.objects.filter(station=station).values_list("name", flat=True))
    for name, name_en, kind, lat, lng in LANDMARKS:
        if name not in existing:
            services.landmark_save(
                actor=ACTOR,
                landmark=Landmark(
                    station=station, name=name, name_en=name_en, kind=kind, lat=lat, lng=lng
                ),
            )
            created.append(f"landmark {name}")
    users = get_user_model().objects
    for username, password, role in ACCOUNTS:
        if users.filter(username=username).exists():
            continue
        if role == "admin":
            services.superuser_create(actor=ACTOR, username=username, password=password)
        elif role in Commander.Role.values:
            province = STATION["province"] if role == Commander.Role.PROVINCE else ""
            services.commander_create(
                actor=ACTOR, username=username, password=password, role=role, province=province
            )
        else:
            services.officer_create(
                actor=ACTOR, username=username, password=password, station=station, role=role
            )
        created.append(f"account {username}")
    return created
