# ruff: noqa: F811 (the community tests' fixtures are imported as fixtures)
"""With the phone page closed, the offer reaches the officer's linked LINE account through the
real SDK against the local LINE server, with its retry key; runs again send nothing twice."""

from datetime import timedelta

import pytest
from django.utils import timezone

from community.models import SupervisorLineLink
from dispatch import line as dispatch_line
from dispatch import presence, services, tasks
from dispatch.models import Assignment
from smartzone.models import AuditEntry
from tests.community.conftest import eager_celery, line_network  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
LINE_ID = "U" + "a" * 32


@pytest.fixture
def linked(officer):
    return SupervisorLineLink.objects.create(officer=officer, line_user_id=LINE_ID)


def test_the_offer_is_pushed_once_with_a_link_that_opens_it(
    fake_line, eager_celery, channel, linked, positions, sos, officer, supervisor
):
    a = services.assignment_offer(
        actor=supervisor, kind="sos", item_id=sos.pk, officer_id=officer.pk
    )
    fake_line.then(503)  # LINE is busy at first: the task tries again with the same key
    tasks.offer_line_send.delay(a.pk)
    tasks.offer_line_send.delay(a.pk)  # a second run: nothing more is sent
    assert services.offer_line_push(assignment_id=a.pk) is None
    pushes = fake_line.sends("/v2/bot/message/push")
    assert len(pushes) == 2 and pushes[0].retry_key == pushes[1].retry_key
    assert len(fake_line.accepted) == 1
    sent = fake_line.accepted[0].body
    assert sent["to"] == LINE_ID
    assert f"/officer/assignments/{a.pk}/" in sent["messages"][0]["text"]
    assert Assignment.objects.get().line_sent_at is not None
    assert AuditEntry.objects.filter(action="assignment.line_sent").count() == 1


def test_a_repeat_of_an_accepted_key_is_taken_as_sent(
    fake_line, channel, linked, positions, sos, officer, supervisor
):
    """A worker killed after LINE took the push: the retry's 409 counts as sent."""
    a = services.assignment_offer(
        actor=supervisor, kind="sos", item_id=sos.pk, officer_id=officer.pk
    )
    assert services.offer_line_push(assignment_id=a.pk) is None
    Assignment.objects.filter(pk=a.pk).update(line_sent_at=None)  # as if never recorded
    assert services.offer_line_push(assignment_id=a.pk) is None
    assert len(fake_line.accepted) == 1
    assert fake_line.sends("/v2/bot/message/push")[1].status == 409


def test_nothing_goes_to_an_officer_without_a_link_or_after_accepting(
    fake_line, channel, linked, positions, sos, officer, dave, supervisor
):
    a = services.assignment_offer(actor=supervisor, kind="sos", item_id=sos.pk, officer_id=dave.pk)
    assert services.offer_line_push(assignment_id=a.pk) is None  # dave has no link
    services.assignment_step(actor=dave, assignment_id=a.pk, step="accept")
    assert services.offer_line_push(assignment_id=a.pk) is None
    assert fake_line.sends("/v2/bot/message/push") == []


@pytest.fixture
def page_open(officer):
    """The officer's phone page is open (its socket marked them present)."""
    presence.page_opened(officer.pk)
    yield
    presence.page_closed(officer.pk)


def test_with_the_page_closed_the_push_goes_at_once(
    fake_line, channel, linked, positions, sos, officer, supervisor
):
    presence.page_closed(officer.pk)
    a = services.assignment_offer(
        actor=supervisor, kind="sos", item_id=sos.pk, officer_id=officer.pk
    )
    assert services.line_delay_s(officer_id=officer.pk) == 0
    assert services.offer_line_push(assignment_id=a.pk, now=a.offered_at) is None
    assert len(fake_line.accepted) == 1


def test_an_open_page_rings_first_and_an_accepted_offer_never_goes_to_line(
    settings, fake_line, channel, linked, positions, sos, officer, supervisor, page_open
):
    settings.DISPATCH_LINE_GRACE_S = 15
    a = services.assignment_offer(
        actor=supervisor, kind="sos", item_id=sos.pk, officer_id=officer.pk
    )
    assert services.line_delay_s(officer_id=officer.pk) == 15
    # The task comes early (a retry, the broker): it waits for the rest of the grace.
    assert services.offer_line_push(assignment_id=a.pk, now=a.offered_at + timedelta(seconds=5))
    services.assignment_step(actor=officer, assignment_id=a.pk, step="accept")
    later = a.offered_at + timedelta(seconds=16)
    assert services.offer_line_push(assignment_id=a.pk, now=later) is None
    assert fake_line.requests == []


def test_an_open_page_whose_offer_is_not_accepted_in_the_grace_goes_to_line_too(
    settings, fake_line, channel, linked, positions, sos, officer, supervisor, page_open
):
    settings.DISPATCH_LINE_GRACE_S = 15
    a = services.assignment_offer(
        actor=supervisor, kind="sos", item_id=sos.pk, officer_id=officer.pk
    )
    assert services.offer_line_push(assignment_id=a.pk, now=a.offered_at) == 15
    assert fake_line.requests == []
    assert services.offer_line_push(assignment_id=a.pk, now=a.offer_due_at) is None
    assert [r.body["to"] for r in fake_line.accepted] == [LINE_ID]


def test_an_offer_made_while_the_broker_was_down_reaches_line_through_the_sweep(
    monkeypatch,
    django_capture_on_commit_callbacks,
    fake_line,
    eager_celery,
    channel,
    linked,
    positions,
    sos,
    kiosk,
    officer,
    dave,
    supervisor,
):
    from sos import services as sos_services

    other = sos_services.sos_receive(kiosk=kiosk, client_event_id="d-2")[0]

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("the broker is down")

    presence.page_closed(officer.pk)
    with monkeypatch.context() as m, django_capture_on_commit_callbacks(execute=True):
        m.setattr(tasks.offer_expire, "apply_async", broker_down)
        m.setattr(tasks.offer_line_send, "apply_async", broker_down)
        a = services.assignment_offer(
            actor=supervisor, kind="sos", item_id=sos.pk, officer_id=officer.pk
        )
        b = services.assignment_offer(
            actor=supervisor, kind="sos", item_id=other.pk, officer_id=dave.pk
        )
    assert fake_line.requests == [] and services.offers_line_overdue() == []  # not overdue yet
    made = timezone.now() - timedelta(seconds=dispatch_line.OVERDUE_S + 1)
    Assignment.objects.filter(pk__in=[a.pk, b.pk]).update(offered_at=made)
    assert services.offers_line_overdue() == [a.pk]  # dave has no LINE link
    tasks.offers_expire_due.delay()  # the broker is back: the beat's sweep
    tasks.offers_expire_due.delay()
    assert [r.body["to"] for r in fake_line.accepted] == [LINE_ID]
    assert Assignment.objects.get(pk=a.pk).line_sent_at is not None
