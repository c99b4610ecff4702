"""Data-subject requests reach the community app: followers, LINE links, delivery batches and
partners are found by LINE id or phone, and erased so the person is no longer identifiable
while the station's records of what it sent stay."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from community import services
from community.models import (
    ERASED_LINE_ID,
    Broadcast,
    DeliveryBatch,
    Follower,
    Partner,
    SupervisorLineLink,
)
from smartzone import privacy, registry
from smartzone.audit import audit_verify
from smartzone.models import AuditEntry
from smartzone.registry import PersonalDataSource, Subject

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

URL = "/privacy/data-subject/"
LINE_ID = "U4f0c2a9e8b7d6c5b4a39281706f5e4d3"
# Someone else, whose LINE id starts with the subject's: a prefix must not match.
OTHER_ID = LINE_ID + "ab"
THIRD_ID = "U00000000000000000000000000000003"
PHONE = "081-234-5678"
NOTE = "ติดต่อสมชาย ใจดี 081-234-5678 หรือคุณแดง 089-999-9999"


def batch(broadcast, number, recipients, state=DeliveryBatch.State.DELIVERED):
    method = DeliveryBatch.Method.PUSH if len(recipients) == 1 else DeliveryBatch.Method.MULTICAST
    return DeliveryBatch.objects.create(
        broadcast=broadcast, number=number, method=method, recipients=recipients, state=state
    )


@pytest.fixture
def held(station, other_station, zone, supervisor, other_supervisor):
    partner = Partner.objects.create(
        station=station,
        name="ร้านทองแม่ทองคำ",
        kind=Partner.Kind.GOLD_SHOP,
        contact_person="สมชาย ใจดี",
        phone=PHONE,
        note=NOTE,
    )
    other_partner = Partner.objects.create(
        station=station,
        name="สมาคมตลาดอินโดจีน",
        kind=Partner.Kind.MARKET_ASSOCIATION,
        contact_person="แดง",
        phone="089-999-9999",
    )
    follower = services.follower_follow(station=station, line_user_id=LINE_ID, display_name="สมชาย")
    follower.zone, follower.partner = zone, partner
    follower.save(update_fields=["zone", "partner"])
    left_at = timezone.now() - timedelta(days=30)
    away = services.follower_follow(station=other_station, line_user_id=LINE_ID)
    services.follower_unfollow(station=other_station, line_user_id=LINE_ID, at=left_at)
    other_follower = services.follower_follow(
        station=station, line_user_id=OTHER_ID, display_name="แดง"
    )
    other_follower.partner = other_partner
    other_follower.save(update_fields=["partner"])
    link = SupervisorLineLink.objects.create(
        officer=supervisor, line_user_id=LINE_ID, linked_at=timezone.now()
    )
    other_link = SupervisorLineLink.objects.create(
        officer=other_supervisor, line_user_id=OTHER_ID, linked_at=timezone.now()
    )
    sent = Broadcast.objects.create(
        station=station, text="ระวังมิจฉาชีพ", audience="zone", zone=zone, state="sent"
    )
    return {
        "partner": partner,
        "other_partner": other_partner,
        "follower": follower,
        "away": away,
        "away_left_at": Follower.objects.get(pk=away.pk).left_at,
        "other_follower": other_follower,
        "link": link,
        "other_link": other_link,
        "both": batch(sent, 1, [OTHER_ID, LINE_ID, THIRD_ID]),
        "alone": batch(sent, 2, [LINE_ID], state=DeliveryBatch.State.FAILED),
        "others": batch(sent, 3, [OTHER_ID, THIRD_ID]),
    }


def found(subject: Subject) -> dict[str, list[int]]:
    kinds: dict[str, list[int]] = {}
    for record in privacy.subject_find(subject)["community"]:
        kinds.setdefault(record.kind, []).append(record.id)
    return {kind: sorted(ids) for kind, ids in kinds.items()}


def test_a_line_id_finds_followers_links_and_delivery_batches_and_no_one_else(held):
    assert found(Subject(line_user_id=LINE_ID)) == {
        "follower": sorted([held["follower"].pk, held["away"].pk]),
        "supervisor_line_link": [held["link"].pk],
        "delivery_batch": [held["both"].pk, held["alone"].pk],
    }
    assert found(Subject(line_user_id=OTHER_ID)) == {
        "follower": [held["other_follower"].pk],
        "supervisor_line_link": [held["other_link"].pk],
        "delivery_batch": [held["both"].pk, held["others"].pk],
    }


def test_a_phone_finds_the_partner_with_its_contact_and_note(held):
    (record,) = privacy.subject_find(Subject(phone="0812345678"))["community"]
    assert (record.kind, record.id, record.erasable) == ("partner", held["partner"].pk, True)
    assert record.data == {"contact_person": "สมชาย ใจดี", "phone": PHONE, "note": NOTE}


def test_erasing_a_line_id_unlinks_it_everywhere_and_keeps_the_stations_records(
    held, admin_user, zone
):
    erased = privacy.subject_erase(actor=admin_user, subject=Subject(line_user_id=LINE_ID))
    assert erased == {
        "delivery_batch": [held["both"].pk, held["alone"].pk],
        "follower": sorted([held["follower"].pk, held["away"].pk]),
        "supervisor_line_link": [held["link"].pk],
    }

    follower = Follower.objects.get(pk=held["follower"].pk)
    assert follower.line_user_id == f"{ERASED_LINE_ID}:{follower.pk}"
    assert (follower.display_name, follower.partner_id, follower.zone_id) == ("", None, zone.pk)
    assert follower.joined_at == held["follower"].joined_at
    assert follower.left_at is not None and follower.erased
    assert str(follower) == f"Erased LINE follower #{follower.pk}"
    away = Follower.objects.get(pk=held["away"].pk)
    assert away.erased and away.left_at == held["away_left_at"]  # when they left stays

    link = SupervisorLineLink.objects.get(pk=held["link"].pk)
    assert (link.line_user_id, link.linked_at, link.linked) == ("", None, False)

    both = DeliveryBatch.objects.get(pk=held["both"].pk)
    assert both.recipients == [OTHER_ID, ERASED_LINE_ID, THIRD_ID]
    assert (both.recipient_count, both.state) == (3, DeliveryBatch.State.DELIVERED)
    assert DeliveryBatch.objects.get(pk=held["alone"].pk).recipients == [ERASED_LINE_ID]
    assert Broadcast.objects.get(pk=both.broadcast_id).state == Broadcast.State.SENT

    assert found(Subject(line_user_id=LINE_ID)) == {}


def test_erasing_a_line_id_leaves_everyone_elses_data_alone(held, admin_user):
    privacy.subject_erase(actor=admin_user, subject=Subject(line_user_id=LINE_ID))
    other = Follower.objects.get(pk=held["other_follower"].pk)
    assert (other.line_user_id, other.display_name, other.partner_id, other.left_at) == (
        OTHER_ID,
        "แดง",
        held["other_partner"].pk,
        None,
    )
    assert SupervisorLineLink.objects.get(pk=held["other_link"].pk).line_user_id == OTHER_ID
    assert DeliveryBatch.objects.get(pk=held["others"].pk).recipients == [OTHER_ID, THIRD_ID]
    partner = Partner.objects.get(pk=held["partner"].pk)
    assert (partner.phone, partner.note) == (PHONE, NOTE)  # asked by LINE id, not by phone
    assert found(Subject(line_user_id=OTHER_ID)) == {
        "follower": [held["other_follower"].pk],
        "supervisor_line_link": [held["other_link"].pk],
        "delivery_batch": [held["both"].pk, held["others"].pk],
    }


def test_erasing_a_phone_blanks_the_partners_contact_and_their_part_of_the_note(held, admin_user):
    erased = privacy.subject_erase(actor=admin_user, subject=Subject(phone="0812345678"))
    assert erased == {"partner": [held["partner"].pk]}
    partner = Partner.objects.get(pk=held["partner"].pk)
    assert (partner.name, partner.kind) == ("ร้านทองแม่ทองคำ", Partner.Kind.GOLD_SHOP)
    assert (partner.contact_person, partner.phone) == ("", "")
    assert partner.note == "ติดต่อ[name removed] [name removed] [phone removed] หรือคุณแดง 089-999-9999"
    other = Partner.objects.get(pk=held["other_partner"].pk)
    assert (other.contact_person, other.phone) == ("แดง", "089-999-9999")
    assert Follower.objects.get(pk=held["follower"].pk).partner_id == partner.pk
    assert found(Subject(phone="0812345678")) == {}


def test_the_audit_entry_lists_kinds_and_ids_and_no_personal_values(held, admin_user):
    privacy.subject_erase(actor=admin_user, subject=Subject(line_user_id=LINE_ID))
    privacy.subject_erase(actor=admin_user, subject=Subject(phone="0812345678"))
    by_line, by_phone = AuditEntry.objects.filter(action="data_subject.erased").order_by("pk")
    assert by_line.changes == {
        "by": "line_user_id",
        "erased": {
            "delivery_batch": [held["both"].pk, held["alone"].pk],
            "follower": sorted([held["follower"].pk, held["away"].pk]),
            "supervisor_line_link": [held["link"].pk],
        },
        "not_erasable_here": [],
    }
    assert by_phone.changes["erased"] == {"partner": [held["partner"].pk]}
    trail = json.dumps([by_line.changes, by_phone.changes], ensure_ascii=False)
    for value in (LINE_ID[1:], "สมชาย", "ใจดี", "5678", "ร้านทอง"):
        assert value not in trail
    assert audit_verify()[1] is None


def _broken_erase(*, actor, subject):
    raise RuntimeError("this source failed")


@pytest.mark.parametrize("subject", [Subject(line_user_id=LINE_ID), Subject(phone="0812345678")])
def test_one_source_failing_rolls_back_the_whole_erasure(held, admin_user, monkeypatch, subject):
    # Registered last, so the community app has erased its part when this one fails.
    monkeypatch.setitem(
        registry.PERSONAL_DATA_SOURCES,
        "broken",
        PersonalDataSource(name="broken", label="broken", find=lambda s: [], erase=_broken_erase),
    )
    assert list(registry.PERSONAL_DATA_SOURCES)[-1] == "broken"
    with pytest.raises(RuntimeError):
        privacy.subject_erase(actor=admin_user, subject=subject)

    follower = Follower.objects.get(pk=held["follower"].pk)
    assert (follower.line_user_id, follower.display_name, follower.left_at) == (
        LINE_ID,
        "สมชาย",
        None,
    )
    assert SupervisorLineLink.objects.get(pk=held["link"].pk).line_user_id == LINE_ID
    assert DeliveryBatch.objects.get(pk=held["both"].pk).recipients == [
        OTHER_ID,
        LINE_ID,
        THIRD_ID,
    ]
    partner = Partner.objects.get(pk=held["partner"].pk)
    assert (partner.contact_person, partner.phone, partner.note) == ("สมชาย ใจดี", PHONE, NOTE)
    assert not AuditEntry.objects.filter(action="data_subject.erased").exists()


def test_someone_erased_who_follows_again_is_a_new_follower(held, admin_user, station):
    privacy.subject_erase(actor=admin_user, subject=Subject(line_user_id=LINE_ID))
    again = services.follower_follow(station=station, line_user_id=LINE_ID)
    assert again.pk != held["follower"].pk and again.following and again.display_name == ""
    assert Follower.objects.get(pk=held["follower"].pk).erased


def test_the_admin_finds_and_erases_on_the_page(admin_client, held):
    page = admin_client.post(URL, {"line_user_id": LINE_ID, "action": "search"})
    text = page.content.decode()
    assert "5 records found" in text
    assert "Batch 1 of the broadcast “ระวังมิจฉาชีพ”" in text
    assert f'data-kind="delivery_batch" data-id="{held["alone"].pk}"' in text
    assert "not erased from this page" not in text

    response = admin_client.post(
        URL, {"line_user_id": LINE_ID, "action": "erase", "confirm": "on"}, follow=True
    )
    text = response.content.decode()
    assert "Erased: 5 records." in text and "0 records found" in text
    assert not Follower.objects.filter(line_user_id=LINE_ID).exists()
    assert not SupervisorLineLink.objects.filter(line_user_id=LINE_ID).exists()
    assert LINE_ID not in DeliveryBatch.objects.get(pk=held["both"].pk).recipients
    assert Follower.objects.get(pk=held["other_follower"].pk).line_user_id == OTHER_ID

    listing = admin_client.get("/admin/community/follower/").content.decode()
    assert f"Erased LINE follower #{held['follower'].pk}" in listing


MULTICAST = "/v2/bot/message/multicast"


def test_a_retry_after_erasure_sends_only_to_who_is_left(
    fake_line,
    eager_celery,
    channel,
    supervisor,
    admin_user,
    station,
    zone,
    django_capture_on_commit_callbacks,
):
    for uid in (LINE_ID, OTHER_ID):
        follower = services.follower_follow(station=station, line_user_id=uid, display_name="x")
        follower.zone = zone
        follower.save(update_fields=["zone"])
    broadcast = services.broadcast_create(
        actor=supervisor, station=station, text="ประกาศ", audience="zone", zone=zone
    )
    fake_line.then(400)
    with django_capture_on_commit_callbacks(execute=True):
        services.broadcast_send_now(actor=supervisor, broadcast_id=broadcast.pk)
    assert Broadcast.objects.get(pk=broadcast.pk).state == Broadcast.State.FAILED

    privacy.subject_erase(actor=admin_user, subject=Subject(line_user_id=LINE_ID))
    with django_capture_on_commit_callbacks(execute=True):
        services.broadcast_retry_failed(actor=supervisor, broadcast_id=broadcast.pk)

    first, again = fake_line.sends(MULTICAST)
    assert first.body["to"] == [LINE_ID, OTHER_ID] and again.body["to"] == [OTHER_ID]
    (batch,) = DeliveryBatch.objects.filter(broadcast=broadcast)
    assert (batch.state, batch.recipient_count) == (DeliveryBatch.State.DELIVERED, 2)
    assert Broadcast.objects.get(pk=broadcast.pk).state == Broadcast.State.SENT


def test_a_batch_of_only_erased_recipients_is_done_without_calling_line(
    fake_line, channel, admin_user, held
):
    privacy.subject_erase(actor=admin_user, subject=Subject(line_user_id=LINE_ID))
    alone = held["alone"]
    DeliveryBatch.objects.filter(pk=alone.pk).update(state=DeliveryBatch.State.PENDING)
    attempt = services.delivery_batch_attempt(batch_id=alone.pk)
    assert attempt.finished and fake_line.requests == []
    assert DeliveryBatch.objects.get(pk=alone.pk).state == DeliveryBatch.State.DELIVERED
