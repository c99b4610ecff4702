"""Demo data: SOS kiosks around the Indochina market of Mukdahan."""

from smartzone.models import Station
from sos import services
from sos.models import Kiosk

KIOSKS = [
    ("MDH-SOS-01", "ตู้ SOS ตลาดอินโดจีน", 16.5453, 104.7248),
    ("MDH-SOS-02", "ตู้ SOS ตลาดไนท์บาซาร์", 16.5436, 104.7236),
    ("MDH-SOS-03", "ตู้ SOS ท่าเรือมุกดาหาร", 16.5469, 104.7262),
]


def seed() -> list[str]:
    """Create the demo kiosks that do not exist yet (looked up by serial)."""
    station = Station.objects.get(code="mukdahan-city")
    lines = []
    for serial, name, lat, lng in KIOSKS:
        if Kiosk.objects.filter(serial=serial).exists():
            continue
        services.kiosk_create(
            actor="seed_demo", station=station, name=name, serial=serial, lat=lat, lng=lng
        )
        lines.append(f"SOS kiosk {serial} ({name})")
    return lines
