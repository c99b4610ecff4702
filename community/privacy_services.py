"""Erasure for data-subject requests (PDPA): what the community app holds about a person.

Called by smartzone.privacy.subject_erase, inside its one transaction and under its one audit
entry. The station's own records stay (that a broadcast went out, to how many, who follows
in which zone); what identifies the person goes:

- a LINE follower keeps its station, zone and dates, is marked as left (nothing is sent to
  it again) and loses its LINE id (replaced by a placeholder), display name and partner;
- a supervisor's LINE link is unlinked;
- a partner keeps its name and place, loses its contact person and phone, and its note loses
  the contact's name and phone;
- a delivery batch keeps its size: the LINE id in its recipients becomes a placeholder, which
  a retry of the batch skips.

The person may still be a friend of the station's LINE account: that friendship is held by
LINE, and they can block the account there; a new follow is a new follower here.
"""

from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from community import privacy, selectors
from community.models import ERASED_LINE_ID, DeliveryBatch, Follower, Partner, SupervisorLineLink
from smartzone.registry import Subject


def _followers_erase(subject: Subject) -> list[int]:
    ids = list(
        selectors.followers_of_subject(subject).select_for_update().values_list("pk", flat=True)
    )
    now = timezone.now()
    for pk in ids:
        Follower.objects.filter(pk=pk).update(
            line_user_id=f"{ERASED_LINE_ID}:{pk}",
            display_name="",
            partner=None,
            left_at=Coalesce(F("left_at"), Value(now)),
        )
    return sorted(ids)


def _line_links_erase(subject: Subject) -> list[int]:
    ids = list(
        selectors.line_links_of_subject(subject).select_for_update().values_list("pk", flat=True)
    )
    SupervisorLineLink.objects.filter(pk__in=ids).update(
        line_user_id="", linked_at=None, code_hash="", code_expires_at=None
    )
    return sorted(ids)


def _partners_erase(subject: Subject) -> list[int]:
    partners = list(selectors.partners_of_subject(subject).select_for_update().order_by("pk"))
    for partner in partners:
        note = privacy.scrub_known(
            partner.note, names=[partner.contact_person], phones=[partner.phone]
        )
        Partner.objects.filter(pk=partner.pk).update(contact_person="", phone="", note=note)
    return [partner.pk for partner in partners]


def _batches_erase(subject: Subject) -> list[int]:
    batches = selectors.batches_of_subject(subject, lock=True)
    for batch in batches:
        recipients = [
            ERASED_LINE_ID if uid == subject.line_user_id else uid for uid in batch.recipients
        ]
        DeliveryBatch.objects.filter(pk=batch.pk).update(recipients=recipients)
    return [batch.pk for batch in batches]


def personal_data_erase(*, actor, subject: Subject) -> dict[str, list[int]]:
    """Erase what the community app holds about SUBJECT; return {kind: [ids]}.

    Call inside the caller's transaction (subject_erase), which audits the erasure.
    """
    return {
        "follower": _followers_erase(subject),
        "supervisor_line_link": _line_links_erase(subject),
        "delivery_batch": _batches_erase(subject),
        "partner": _partners_erase(subject),
    }
