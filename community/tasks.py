"""Celery entry points of the community app: LINE delivery, replies, scheduled broadcasts and
SOS alerts. Each takes ids, calls a service and owns its retries; all are safe to run twice."""

import logging

from celery import shared_task

from community import line, services
from community.models import LineChannel

log = logging.getLogger(__name__)
PROFILE_RETRIES = 5


@shared_task(bind=True, max_retries=None, acks_late=True)
def delivery_batch_send(self, batch_id: int) -> str:
    """Send one delivery batch; on 429/5xx try again later with the same retry key."""
    attempt = services.delivery_batch_attempt(batch_id=batch_id)
    if attempt.retry_in_s is not None:
        raise self.retry(countdown=attempt.retry_in_s)
    return "finished"


@shared_task(bind=True, max_retries=PROFILE_RETRIES, acks_late=True)
def follower_profile_fetch(self, follower_id: int) -> bool:
    """Fill a new follower's display name from LINE; on 429/5xx/no answer try again later."""
    attempt = services.follower_profile_fill(
        follower_id=follower_id, attempt=self.request.retries + 1
    )
    if attempt.retry_in_s is None:
        return True
    if self.request.retries >= PROFILE_RETRIES:
        log.warning("follower %s: no profile from LINE, the name stays empty", follower_id)
        return False
    raise self.retry(countdown=attempt.retry_in_s)


@shared_task
def broadcasts_send_due() -> list[int]:
    """Start the scheduled broadcasts that are due, and pick up batches whose task was lost."""
    started = services.broadcasts_send_due()
    for batch_id in services.delivery_batches_stalled():
        delivery_batch_send.delay(batch_id)
    return started


@shared_task(acks_late=True)
def line_reply(station_id: int, reply_token: str, messages: list[dict]) -> bool:
    """Answer a webhook event (a reply token lasts about a minute: no retries)."""
    channel = LineChannel.objects.filter(station_id=station_id, enabled=True).first()
    if channel is None or not channel.access_token:
        return False
    result = line.reply(
        access_token=channel.access_token,
        reply_token=reply_token,
        messages=line.messages_from_dicts(messages),
    )
    return result.accepted


@shared_task(bind=True, max_retries=5, acks_late=True)
def sos_alert_supervisors(self, sos_id: int) -> int:
    try:
        return services.sos_alert_supervisors(sos_id=sos_id)
    except services.AlertNotSent as exc:
        raise self.retry(countdown=services.backoff_s(self.request.retries + 1)) from exc


def sos_escalated(sos_id: int) -> None:
    """Escalation handler (smartzone.registry): alert the supervisors over LINE, in a task."""
    sos_alert_supervisors.delay(sos_id)
