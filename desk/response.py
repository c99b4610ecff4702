"""Response times of reports and SOS: median and 90th percentile, per week and per category.

Each is measured from receipt: to acknowledged (a report triaged, an SOS acknowledged), to an
officer on scene, and to closed (a report resolved or rejected, an SOS closed). A case that
has not reached a stage yet counts for the earlier stages only. Percentiles: desk.stats.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from desk import stats
from desk.hotspots import incidents
from sos.models import SosEvent

STAGES = (
    ("acknowledged", _("to acknowledged")),
    ("on_scene", _("to on scene")),
    ("closed", _("to closed")),
)
SOS_LABEL = _("SOS")


@dataclass
class Figure:
    count: int
    median: float | None  # minutes
    p90: float | None

    @classmethod
    def of(cls, minutes: list[float]) -> "Figure":
        def rounded(value):
            return None if value is None else round(value, 2)

        return cls(
            count=len(minutes),
            median=rounded(stats.percentile(minutes, 50)),
            p90=rounded(stats.percentile(minutes, 90)),
        )

    def as_dict(self) -> dict:
        return {"count": self.count, "median": self.median, "p90": self.p90}


@dataclass
class Row:
    key: str  # "2026-11-23" for a week, a category code or "sos"
    label: str
    source: str  # "report" or "sos"
    cases: int
    stages: dict[str, Figure]

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": str(self.label),
            "source": self.source,
            "cases": self.cases,
            "stages": {name: figure.as_dict() for name, figure in self.stages.items()},
        }


def _minutes(start, end) -> float | None:
    return (end - start).total_seconds() / 60 if start and end and end >= start else None


def cases(*, station_id: int, since: datetime, until: datetime) -> list[dict]:
    """Return one dict per report and SOS received in [SINCE, UNTIL): its source, category
    (code, label), week and minutes to each stage (None where not reached)."""
    found = []
    reports = (
        incidents(station_id=station_id, since=since, until=until)
        .annotate(closed=Coalesce("resolved_at", "rejected_at"))
        .select_related("category")
        .only("created_at", "triaged_at", "on_scene_at", "category__code", "category__name")
    )
    for r in reports:
        found.append(
            {
                "source": "report",
                "category": r.category.code,
                "label": r.category.label,
                "week": stats.week_start_of(r.created_at),
                "acknowledged": _minutes(r.created_at, r.triaged_at),
                "on_scene": _minutes(r.created_at, r.on_scene_at),
                "closed": _minutes(r.created_at, r.closed),
            }
        )
    sos = SosEvent.objects.filter(
        station_id=station_id, received_at__gte=since, received_at__lt=until
    ).only("received_at", "acknowledged_at", "on_scene_at", "closed_at")
    for s in sos:
        found.append(
            {
                "source": "sos",
                "category": "sos",
                "label": SOS_LABEL,
                "week": stats.week_start_of(s.received_at),
                "acknowledged": _minutes(s.received_at, s.acknowledged_at),
                "on_scene": _minutes(s.received_at, s.on_scene_at),
                "closed": _minutes(s.received_at, s.closed_at),
            }
        )
    return found


def _row(key, label, source, group: list[dict]) -> Row:
    return Row(
        key=key,
        label=label,
        source=source,
        cases=len(group),
        stages={
            name: Figure.of([c[name] for c in group if c[name] is not None]) for name, _ in STAGES
        },
    )


@dataclass
class ResponseTimes:
    weeks: list[Row]  # per week and source, oldest first
    categories: list[Row]  # per report category, then SOS
    overall: dict[str, Row]  # per source


def response_times(*, station_id: int, since: datetime, until: datetime) -> ResponseTimes:
    found = cases(station_id=station_id, since=since, until=until)
    by_week, by_category, by_source = defaultdict(list), defaultdict(list), defaultdict(list)
    labels = {}
    for case in found:
        by_week[(case["week"], case["source"])].append(case)
        by_category[(case["source"], case["category"])].append(case)
        by_source[case["source"]].append(case)
        labels[case["category"]] = case["label"]
    weeks = [
        _row(week.isoformat(), week.isoformat(), source, group)
        for (week, source), group in sorted(by_week.items())
    ]
    categories = [
        _row(code, labels[code], source, group)
        for (source, code), group in sorted(
            by_category.items(), key=lambda item: (item[0][0] == "sos", str(labels[item[0][1]]))
        )
    ]
    overall = {source: _row(source, source, source, group) for source, group in by_source.items()}
    return ResponseTimes(weeks=weeks, categories=categories, overall=overall)


def weeks_between(since: date, until: date) -> list[date]:
    """Return the Mondays of the weeks that overlap [SINCE, UNTIL)."""
    first = since - timedelta(days=since.weekday())
    return [first + timedelta(weeks=i) for i in range(((until - first).days + 6) // 7)]


# --- officers sent: time to accept, to on the way, to on scene (dispatch app) --------------

DISPATCH_STAGES = (
    ("accept", _("to accepted")),
    ("on_the_way", _("to on the way")),
    ("on_scene", _("to on scene")),
)
_STAMPS = {"accept": "accepted_at", "on_the_way": "on_the_way_at", "on_scene": "on_scene_at"}


@dataclass
class DispatchTimes:
    sources: list[Row]  # per SOS / report: each case once, its first officer to reach a stage
    officers: list[Row]  # per officer: each of their assignments
    shifts: list[Row]  # per patrol shift: each assignment of the shift


def dispatch_times(*, station_id: int, since: datetime, until: datetime) -> DispatchTimes:
    """Minutes from an SOS's or report's receipt (in [SINCE, UNTIL)) to an officer sent to it
    accepting, setting off and arriving, from the officers' own taps on their phones."""
    from dispatch.models import Assignment

    rows = (
        Assignment.objects.filter(
            station_id=station_id, item_received_at__gte=since, item_received_at__lt=until
        )
        .select_related("officer", "shift")
        .order_by("item_received_at", "pk")
    )
    per_case, per_officer, per_shift, names = {}, defaultdict(list), defaultdict(list), {}
    for a in rows:
        minutes = {s: _minutes(a.item_received_at, getattr(a, f)) for s, f in _STAMPS.items()}
        case = per_case.setdefault((a.kind, a.item_id), {"source": a.kind} | dict.fromkeys(_STAMPS))
        for stage, value in minutes.items():
            if value is not None and (case[stage] is None or value < case[stage]):
                case[stage] = value
        if a.accepted_at is None:  # offered only (expired, declined): not the officer's time
            continue
        per_officer[a.officer_id].append(minutes)
        per_shift[a.shift_id].append(minutes)
        names[("officer", a.officer_id)] = a.officer.get_full_name() or a.officer.get_username()
        names[("shift", a.shift_id)] = a.shift.name

    def row(key, label, source, group):
        return Row(
            key=str(key),
            label=label,
            source=source,
            cases=len(group),
            stages={
                name: Figure.of([c[name] for c in group if c[name] is not None])
                for name, _label in DISPATCH_STAGES
            },
        )

    by_source = defaultdict(list)
    for case in per_case.values():
        by_source[case["source"]].append(case)
    labels = {"report": _("reports"), "sos": SOS_LABEL}
    return DispatchTimes(
        sources=[row(s, labels[s], s, by_source[s]) for s in ("sos", "report") if s in by_source],
        officers=sorted(
            (row(k, names[("officer", k)], "officer", g) for k, g in per_officer.items()),
            key=lambda r: str(r.label),
        ),
        shifts=sorted(
            (row(k, names[("shift", k)], "shift", g) for k, g in per_shift.items()),
            key=lambda r: str(r.label),
        ),
    )
