"""Celery entry points of the dispatch app; each takes ids, calls a service, is safe twice."""

from celery import shared_task

from dispatch import services


@shared_task(acks_late=True)
def offer_expire(assignment_id: int) -> int | None:
    """Expire an offer not accepted in time; an automatic one moves to the next officer."""
    following = services.offer_expire(assignment_id=assignment_id)
    return following.pk if following else None


@shared_task
def offers_expire_due() -> list[int]:
    """The sweep behind the per-offer timers (a lost timer still expires its offer, and an
    offer made while the broker was down still reaches the officer's LINE)."""
    for assignment_id in services.offers_line_overdue():
        offer_line_send.delay(assignment_id)
    return services.offers_expire_due()


@shared_task(bind=True, max_retries=8, acks_late=True)
def offer_line_send(self, assignment_id: int) -> bool:
    """Push the offer to the officer's linked LINE account, once (fixed retry key)."""
    attempt = services.offer_line_push(assignment_id=assignment_id)
    if attempt is not None:
        raise self.retry(countdown=attempt)
    return True
