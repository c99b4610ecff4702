"""Daily roll-ups of each station's figures (desk.models.StationDay) and the commanders' weekly
comparison read from them, never from the raw tables.

`station_days_update` recomputes whole days (idempotent: a day computed twice is the same row),
one grouped query per source and day for all stations at once, so its cost grows with the
day's rows, not with the number of stations. It first proves the audit chain up to its head
(walking only what was appended since the last proof) and writes nothing while the chain is
broken: every figure is computed at a head that verifies, and names it.
"""

import logging
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from cctv.models import Camera
from community.models import Follower
from desk import stats
from desk.hotspots import NOT_INCIDENTS
from desk.models import ChainProof, SafetyAnswer, StationDay
from incidents.models import Report
from patrol import selectors as patrol_selectors
from smartzone.audit import audit_verify
from smartzone.models import AuditHead, Station
from sos.models import Kiosk, SosEvent

log = logging.getLogger(__name__)
# Days recomputed on each run: a case received on a day may be acknowledged days later.
RECOMPUTE_DAYS = 8


class ChainBroken(Exception):
    """The audit chain does not verify: no figure may be computed from it."""


def chain_head_proved(*, now: datetime | None = None, full: bool = False) -> tuple[int, str]:
    """Prove the audit chain up to its head and return the head (seq, hash); raise ChainBroken.

    Walks only the entries appended since the last proof (desk.models.ChainProof), or with
    FULL the whole kept chain (the weekly exports do; the hourly roll-ups walk what is new).
    """
    head = AuditHead.objects.filter(pk=1).first() or AuditHead(seq=0)
    proof = None if full else ChainProof.objects.filter(pk=1).first()
    after = (proof.seq, proof.hash) if proof and proof.seq <= head.seq else None
    _checked, problem = audit_verify(after=after, head=head)
    if problem:
        raise ChainBroken(str(problem))
    ChainProof.objects.update_or_create(
        pk=1, defaults={"seq": head.seq, "hash": head.hash, "proved_at": now or timezone.now()}
    )
    return head.seq, head.hash


def _minutes(start, end) -> float | None:
    if not start or not end or end < start:
        return None
    return round((end - start).total_seconds() / 60, 2)


def _day_rows(day: date, station_ids: list[int], now: datetime, head: tuple[int, str]) -> dict:
    """Return {station id: StationDay field values} for DAY."""
    since = stats.local_midnight(day)
    until = stats.local_midnight(day + timedelta(days=1))
    rows: dict[int, dict] = {
        sid: {
            "incidents": 0,
            "incidents_by_category": {},
            "sos": 0,
            "sos_ack_minutes": [],
            "sos_scene_minutes": [],
            "report_ack_minutes": [],
            "report_scene_minutes": [],
            "patrol_planned": 0,
            "patrol_met": 0,
            "survey_answers": 0,
            "survey_score_sum": 0,
            "line_followers": 0,
            "chain_seq": head[0],
            "chain_hash": head[1],
            "computed_at": now,
        }
        for sid in station_ids
    }
    reports = incidents_of(station_ids, since, until)
    for sid, code, created, triaged, on_scene in reports.values_list(
        "station_id", "category__code", "created_at", "triaged_at", "on_scene_at"
    ):
        row = rows[sid]
        row["incidents"] += 1
        row["incidents_by_category"][code] = row["incidents_by_category"].get(code, 0) + 1
        for key, end in (("report_ack_minutes", triaged), ("report_scene_minutes", on_scene)):
            if (m := _minutes(created, end)) is not None:
                row[key].append(m)
    sos = SosEvent.objects.filter(
        station_id__in=station_ids, received_at__gte=since, received_at__lt=until
    ).values_list("station_id", "received_at", "acknowledged_at", "on_scene_at")
    for sid, received, acked, on_scene in sos:
        row = rows[sid]
        row["sos"] += 1
        for key, end in (("sos_ack_minutes", acked), ("sos_scene_minutes", on_scene)):
            if (m := _minutes(received, end)) is not None:
                row[key].append(m)
    answers = (
        SafetyAnswer.objects.filter(
            station_id__in=station_ids, answered_at__gte=since, answered_at__lt=until
        )
        .values("station_id")
        .annotate(
            n=Count("pk"),
            total=Sum("safe_in_zone") + Sum("safe_at_night") + Sum("trust_response"),
        )
    )
    for a in answers:
        rows[a["station_id"]] |= {"survey_answers": a["n"], "survey_score_sum": a["total"] or 0}
    followers = (
        Follower.objects.filter(station_id__in=station_ids, joined_at__lt=until)
        .filter(Q(left_at__isnull=True) | Q(left_at__gte=until))
        .values("station_id")
        .annotate(n=Count("pk"))
    )
    for f in followers:
        rows[f["station_id"]]["line_followers"] = f["n"]
    for sid in station_ids:
        totals = patrol_selectors.coverage(station=sid, since=since, until=until, now=now).totals
        rows[sid] |= {"patrol_planned": totals["planned"], "patrol_met": totals["met"]}
    if timezone.localdate(now) == day:  # what is online now belongs to today only
        _online(rows, station_ids)
    return rows


def incidents_of(station_ids: list[int], since: datetime, until: datetime):
    """The incidents (desk.hotspots.incidents' rule) of several stations received in the period."""
    return Report.objects.filter(
        station_id__in=station_ids, created_at__gte=since, created_at__lt=until
    ).exclude(NOT_INCIDENTS)


def _online(rows: dict, station_ids: list[int]) -> None:
    cams = (
        Camera.objects.filter(station_id__in=station_ids)
        .values("station_id")
        .annotate(n=Count("pk"), up=Count("pk", filter=Q(status=Camera.Status.ONLINE)))
    )
    for sid in station_ids:
        rows[sid] |= {"cameras": 0, "cameras_online": 0, "kiosks": 0, "kiosks_online": 0}
    for c in cams:
        rows[c["station_id"]] |= {"cameras": c["n"], "cameras_online": c["up"]}
    kiosks = (
        Kiosk.objects.filter(station_id__in=station_ids, retired_at__isnull=True)
        .values("station_id")
        .annotate(n=Count("pk"), up=Count("pk", filter=Q(status=Kiosk.Status.ONLINE)))
    )
    for k in kiosks:
        rows[k["station_id"]] |= {"kiosks": k["n"], "kiosks_online": k["up"]}


def station_days_compute(
    *, day: date, now: datetime | None = None, station_ids: list[int] | None = None
) -> int:
    """Compute (again) every station's row of DAY; return how many were written.

    Raise ChainBroken, writing nothing, while the audit chain does not verify.
    """
    now = now or timezone.now()
    head = chain_head_proved(now=now)
    if station_ids is None:
        station_ids = list(Station.objects.order_by("pk").values_list("pk", flat=True))
    if not station_ids:
        return 0
    rows = _day_rows(day, station_ids, now, head)
    with transaction.atomic():
        existing = {
            d.station_id: d
            for d in StationDay.objects.select_for_update().filter(
                day=day, station_id__in=station_ids
            )
        }
        new, changed = [], []
        for sid, values in rows.items():
            row = existing.get(sid)
            if row is None:
                new.append(StationDay(station_id=sid, day=day, **values))
                continue
            for name, value in values.items():
                setattr(row, name, value)
            changed.append(row)
        StationDay.objects.bulk_create(new, batch_size=500)
        if changed:
            fields = list(next(iter(rows.values())))
            StationDay.objects.bulk_update(changed, fields=fields, batch_size=500)
    return len(rows)


def station_days_update(*, now: datetime | None = None, days: int = RECOMPUTE_DAYS) -> int:
    """Recompute today and the DAYS - 1 days before it for every station; return rows written."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    written = 0
    for back in range(days - 1, -1, -1):
        written += station_days_compute(day=today - timedelta(days=back), now=now)
    return written


# --- the weekly comparison, from the roll-ups --------------------------------------------------


def _percentile(values: list[float], p: float) -> float | None:
    value = stats.percentile(values, p)
    return None if value is None else round(value, 2)


def week_figures(*, station_ids: list[int], week_start: date) -> dict[int, dict]:
    """Return {station id: the week's figures} summed from the seven StationDay rows."""
    days = StationDay.objects.filter(
        station_id__in=station_ids, day__gte=week_start, day__lt=week_start + timedelta(days=7)
    ).order_by("day")
    acc: dict[int, dict] = defaultdict(
        lambda: {
            "days": 0,
            "incidents": 0,
            "by_category": defaultdict(int),
            "sos": 0,
            "sos_ack": [],
            "sos_scene": [],
            "report_ack": [],
            "report_scene": [],
            "patrol_planned": 0,
            "patrol_met": 0,
            "cameras": None,
            "cameras_online": None,
            "kiosks": None,
            "kiosks_online": None,
            "survey_answers": 0,
            "survey_score_sum": 0,
            "line_followers": 0,
            "chain_seq": 0,
        }
    )
    for d in days:
        a = acc[d.station_id]
        a["days"] += 1
        a["incidents"] += d.incidents
        for code, n in d.incidents_by_category.items():
            a["by_category"][code] += n
        a["sos"] += d.sos
        a["sos_ack"] += d.sos_ack_minutes
        a["sos_scene"] += d.sos_scene_minutes
        a["report_ack"] += d.report_ack_minutes
        a["report_scene"] += d.report_scene_minutes
        a["patrol_planned"] += d.patrol_planned
        a["patrol_met"] += d.patrol_met
        if d.cameras is not None:  # the week's last day that saw them
            a["cameras"], a["cameras_online"] = d.cameras, d.cameras_online
        if d.kiosks is not None:
            a["kiosks"], a["kiosks_online"] = d.kiosks, d.kiosks_online
        a["survey_answers"] += d.survey_answers
        a["survey_score_sum"] += d.survey_score_sum
        a["line_followers"] = d.line_followers  # at the end of the week's last day
        a["chain_seq"] = max(a["chain_seq"], d.chain_seq)
    out = {}
    for sid in station_ids:
        a = acc[sid]
        answers = a["survey_answers"]
        out[sid] = {
            "days": a["days"],
            "incidents": a["incidents"],
            "by_category": dict(sorted(a["by_category"].items())),
            "sos": a["sos"],
            "sos_ack_median": _percentile(a["sos_ack"], 50),
            "sos_ack_p90": _percentile(a["sos_ack"], 90),
            "sos_scene_median": _percentile(a["sos_scene"], 50),
            "sos_scene_p90": _percentile(a["sos_scene"], 90),
            "report_ack_median": _percentile(a["report_ack"], 50),
            "report_ack_p90": _percentile(a["report_ack"], 90),
            "report_scene_median": _percentile(a["report_scene"], 50),
            "report_scene_p90": _percentile(a["report_scene"], 90),
            "patrol_planned": a["patrol_planned"],
            "patrol_met": a["patrol_met"],
            "cameras": a["cameras"],
            "cameras_online": a["cameras_online"],
            "kiosks": a["kiosks"],
            "kiosks_online": a["kiosks_online"],
            "survey_answers": answers,
            # The mean of all three questions' scores (1-5) in the week's answers.
            "safety": round(a["survey_score_sum"] / (3 * answers), 2) if answers else None,
            "line_followers": a["line_followers"],
            "chain_seq": a["chain_seq"],
        }
    return out
