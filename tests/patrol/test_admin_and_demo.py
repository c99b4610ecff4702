"""Admin writes go through the services; the demo seeds the Mukdahan patrol once."""

import pytest
from django.core.management import call_command

from patrol.models import PatrolPoint, PatrolShift
from patrol.tokens import make_token
from smartzone.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize(
    "model", ["patrolpoint", "patrolshift", "checkin", "missedvisit", "officerposition"]
)
def test_admin_lists_every_patrol_model(admin_client_, model, point):
    assert admin_client_.get(f"/admin/patrol/{model}/").status_code == 200


def test_a_point_added_in_admin_is_audited_and_renewing_its_code_voids_the_old(
    admin_client_, station
):
    response = admin_client_.post(
        "/admin/patrol/patrolpoint/add/",
        {
            "station": station.pk,
            "name": "ตู้แดง โรงเรียน",
            "kind": "school",
            "lat": "16.55",
            "lng": "104.725",
            "radius_m": "50",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    point = PatrolPoint.objects.get(name="ตู้แดง โรงเรียน")
    assert AuditEntry.objects.filter(
        action="patrol_point.created", object_id=str(point.pk)
    ).exists()
    old = make_token(point)
    admin_client_.post(
        "/admin/patrol/patrolpoint/",
        {"action": "rotate_codes", "_selected_action": [point.pk]},
    )
    point.refresh_from_db()
    assert make_token(point) != old
    assert AuditEntry.objects.filter(action="patrol_point.code_renewed").count() == 1


def test_the_demo_seeds_points_and_a_shift_once(capsys):
    call_command("seed_demo")
    points = PatrolPoint.objects.filter(station__code="mukdahan-city")
    kinds = set(points.values_list("kind", flat=True))
    assert points.count() == 12 and {"gold_shop", "market", "lane"} <= kinds
    shift = PatrolShift.objects.get()
    assert shift.plan.count() == 12 and shift.officers.get().username == "officer"
    call_command("seed_demo")
    assert PatrolPoint.objects.count() == 12 and PatrolShift.objects.count() == 1
    zone = shift.station.zones.get()
    assert all(zone.contains(p.lat, p.lng) for p in points)
