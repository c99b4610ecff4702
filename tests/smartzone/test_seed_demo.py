import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from smartzone.models import AuditEntry, Event, Landmark, OfficerProfile, SafetyZone, Station


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Station,
            SafetyZone,
            Landmark,
            OfficerProfile,
            AuditEntry,
            Event,
            get_user_model(),
        )
    }


@pytest.mark.django_db
def test_running_the_demo_twice_leaves_the_same_rows(capsys):
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    out = capsys.readouterr().out
    assert "0 rows created" in out
    assert "officer-mukdahan-2026" in out  # it says how to log in


@pytest.mark.django_db
def test_the_demo_looks_like_the_mukdahan_pilot():
    call_command("seed_demo")
    zone = SafetyZone.objects.get()
    assert zone.station.name == "สถานีตำรวจภูธรเมืองมุกดาหาร"
    assert zone.area_km2 == pytest.approx(0.42, rel=0.01)
    assert zone.perimeter_km == pytest.approx(3.59, rel=0.01)
    assert zone.residents == 2367
    kinds = list(Landmark.objects.values_list("kind", flat=True))
    assert kinds.count("gold_shop") >= 12
    assert {"market", "government"} <= set(kinds)
    assert Landmark.objects.filter(zone=zone).count() == len(kinds)  # all inside the zone
    roles = set(OfficerProfile.objects.values_list("role", flat=True))
    assert roles == {"officer", "supervisor"}
    assert get_user_model().objects.filter(is_superuser=True).count() == 1


@pytest.mark.django_db
def test_the_zone_page_shows_area_and_boundary_length(client):
    call_command("seed_demo")
    client.login(username="officer", password="officer-mukdahan-2026")
    zone = SafetyZone.objects.get()
    page = client.get(f"/zones/{zone.pk}/").content.decode()
    assert f"{zone.area_km2:.3f} km²" in page
    assert f"{zone.perimeter_km:.3f} km" in page
