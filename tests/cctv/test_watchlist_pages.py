"""Changing a watchlist entry after its request: photos only while pending; reject, revoke and
renew pages for supervisors (lawful use)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from cctv import services
from cctv.models import EnrollmentPhoto, WatchlistEntry
from smartzone.models import AuditEntry
from tests.cctv import faces
from tests.cctv.conftest import make_entry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def second_client(second_supervisor):
    client = Client()
    client.force_login(second_supervisor)
    return client


def test_a_photo_cannot_be_added_to_an_approved_entry(entry_a, second_supervisor, private_root):
    before = set(EnrollmentPhoto.objects.values_list("pk", flat=True))
    with pytest.raises(ValidationError) as info:
        services.enrollment_photo_add(
            actor=second_supervisor,
            entry=entry_a,
            filename="other.jpg",
            data=faces.jpeg(faces.person_b()),
        )
    message = info.value.message_dict["image"][0]
    assert "other.jpg" in message and "waits for approval" in message
    assert set(EnrollmentPhoto.objects.values_list("pk", flat=True)) == before
    assert AuditEntry.objects.filter(action="watchlist.photo_added").count() == 1


def test_the_entry_page_refuses_a_photo_for_an_approved_entry_and_offers_no_form(
    second_client, entry_a
):
    page = second_client.get(f"/cctv/watchlist/{entry_a.pk}/")
    assert page.status_code == 200 and 'name="photo"' not in page.content.decode()
    response = second_client.post(
        f"/cctv/watchlist/{entry_a.pk}/",
        {"photo": SimpleUploadedFile("b.jpg", faces.jpeg(faces.person_b()))},
    )
    assert response.status_code == 400
    assert "b.jpg" in str(response.context["form"].errors["photo"])
    assert entry_a.photos.count() == 1


def test_a_pending_entry_takes_another_photo_on_its_page(supervisor_client, station, supervisor):
    entry = make_entry(station, supervisor)
    response = supervisor_client.post(
        f"/cctv/watchlist/{entry.pk}/",
        {"photo": SimpleUploadedFile("a.jpg", faces.jpeg(faces.person_a()))},
    )
    assert response.status_code == 302
    assert entry.photos.count() == 1


def test_another_supervisor_revokes_an_entry_with_a_reason_and_it_is_no_longer_matched(
    second_client, second_supervisor, entry_a
):
    refused = second_client.post(f"/cctv/watchlist/{entry_a.pk}/revoke/", {"note": ""})
    assert refused.status_code == 400 and "note" in refused.context["status_form"].errors
    response = second_client.post(
        f"/cctv/watchlist/{entry_a.pk}/revoke/", {"note": "ศาลเพิกถอนหมายจับ"}
    )
    assert response.status_code == 302
    entry_a.refresh_from_db()
    assert entry_a.status == WatchlistEntry.Status.REVOKED
    assert not WatchlistEntry.objects.matchable().exists()
    audit = AuditEntry.objects.get(action="watchlist.revoked", object_id=str(entry_a.pk))
    assert audit.actor == second_supervisor and audit.changes["note"] == "ศาลเพิกถอนหมายจับ"


def test_a_pending_entry_is_rejected_and_cannot_be_revoked_or_renewed(
    second_client, station, supervisor, second_supervisor
):
    entry = make_entry(station, supervisor)
    assert (
        second_client.post(f"/cctv/watchlist/{entry.pk}/revoke/", {"note": "x"}).status_code == 400
    )
    response = second_client.post(f"/cctv/watchlist/{entry.pk}/reject/", {"note": "ไม่มีหมาย"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == WatchlistEntry.Status.REJECTED
    # Renewing must not approve a rejected entry by the back door.
    with pytest.raises(ValidationError) as info:
        services.watchlist_entry_renew(
            actor=second_supervisor,
            entry=entry,
            valid_until=timezone.localdate() + timedelta(days=10),
        )
    assert "status" in info.value.message_dict
    entry.refresh_from_db()
    assert entry.status == WatchlistEntry.Status.REJECTED


def test_renewal_keeps_the_ninety_day_cap_and_is_audited(second_client, second_supervisor, entry_a):
    today = timezone.localdate()
    too_far = second_client.post(
        f"/cctv/watchlist/{entry_a.pk}/renew/",
        {"valid_until": (today + timedelta(days=91)).isoformat()},
    )
    assert too_far.status_code == 400
    assert "valid_until" in too_far.context["renew_form"].errors
    past = second_client.post(
        f"/cctv/watchlist/{entry_a.pk}/renew/",
        {"valid_until": (today - timedelta(days=1)).isoformat()},
    )
    assert past.status_code == 400
    new_date = today + timedelta(days=90)
    response = second_client.post(
        f"/cctv/watchlist/{entry_a.pk}/renew/", {"valid_until": new_date.isoformat()}
    )
    assert response.status_code == 302
    entry_a.refresh_from_db()
    assert entry_a.valid_until == new_date and entry_a.approved_by == second_supervisor
    assert AuditEntry.objects.filter(action="watchlist.renewed", actor=second_supervisor).exists()


def test_the_requester_cannot_renew_and_an_officer_gets_no_action(
    supervisor_client, officer, supervisor, entry_a
):
    officer_client = Client()
    officer_client.force_login(officer)
    date = (timezone.localdate() + timedelta(days=60)).isoformat()
    response = supervisor_client.post(f"/cctv/watchlist/{entry_a.pk}/renew/", {"valid_until": date})
    assert response.status_code == 400
    with pytest.raises(PermissionDenied):
        services.watchlist_entry_renew(
            actor=supervisor, entry=entry_a, valid_until=timezone.localdate()
        )
    for action in ("reject", "revoke", "renew"):
        post = officer_client.post(
            f"/cctv/watchlist/{entry_a.pk}/{action}/", {"note": "x", "valid_until": date}
        )
        assert post.status_code == 403
    entry_a.refresh_from_db()
    assert entry_a.status == WatchlistEntry.Status.APPROVED
    assert entry_a.valid_until != timezone.localdate() + timedelta(days=60)
