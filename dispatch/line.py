"""LINE, for when the phone page is closed: an offer pushed to the officer's linked LINE
account, once (fixed retry key), through community's delivery path; dispatch.presence says
when.
"""

import logging
import math
import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch import presence
from dispatch.models import Assignment
from dispatch.records import item_summary
from smartzone.audit import audit_append

log = logging.getLogger(__name__)

# --- LINE, for when the phone page is closed ---------------------------------------------


def line_delay_s(*, officer_id: int) -> int:
    """Seconds to wait before pushing a new offer to LINE: none when the officer's page is
    closed, presence.grace_s() when it is open (it rings there first)."""
    return presence.grace_s() if presence.page_open(officer_id) else 0


# The sweep (dispatch.tasks.offers_expire_due) pushes an offer whose LINE message is this many
# seconds overdue: its own task could not be enqueued (the broker was down when it was made).
OVERDUE_S = 10


def offers_line_overdue(*, now: datetime | None = None) -> list[int]:
    """Ids of open offers to officers with a linked LINE account whose message should have gone
    out OVERDUE_S ago (at once for a closed page, after the grace for an open one) and has not."""
    from community.models import SupervisorLineLink

    now = now or timezone.now()
    linked = SupervisorLineLink.objects.exclude(line_user_id="").values("officer_id")
    offers = Assignment.objects.filter(
        state=Assignment.State.OFFERED,
        line_sent_at__isnull=True,
        officer_id__in=linked,
        offered_at__lte=now - timedelta(seconds=OVERDUE_S),
    ).values_list("pk", "officer_id", "offered_at")
    return [
        pk
        for pk, officer_id, offered_at in offers
        if offered_at + timedelta(seconds=line_delay_s(officer_id=officer_id) + OVERDUE_S) <= now
    ]


def offer_line_push(*, assignment_id: int, now: datetime | None = None) -> int | None:
    """Push a still-open offer to the officer's linked LINE account with a link that opens it,
    if their phone page is closed, or it is open and the offer is still not accepted
    presence.grace_s() after it was made (dispatch.presence says why).

    Return None when finished (sent, or nothing to send: no link, no channel, already sent,
    no longer offered), else the seconds to wait before trying again (LINE busy, or the open
    page's grace still running). The retry key is fixed per assignment and officer, so LINE
    takes a repeat once; a run after a success sends nothing (line_sent_at).
    """
    from community import line
    from community.models import LineChannel, SupervisorLineLink
    from community.services import backoff_s
    from smartzone.links import public_url

    assignment = (
        Assignment.objects.select_related("officer", "sos__kiosk", "report__category")
        .filter(pk=assignment_id, line_sent_at__isnull=True, state=Assignment.State.OFFERED)
        .first()
    )
    if assignment is None:
        return None
    now = now or timezone.now()
    ringing_until = assignment.offered_at + timedelta(seconds=presence.grace_s())
    if now < ringing_until and presence.page_open(assignment.officer_id):
        return max(1, math.ceil((ringing_until - now).total_seconds()))
    link = (
        SupervisorLineLink.objects.filter(officer_id=assignment.officer_id)
        .exclude(line_user_id="")
        .first()
    )
    channel = LineChannel.objects.filter(station_id=assignment.station_id, enabled=True).first()
    if link is None or channel is None or not channel.access_token:
        return None
    summary = item_summary(assignment)
    text = _("New assignment: %(title)s. Accept within %(n)s seconds.") % {
        "title": summary["title"],
        "n": assignment.timeout_s,
    }
    text += "\n" + public_url(reverse("dispatch:assignment", args=[assignment.pk]))
    key = uuid.uuid5(uuid.NAMESPACE_URL, f"assignment:{assignment.pk}:{assignment.officer_id}")
    result = line.send(
        access_token=channel.access_token,
        method="push",
        recipients=[link.line_user_id],
        messages=[line.TextMessage(text=text)],
        retry_key=str(key),
    )
    # A repeated retry key is "accepted" too (LINE's 409: the first request went out).
    if result.accepted:
        with transaction.atomic():
            sent = Assignment.objects.filter(pk=assignment.pk, line_sent_at__isnull=True).update(
                line_sent_at=timezone.now()
            )
            if sent:
                audit_append(
                    actor="task:offer_line_send",
                    action="assignment.line_sent",
                    obj=assignment,
                    changes={"officer": assignment.officer_id, "request_id": result.request_id},
                )
        return None
    if result.retryable:
        return backoff_s(1, result.retry_after_s)
    log.warning("assignment %s: LINE refused the push: %s", assignment.pk, result.error)
    return None
