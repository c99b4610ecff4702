"""Writes of the dispatch app: offer an SOS or a report to an officer on shift, and the
officer's steps (accept, on the way, on scene, done, decline); offers that time out move on.

Every write runs in one transaction with its audit entry and outbox event; the SOS's or
report's own state moves through its app's services, so its timeline and figures follow.

They live by topic (dispatch.offers, dispatch.steps, dispatch.line, and what they share in
dispatch.records); import them from here.
"""

from dispatch.line import line_delay_s, offer_line_push, offers_line_overdue
from dispatch.models import Assignment, AssignmentPhoto
from dispatch.offers import (
    assignment_offer,
    assignment_offer_nearest,
    items_dispatched,
    offer_expire,
    offers_expire_due,
    sos_raised,
)
from dispatch.records import (
    MAX_PHOTOS,
    SYSTEM,
    TransitionError,
    assignment_payload,
    item_summary,
)
from dispatch.steps import STEPS, assignment_get_for_officer, assignment_step
from incidents.models import Report
from sos.models import SosEvent

__all__ = [
    "Assignment",
    "AssignmentPhoto",
    "line_delay_s",
    "MAX_PHOTOS",
    "STEPS",
    "SYSTEM",
    "Report",
    "SosEvent",
    "TransitionError",
    "assignment_get_for_officer",
    "assignment_offer",
    "assignment_offer_nearest",
    "assignment_payload",
    "assignment_step",
    "item_summary",
    "items_dispatched",
    "offer_expire",
    "offer_line_push",
    "offers_expire_due",
    "offers_line_overdue",
    "sos_raised",
]
