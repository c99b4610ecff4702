"""The per-offer timer on a real Celery worker: an automatic offer the first officer does not
accept in the station's time is expired by the worker's timer task (not the beat sweep, not
the test) and offered to the next nearest free officer. Broker from settings: the filesystem
transport by default, Redis with REDIS_URL (CI's second pass)."""

import pytest

from dispatch import services
from dispatch.models import Assignment, DispatchPolicy
from smartzone.models import Event
from tests.conftest import start_worker, stop_process, wait_until

TIMEOUT_S = 2  # below the form's 10 s minimum, set straight on the row: a fast test


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_the_worker_moves_an_unaccepted_offer_to_the_next_officer(
    tmp_path, positions, sos, officer, dave, supervisor
):
    DispatchPolicy.objects.create(station=sos.station, offer_timeout_s=TIMEOUT_S)
    worker = start_worker(tmp_path, "dispatch-timer")
    try:
        # Enqueued after commit: the timer (countdown TIMEOUT_S) and the LINE task (no link).
        first = services.assignment_offer_nearest(actor=supervisor, kind="sos", item_id=sos.pk)
        assert first.officer == officer
        wait_until(
            lambda: Assignment.objects.filter(officer=dave, state="offered").exists(),
            90,
            "the worker to offer it to the next officer",
            worker,
        )
    finally:
        stop_process(worker, grace=20)
    first.refresh_from_db()
    assert first.state == "expired"
    assert first.expired_at >= first.offer_due_at
    second = Assignment.objects.get(officer=dave)
    assert (second.attempt, second.automatic, second.sos_id) == (2, True, sos.pk)
    with pytest.raises(services.TransitionError):
        services.assignment_step(actor=officer, assignment_id=first.pk, step="accept")
    steps = list(
        Event.objects.filter(kind__startswith="dispatch.")
        .order_by("pk")
        .values_list("kind", "payload__officer")
    )
    assert steps == [
        ("dispatch.offered", officer.pk),
        ("dispatch.expired", officer.pk),
        ("dispatch.offered", dave.pk),
    ]
    assert "dispatch.tasks.offer_expire" in (tmp_path / "dispatch-timer.log").read_text()
