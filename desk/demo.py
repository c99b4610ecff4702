"""Demo roll-ups: the daily figures (desk.models.StationDay) of the last two weeks, computed by
the roll-up itself from the demo's rows, so the commanders' comparison shows the demo stations
before the hourly beat task has run (the embedded default may run no beat). A second run
recomputes the same rows and reports nothing created."""

from desk import rollup
from desk.models import StationDay

DAYS = 14


def seed() -> list[str]:
    before = StationDay.objects.count()
    rollup.station_days_update(days=DAYS)
    created = StationDay.objects.count() - before
    return [f"{created} daily roll-ups of the stations"] if created else []
