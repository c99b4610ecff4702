"""The figures of a station's weekly report, and the same figures as rows for the page, the
CSV and the PDF (one list, so the three always agree)."""

from datetime import date, datetime, timedelta

from django.db.models import Avg, Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cctv.models import FaceMatch
from community.models import Broadcast, Decision
from desk import stats, thai
from desk.hotspots import incidents
from desk.models import SafetyAnswer
from desk.response import DISPATCH_STAGES, STAGES, dispatch_times, response_times
from patrol import selectors as patrol_selectors

SURVEY_QUESTIONS = ("safe_in_zone", "safe_at_night", "trust_response")
SURVEY_MONTHS = 6


def survey_trend(*, station_id: int, until_month: date, months: int = SURVEY_MONTHS) -> list[dict]:
    """Return per month (oldest first) the number of answers and each question's mean (1-5)."""
    firsts = stats.months_back(until_month, months)
    rows = (
        SafetyAnswer.objects.filter(station_id=station_id, month__in=firsts)
        .values("month")
        .annotate(answers=Count("pk"), **{f"{q}_avg": Avg(q) for q in SURVEY_QUESTIONS})
    )
    by_month = {row["month"]: row for row in rows}
    trend = []
    for first in firsts:
        row = by_month.get(first, {})
        trend.append(
            {
                "month": first.isoformat(),
                "month_th": thai.thai_month(first),
                "answers": row.get("answers", 0),
                **{q: _round(row.get(f"{q}_avg")) for q in SURVEY_QUESTIONS},
            }
        )
    return trend


def incident_trend(
    *, station_id: int, until_month: date, months: int = SURVEY_MONTHS
) -> list[dict]:
    """Return per month (oldest first) the station's incident count."""
    trend = []
    for first in stats.months_back(until_month, months):
        since = stats.local_midnight(first)
        until = stats.local_midnight(stats.next_month(first))
        count = incidents(station_id=station_id, since=since, until=until).count()
        trend.append(
            {"month": first.isoformat(), "month_th": thai.thai_month(first), "count": count}
        )
    return trend


def _round(value) -> float | None:
    return None if value is None else round(float(value), 2)


def figures(*, station, week_start: date, now: datetime) -> dict:
    """Return the week's figures as JSON-ready data; labels in Thai (the report's language)."""
    with translation.override("th"):
        return _figures(station, week_start, now)


def _figures(station, week_start: date, now: datetime) -> dict:
    since = stats.local_midnight(week_start)
    until = stats.local_midnight(week_start + timedelta(days=7))
    found = incidents(station_id=station.pk, since=since, until=until)
    by_category = [
        {"code": row["category__code"], "label": row["category__name"], "count": row["n"]}
        for row in found.values("category__code", "category__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "category__name")
    ]
    by_zone = [
        {"zone": row["zone__name"] or _("Outside every safety zone"), "count": row["n"]}
        for row in found.values("zone__name").annotate(n=Count("pk")).order_by("-n", "zone__name")
    ]
    previous = incidents(station_id=station.pk, since=since - timedelta(days=7), until=since)
    times = response_times(station_id=station.pk, since=since, until=until)
    empty = {name: {"count": 0, "median": None, "p90": None} for name, _label in STAGES}

    def overall(source):
        row = times.overall.get(source)
        return row.as_dict()["stages"] if row else empty

    sent = dispatch_times(station_id=station.pk, since=since, until=until)
    coverage = patrol_selectors.coverage(station=station, since=since, until=until, now=now)
    totals = coverage.totals
    matches = FaceMatch.objects.filter(station=station)
    reviewed = matches.filter(reviewed_at__gte=since, reviewed_at__lt=until)
    open_decisions = Decision.objects.filter(
        meeting__station=station, meeting__date__lt=week_start + timedelta(days=7)
    ).filter(Q(done=False) | Q(done_at__gte=until))
    month = stats.month_start(week_start + timedelta(days=6))
    return {
        "station": {"id": station.pk, "code": station.code, "name": station.name},
        "week_start": week_start.isoformat(),
        "week_end": (week_start + timedelta(days=6)).isoformat(),
        "period_th": thai.thai_range(week_start, week_start + timedelta(days=6)),
        "generated_th": thai.thai_date(timezone.localdate(now)),
        "incidents": {
            "total": found.count(),
            "previous_total": previous.count(),
            "by_category": by_category,
            "by_zone": by_zone,
        },
        "reports_response": overall("report"),
        "sos": {"count": times.overall["sos"].cases if "sos" in times.overall else 0},
        "sos_response": overall("sos"),
        "dispatch": {
            group: [row.as_dict() for row in getattr(sent, group)]
            for group in ("sources", "officers", "shifts")
        },
        "patrol": totals
        | {
            "met_percent": round(100 * totals["met"] / totals["planned"])
            if totals["planned"]
            else None
        },
        "face_matches": {
            "confirmed": reviewed.filter(status=FaceMatch.Status.CONFIRMED).count(),
            "dismissed": reviewed.filter(status=FaceMatch.Status.DISMISSED).count(),
            "pending": matches.filter(
                status=FaceMatch.Status.CANDIDATE, created_at__lt=until
            ).count(),
        },
        "broadcasts": {
            "sent": Broadcast.objects.filter(
                station=station, state=Broadcast.State.SENT, sent_at__gte=since, sent_at__lt=until
            ).count()
        },
        "decisions": [
            {
                "text": d.text[:200],
                "owner": d.owner,
                "due": thai.thai_date(d.due_date) if d.due_date else "",
                "meeting": d.meeting.title,
            }
            for d in open_decisions.select_related("meeting").order_by("due_date", "pk")[:50]
        ],
        "survey": survey_trend(station_id=station.pk, until_month=month),
    }


def _minutes(value) -> str:
    return "-" if value is None else f"{value:.1f}"


def rows(figures: dict) -> list[tuple[str, str, str]]:
    """Return the report as (section, item, value) rows, in the order the page shows them."""
    with translation.override("th"):
        return _rows(figures)


def _rows(f: dict) -> list[tuple[str, str, str]]:
    out = []
    section = _("Incidents")
    out.append((section, _("Total this week"), str(f["incidents"]["total"])))
    out.append((section, _("Total the week before"), str(f["incidents"]["previous_total"])))
    section = _("Incidents by category")
    out += [(section, row["label"], str(row["count"])) for row in f["incidents"]["by_category"]]
    section = _("Incidents by zone")
    out += [(section, row["zone"], str(row["count"])) for row in f["incidents"]["by_zone"]]
    section = _("SOS")
    out.append((section, _("SOS received"), str(f["sos"]["count"])))
    for key, title in (
        ("reports_response", _("Report response (minutes)")),
        ("sos_response", _("SOS response (minutes)")),
    ):
        for stage, label in STAGES:
            figure = f[key][stage]
            out.append((title, f"{label} · {_('median')}", _minutes(figure["median"])))
            out.append((title, f"{label} · {_('90th percentile')}", _minutes(figure["p90"])))
            out.append((title, f"{label} · {_('cases')}", str(figure["count"])))
    dispatch = f.get("dispatch") or {}
    section = _("Officers sent (minutes from receipt)")
    for group in ("sources", "officers", "shifts"):
        for row in dispatch.get(group, []):
            for stage, label in DISPATCH_STAGES:
                figure = row["stages"][stage]
                value = (
                    f"{_minutes(figure['median'])} / {_minutes(figure['p90'])} ({figure['count']})"
                )
                out.append((section, f"{row['label']} · {label}", value))
    section = _("Patrol coverage")
    p = f["patrol"]
    out.append((section, _("Planned visits"), str(p["planned"])))
    out.append((section, _("Plan met"), str(p["met"])))
    out.append((section, _("Missed"), str(p["missed"])))
    out.append((section, _("Check-ins"), str(p["visits"])))
    out.append(
        (section, _("Plan met (%)"), "-" if p["met_percent"] is None else str(p["met_percent"]))
    )
    section = _("Face-match reviews")
    out.append((section, _("Confirmed"), str(f["face_matches"]["confirmed"])))
    out.append((section, _("Dismissed"), str(f["face_matches"]["dismissed"])))
    out.append((section, _("Awaiting review"), str(f["face_matches"]["pending"])))
    section = _("Community")
    out.append((section, _("Broadcasts sent"), str(f["broadcasts"]["sent"])))
    out.append((section, _("Open meeting decisions"), str(len(f["decisions"]))))
    section = _("Open meeting decisions")
    for d in f["decisions"]:
        due = f" ({_('due')} {d['due']})" if d["due"] else ""
        out.append((section, f"{d['text']} · {d['owner']}{due}", d["meeting"]))
    section = _("Sense of safety (1-5)")
    out.append(
        (section, _("Month"), _("safe in the zone / safe at night / trust in response (answers)"))
    )
    for month in f["survey"]:
        value = " / ".join(_minutes(month[q]) for q in SURVEY_QUESTIONS)
        out.append((section, month["month_th"], f"{value} ({month['answers']})"))
    return out
