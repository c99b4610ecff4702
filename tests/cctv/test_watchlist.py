"""Watchlist entries and enrollment photos (items 2 and 3 of the issue)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cctv import services
from cctv.models import EnrollmentPhoto, WatchlistEntry
from smartzone.models import AuditEntry
from tests.cctv import faces
from tests.cctv.conftest import make_entry

# These tests read the messages; they check the English text (Thai is the default).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_the_requester_cannot_approve_their_own_entry(station, supervisor):
    entry = make_entry(station, supervisor)
    services.enrollment_photo_add(
        actor=supervisor, entry=entry, filename="a.jpg", data=faces.jpeg(faces.person_a())
    )
    with pytest.raises(PermissionDenied):
        services.watchlist_entry_approve(actor=supervisor, entry=entry)
    entry.refresh_from_db()
    assert entry.status == WatchlistEntry.Status.PENDING
    assert not WatchlistEntry.objects.matchable().exists()


def test_an_officer_cannot_approve(station, supervisor, officer):
    entry = make_entry(station, supervisor)
    with pytest.raises(PermissionDenied):
        services.watchlist_entry_approve(actor=officer, entry=entry)


def test_another_supervisor_approves_and_it_is_audited(station, supervisor, entry_a):
    assert entry_a.status == WatchlistEntry.Status.APPROVED
    assert entry_a.approved_by_id != entry_a.requested_by_id
    assert list(WatchlistEntry.objects.matchable()) == [entry_a]
    assert AuditEntry.objects.filter(
        action="watchlist.approved", object_id=str(entry_a.pk)
    ).exists()


def test_a_wanted_entry_needs_a_legal_basis(station, supervisor):
    with pytest.raises(ValidationError) as info:
        services.watchlist_entry_create(
            actor=supervisor,
            station=station,
            name="X",
            category="wanted",
            valid_until=timezone.localdate() + timedelta(days=10),
        )
    assert "legal_basis" in info.value.message_dict


def test_an_entry_is_valid_for_at_most_ninety_days(station, supervisor):
    with pytest.raises(ValidationError) as info:
        make_entry(station, supervisor, days=91)
    assert "valid_until" in info.value.message_dict
    assert not WatchlistEntry.objects.exists()


def test_a_photo_without_a_face_is_refused_naming_the_photo_and_reason(station, supervisor):
    entry = make_entry(station, supervisor)
    with pytest.raises(ValidationError) as info:
        services.enrollment_photo_add(
            actor=supervisor, entry=entry, filename="coffee.jpg", data=faces.jpeg(faces.no_face())
        )
    message = info.value.message_dict["image"][0]
    assert "coffee.jpg" in message and "no face" in message
    assert not EnrollmentPhoto.objects.exists()


def test_a_photo_with_two_faces_is_refused_naming_the_photo_and_reason(
    station, supervisor, private_root
):
    entry = make_entry(station, supervisor)
    with pytest.raises(ValidationError) as info:
        services.enrollment_photo_add(
            actor=supervisor, entry=entry, filename="pair.jpg", data=faces.jpeg(faces.two_faces())
        )
    message = info.value.message_dict["image"][0]
    assert "pair.jpg" in message and "2 faces" in message
    assert not EnrollmentPhoto.objects.exists()
    assert not (private_root / "cctv" / "enrollment").exists()


def test_a_file_that_is_not_an_image_is_refused(station, supervisor):
    entry = make_entry(station, supervisor)
    with pytest.raises(ValidationError) as info:
        services.enrollment_photo_add(
            actor=supervisor, entry=entry, filename="x.jpg", data=b"not an image"
        )
    assert "x.jpg" in info.value.message_dict["image"][0]


def test_a_photo_with_one_face_stores_its_embedding(station, supervisor):
    entry = make_entry(station, supervisor)
    photo = services.enrollment_photo_add(
        actor=supervisor, entry=entry, filename="a.jpg", data=faces.jpeg(faces.person_a())
    )
    assert photo.vector.shape == (128,)
    assert photo.image.storage.exists(photo.image.name)
