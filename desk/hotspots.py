"""Hotspots: incidents counted on a square grid in metres, against the previous period.

The grid lives in the UTM zone of the station (pyproj, no GDAL), so a cell is CELL_M x CELL_M
metres on the ground wherever the station is; cells are keyed by their column and row there,
and their corners are turned back into longitude/latitude for the map.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from itertools import islice

import numpy as np
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from pyproj import Transformer

from incidents.models import Category, Report

DEFAULT_CELL_M = 150
ROW_BASE = -(2**31)  # rows are shifted by this to pack as a non-negative 32-bit number
TOP_CELLS = 5


def incidents(*, station_id: int, since: datetime, until: datetime) -> QuerySet[Report]:
    """Return the station's incidents received in [SINCE, UNTIL): every report and tip-off
    except those rejected as spam or as a duplicate (they are not incidents of their own)."""
    return Report.objects.filter(
        station_id=station_id, created_at__gte=since, created_at__lt=until
    ).exclude(NOT_INCIDENTS)


# Reports that are not incidents of their own: rejected as spam or as a duplicate.
NOT_INCIDENTS = Q(state=Report.State.REJECTED) & Q(
    rejection_reason__in=[Report.RejectionReason.SPAM, Report.RejectionReason.DUPLICATE]
)


@lru_cache(maxsize=64)
def _transformers(utm_zone: int, north: bool) -> tuple[Transformer, Transformer]:
    epsg = (32600 if north else 32700) + utm_zone
    return (
        Transformer.from_crs(4326, epsg, always_xy=True),
        Transformer.from_crs(epsg, 4326, always_xy=True),
    )


def utm_zone_of(lat: float, lng: float) -> tuple[int, bool]:
    return int((lng + 180) // 6) % 60 + 1, lat >= 0


@dataclass
class Cell:
    col: int
    row: int
    count: int = 0
    previous: int = 0
    categories: Counter = field(default_factory=Counter)
    lat_sum: float = 0.0
    lng_sum: float = 0.0
    # ((lng, lat), ...), a closed ring. Tuples of floats: the garbage collector stops tracking
    # them, and tens of thousands of lists of lists made each grid cost a full collection.
    polygon: tuple = ()

    @property
    def key(self) -> str:
        return f"{self.col}:{self.row}"

    @property
    def change(self) -> int:
        return self.count - self.previous

    @property
    def change_percent(self) -> float | None:
        """The change as a percentage of the previous count; None when it was 0."""
        return round(100 * self.change / self.previous, 1) if self.previous else None

    @property
    def category_counts(self) -> list[tuple[str, int]]:
        """(category code, count) of the period, most first (templates cannot read a Counter)."""
        return self.categories.most_common()

    @property
    def category_labels(self) -> list[tuple[str, int]]:
        """(category label in the page's language, count) of the period, most first."""
        labels = {c.code: c.label for c in Category.objects.filter(code__in=self.categories)}
        return [(labels.get(code, code), n) for code, n in self.category_counts]

    @property
    def centre(self) -> tuple[float, float] | None:
        """The mean position (lat, lng) of the period's incidents in the cell: its risk point."""
        if not self.count:
            return None
        return self.lat_sum / self.count, self.lng_sum / self.count


@dataclass
class Hotspots:
    since: datetime
    until: datetime
    previous_since: datetime
    cell_m: int
    cells: list[Cell]
    total: int
    previous_total: int

    @property
    def top(self) -> list[Cell]:
        """The cells with the most incidents in the period (then the largest rise)."""
        ranked = sorted(
            (c for c in self.cells if c.count), key=lambda c: (-c.count, -c.change, c.key)
        )
        return ranked[:TOP_CELLS]

    @property
    def change(self) -> int:
        return self.total - self.previous_total

    def geojson(self) -> dict:
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [c.polygon]},
                "properties": {
                    "cell": c.key,
                    "count": c.count,
                    "previous": c.previous,
                    "change": c.change,
                    "change_percent": c.change_percent,
                    "categories": dict(c.categories),
                    "centre": list(c.centre) if c.centre else None,
                },
            }
            for c in self.cells
        ]
        return {
            "type": "FeatureCollection",
            "features": features,
            "properties": {
                "since": self.since.isoformat(),
                "until": self.until.isoformat(),
                "previous_since": self.previous_since.isoformat(),
                "cell_m": self.cell_m,
                "total": self.total,
                "previous_total": self.previous_total,
                "top": [c.key for c in self.top],
                "labels": {
                    "layer": str(_("Hotspots (incidents per cell)")),
                    "incidents": str(_("incidents")),
                    "previous": str(_("previous period")),
                },
            },
        }


def _cells_of(forward, rows, cell_m: int):
    """Return the distinct cells (col, row) of ROWS' points, the index among them of each row's
    cell, and the rows' latitudes and longitudes, as numpy arrays."""
    lats = np.fromiter((r[0] for r in rows), float, len(rows))
    lngs = np.fromiter((r[1] for r in rows), float, len(rows))
    x, y = forward.transform(lngs, lats)
    cols = np.floor_divide(x, cell_m).astype(np.int64)
    rws = np.floor_divide(y, cell_m).astype(np.int64)
    # A column and row packed into one integer (UTM metres are far below 2**31 cells), so one
    # numpy pass finds the distinct cells and each row's index among them.
    distinct, which = np.unique((cols << 32) + (rws - ROW_BASE), return_inverse=True)
    keys = list(
        zip((distinct >> 32).tolist(), ((distinct & 0xFFFFFFFF) + ROW_BASE).tolist(), strict=True)
    )
    return keys, which.reshape(-1), lats, lngs


def grid(
    *,
    origin: tuple[float, float],
    current: list[tuple[float, float, str]],
    previous: list[tuple[float, float, str]],
    cell_m: int = DEFAULT_CELL_M,
) -> dict[tuple[int, int], Cell]:
    """Count (lat, lng, category) rows of both periods into CELL_M cells of ORIGIN's UTM zone.

    Every row lands in exactly one cell, so the cells' counts add up to len(CURRENT) and their
    previous counts to len(PREVIOUS). Cells with incidents in neither period do not appear.
    A cell's categories are in code order (so most_common() breaks ties by code).
    """
    # Rows are counted in numpy; Python loops only over the cells and their categories (a year
    # of reports is 10^5 rows in 10^4 cells).
    forward, back = _transformers(*utm_zone_of(*origin))
    cells: dict[tuple[int, int], Cell] = {}
    if current:
        keys, which, lats, lngs = _cells_of(forward, current, cell_m)
        counts = np.bincount(which, minlength=len(keys)).tolist()
        lat_sums = np.bincount(which, weights=lats, minlength=len(keys)).tolist()
        lng_sums = np.bincount(which, weights=lngs, minlength=len(keys)).tolist()
        found = []
        for (col, row), count, lat_sum, lng_sum in zip(
            keys, counts, lat_sums, lng_sums, strict=True
        ):
            cell = Cell(col=col, row=row, count=count, lat_sum=lat_sum, lng_sum=lng_sum)
            cells[(col, row)] = cell
            found.append(cell)
        codes = sorted({r[2] for r in current})
        code_index = {code: i for i, code in enumerate(codes)}
        categories = np.fromiter((code_index[r[2]] for r in current), np.int64, len(current))
        pairs, pair_counts = np.unique(which * len(codes) + categories, return_counts=True)
        for index, category, count in zip(
            (pairs // len(codes)).tolist(),
            (pairs % len(codes)).tolist(),
            pair_counts.tolist(),
            strict=True,
        ):
            found[index].categories[codes[category]] = count
    if previous:
        keys, which, _, _ = _cells_of(forward, previous, cell_m)
        for (col, row), count in zip(keys, np.bincount(which).tolist(), strict=True):
            cell = cells.get((col, row))
            if cell is None:
                cell = cells[(col, row)] = Cell(col=col, row=row)
            cell.previous = count
    if cells:
        # Every cell's corners in one call: transforming cell by cell costs far more.
        corners = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], float)
        origins = np.array(list(cells), float)
        xy = (origins[:, None, :] + corners[None, :, :]) * cell_m
        lngs, lats = back.transform(xy[..., 0].ravel(), xy[..., 1].ravel())
        points = zip(np.round(lngs, 7).tolist(), np.round(lats, 7).tolist(), strict=True)
        for cell in cells.values():
            cell.polygon = tuple(islice(points, 5))
    return cells


def hotspots(
    *,
    station,
    since: datetime,
    until: datetime,
    categories: list[str] | None = None,
    cell_m: int = DEFAULT_CELL_M,
) -> Hotspots:
    """Return the station's incidents of [SINCE, UNTIL) on the grid, each cell with its count in
    the previous period of the same length, [SINCE - (UNTIL - SINCE), SINCE)."""
    previous_since = since - (until - since)

    def rows(start, end):
        query = incidents(station_id=station.pk, since=start, until=end)
        if categories:
            query = query.filter(category__code__in=categories)
        # No ORDER BY: the grid does not need one, and sorting a year of reports costs more
        # than reading them.
        return list(query.order_by().values_list("lat", "lng", "category__code"))

    current, previous = rows(since, until), rows(previous_since, since)
    cells = grid(
        origin=(station.lat, station.lng), current=current, previous=previous, cell_m=cell_m
    )
    return Hotspots(
        since=since,
        until=until,
        previous_since=previous_since,
        cell_m=cell_m,
        cells=sorted(cells.values(), key=lambda c: (-c.count, c.key)),
        total=len(current),
        previous_total=len(previous),
    )
