"""Demo cameras of the Mukdahan pilot: 61 identifying cameras at 18 sites along the zone.

Positions follow the strip of the Sri Mongkol Yod Kaew zone by the Mekong (smartzone.demo);
names are made up. Their addresses are example addresses (192.0.2.0/24, a documentation range
no device answers in): the health check marks them offline at once, saying they are examples to
replace with the real ones; no CAMERA_NETWORKS setting is needed for the demo, and none waits.
"""

from cctv import services
from cctv.models import Camera, CameraSite
from smartzone.models import Station

ACTOR = "system:seed_demo"
DEMO_NETWORK_PREFIX = "192.0.2."  # RFC 5737 TEST-NET-1
OLD_PLACEHOLDER = "rtsp://10.61."  # earlier demos' private addresses (probed as "not allowed")
SITE_NAMES = [
    "ท่าเรือมุกดาหาร",  # Mukdahan pier
    "โรงเรียนชุมชนศรีมงคล",  # Community school
    "ถนนสำราญชายโขง เหนือ",  # Samran Chai Khong Rd north
    "วัดศรีมงคลใต้",  # Wat Si Mongkhon Tai
    "ซอยตลาดอินโดจีน 1",  # Indochina market lane 1
    "ตลาดอินโดจีน ประตูเหนือ",  # Indochina market north gate
    "ตลาดอินโดจีน กลางตลาด",  # Indochina market centre
    "ตลาดอินโดจีน ประตูใต้",  # Indochina market south gate
    "แถวร้านทอง ด้านเหนือ",  # Gold shops north
    "แถวร้านทอง ด้านใต้",  # Gold shops south
    "ธนาคาร สาขาตลาดอินโดจีน",  # Bank branch
    "ลานจอดรถตลาด",  # Market car park
    "ถนนคนเดิน ต้นทาง",  # Walking street start
    "ถนนคนเดิน กลางทาง",  # Walking street middle
    "ถนนคนเดิน ปลายทาง",  # Walking street end
    "แยกถนนพิทักษ์พนมเขต",  # Phithak Phanom Khet junction
    "ศูนย์ราชการ",  # Government centre
    "ถนนสำราญชายโขง ใต้",  # Samran Chai Khong Rd south
]
ADDRESS = "ต.มุกดาหาร อ.เมืองมุกดาหาร จ.มุกดาหาร"
LAT_NORTH, LAT_SOUTH = 16.5510, 16.5385
MAKES = [("Hikvision", "DS-2CD2T47G2"), ("Dahua", "IPC-HFW2441S"), ("Uniview", "IPC2124LE")]


def _sites() -> list[tuple[str, float, float, int]]:
    rows = []
    for i, name in enumerate(SITE_NAMES):
        lat = LAT_NORTH - i * (LAT_NORTH - LAT_SOUTH) / (len(SITE_NAMES) - 1)
        lng = 104.7252 + (0.0008 if i % 2 else 0.0)
        cameras = 4 if i < 7 else 3  # 7 x 4 + 11 x 3 = 61
        rows.append((name, round(lat, 6), round(lng, 6), cameras))
    return rows


def seed() -> list[str]:
    """Create the missing demo sites and cameras; return lines saying what was created."""
    created: list[str] = []
    station = Station.objects.filter(code="mukdahan-city").first()
    if station is None:
        return created
    number = 0
    for s, (name, lat, lng, count) in enumerate(_sites()):
        site = CameraSite.objects.filter(station=station, name=name).first()
        if site is None:
            site = services.camera_site_save(
                actor=ACTOR,
                site=CameraSite(station=station, name=name, lat=lat, lng=lng, address=ADDRESS),
            )
            created.append(f"camera site {name}")
        for k in range(count):
            number += 1
            code = f"mdh-{number:02d}"
            host = f"{DEMO_NETWORK_PREFIX}{number}"  # number 1..61: one /24
            stream_url = f"rtsp://{host}:554/Streaming/Channels/101"
            snapshot_url = f"http://{host}/ISAPI/Streaming/channels/101/picture"
            existing = Camera.objects.filter(station=station, code=code).first()
            if existing is not None:
                if existing.stream_url.startswith(OLD_PLACEHOLDER):  # an earlier demo's
                    existing.stream_url, existing.snapshot_url = stream_url, snapshot_url
                    services.camera_save(actor=ACTOR, camera=existing)
                    created.append(f"camera {code}: example address")
                continue
            make, model = MAKES[number % len(MAKES)]
            services.camera_save(
                actor=ACTOR,
                camera=Camera(
                    station=station,
                    site=site,
                    code=code,
                    name=f"{name} กล้อง {k + 1}",
                    lat=round(lat + (k - 1.5) * 0.00004, 6),
                    lng=round(lng + (k % 2) * 0.00004, 6),
                    direction_deg=float((k * 90 + s * 20) % 360),
                    fov_deg=90.0 if k % 2 else 60.0,
                    range_m=35.0,
                    stream_url=stream_url,
                    snapshot_url=snapshot_url,
                    make=make,
                    model=model,
                ),
            )
            created.append(f"camera {code}")
    return created
