"""The commanders' weekly comparison of many stations, read from the daily roll-ups
(desk.rollup), and its exports: rows for the page, the CSV and the PDF (one list, so they
agree), stored weekly by beat with the audit chain head they were computed at."""

import csv
import io
from datetime import date, datetime, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from desk import report_pdf, rollup, stats, thai
from desk.models import ComparisonExport, StationDay
from incidents.models import Category
from smartzone.audit import audit_append
from smartzone.models import Station

ACTOR = "desk.tasks"


def _ratio(part, whole) -> str:
    return "-" if whole in (None, 0) or part is None else f"{part}/{whole}"


def _num(value) -> str:
    return "-" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def comparison(*, stations, week_start: date) -> dict:
    """Return the week's comparison of STATIONS as JSON-ready data (labels in the active
    language): per station its figures and the week before's, and the categories seen."""
    stations = list(stations.order_by("name"))
    ids = [s.pk for s in stations]
    this = rollup.week_figures(station_ids=ids, week_start=week_start)
    before = rollup.week_figures(station_ids=ids, week_start=week_start - timedelta(days=7))
    codes = sorted({code for f in this.values() for code in f["by_category"]})
    labels = {c.code: c.label for c in Category.objects.filter(code__in=codes)}
    heads = StationDay.objects.filter(
        station_id__in=ids, day__gte=week_start, day__lt=week_start + timedelta(days=7)
    ).order_by("-chain_seq")
    head = heads.values_list("chain_seq", "chain_hash").first() or (0, "")
    return {
        "week_start": week_start.isoformat(),
        "period_th": thai.thai_range(week_start, week_start + timedelta(days=6)),
        "categories": [{"code": c, "label": str(labels.get(c, c))} for c in codes],
        "chain": {"seq": head[0], "hash": head[1]},
        "stations": [
            {
                "id": s.pk,
                "code": s.code,
                "name": s.name,
                "province": s.province,
                "lat": s.lat,
                "lng": s.lng,
                "week": this[s.pk],
                "previous": before[s.pk],
            }
            for s in stations
        ],
    }


# (key, label, how to show it from a station's week figures): the columns of the table,
# the CSV and the PDF, in this order.
def columns() -> list[tuple[str, str, object]]:
    return [
        ("incidents", _("Incidents"), lambda f: _num(f["incidents"])),
        ("sos", _("SOS"), lambda f: _num(f["sos"])),
        ("sos_ack", _("SOS to acknowledged (median, min)"), lambda f: _num(f["sos_ack_median"])),
        ("sos_scene", _("SOS to on scene (median, min)"), lambda f: _num(f["sos_scene_median"])),
        (
            "report_ack",
            _("Reports to acknowledged (median, min)"),
            lambda f: _num(f["report_ack_median"]),
        ),
        (
            "report_scene",
            _("Reports to on scene (median, min)"),
            lambda f: _num(f["report_scene_median"]),
        ),
        (
            "patrol",
            _("Patrol visits done / planned"),
            lambda f: _ratio(f["patrol_met"], f["patrol_planned"]),
        ),
        ("cameras", _("Cameras online"), lambda f: _ratio(f["cameras_online"], f["cameras"])),
        ("kiosks", _("SOS kiosks online"), lambda f: _ratio(f["kiosks_online"], f["kiosks"])),
        (
            "safety",
            _("Sense of safety (1-5, answers)"),
            lambda f: "-" if f["safety"] is None else f"{f['safety']:g} ({f['survey_answers']})",
        ),
        ("line", _("LINE followers"), lambda f: _num(f["line_followers"])),
    ]


def table(data: dict) -> dict:
    """Return the comparison as a table: headers and, per station, its cells (this week's
    value, the week before's), categories first after the incidents' total."""
    cols = columns()
    categories = data["categories"]
    headers = [cols[0][1], *[c["label"] for c in categories], *[c[1] for c in cols[1:]]]
    keys = [cols[0][0], *[f"cat-{c['code']}" for c in categories], *[c[0] for c in cols[1:]]]
    body = []
    for s in data["stations"]:
        cells = []
        for week in (s["week"], s["previous"]):
            values = [cols[0][2](week)]
            values += [_num(week["by_category"].get(c["code"], 0)) for c in categories]
            values += [show(week) for _key, _label, show in cols[1:]]
            cells.append(values)
        body.append(
            {
                "station": s,
                "cells": [
                    {"key": k, "label": h, "value": v, "previous": p}
                    for k, h, v, p in zip(keys, headers, cells[0], cells[1], strict=True)
                ],
            }
        )
    return {"headers": headers, "keys": keys, "rows": body}


def csv_rows(data: dict) -> list[list[str]]:
    """Return the comparison as CSV rows: a header naming the week and the audit chain head,
    then one row per station."""
    t = table(data)
    out = [
        [_("Week starting"), data["week_start"], data["period_th"]],
        [_("Audit chain head"), str(data["chain"]["seq"]), data["chain"]["hash"]],
        [_("Station"), _("Code"), _("Province"), *t["headers"]],
    ]
    for row in t["rows"]:
        s = row["station"]
        out.append([s["name"], s["code"], s["province"], *[c["value"] for c in row["cells"]]])
    return out


def pdf_rows(data: dict) -> list[tuple[str, str, str]]:
    """Return the comparison as the weekly report's (section, item, value) rows: a section per
    station, each figure with the week before's in brackets."""
    t = table(data)
    rows = []
    for row in t["rows"]:
        section = row["station"]["name"]
        for header, cell in zip(t["headers"], row["cells"], strict=True):
            rows.append((section, header, f"{cell['value']} ({cell['previous']})"))
    section = _("Audit chain")
    rows.append((section, _("Computed at the audit chain head"), f"#{data['chain']['seq']}"))
    rows.append((section, _("Its hash"), data["chain"]["hash"] or "-"))
    return rows


def pdf(data: dict, *, scope: str, generated: date) -> bytes:
    with translation.override("th"):
        return report_pdf.render(
            figures={
                "station": {"name": scope},
                "period_th": data["period_th"],
                "generated_th": thai.thai_date(generated),
            },
            rows=pdf_rows(data),
            title=_("Weekly comparison of stations"),
            note=_(
                "Figures from the daily roll-ups, computed only while the audit chain verified; "
                "in brackets the week before. Response times: median minutes from receipt."
            ),
        )


def scope_name(province: str) -> str:
    return _("Province %(name)s") % {"name": province} if province else _("All pilot stations")


def scope_stations(province: str):
    stations = Station.objects.all()
    return stations.filter(province=province) if province else stations


def export_generate(
    *, province: str, week_start: date, now: datetime | None = None
) -> tuple[ComparisonExport, bool]:
    """Write (or write again) the comparison export of PROVINCE ("" for every station) for the
    week starting WEEK_START; return (export, created). Raise rollup.ChainBroken, writing
    nothing, while the audit chain does not verify."""
    now = now or timezone.now()
    seq, hash_ = rollup.chain_head_proved(now=now, full=True)
    with translation.override("th"):
        data = comparison(stations=scope_stations(province), week_start=week_start)
        data["chain"] = {"seq": seq, "hash": hash_}  # proved now, covering every roll-up used
        scope = scope_name(province)
        body = pdf(data, scope=scope, generated=timezone.localdate(now))
        rows = csv_rows(data)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so that spreadsheet programs read the Thai as UTF-8
    csv.writer(buffer).writerows(rows)
    text = buffer.getvalue()
    name = f"comparison-{province or 'all'}-{week_start:%Y-%m-%d}"
    with transaction.atomic():
        export, created = ComparisonExport.objects.select_for_update().get_or_create(
            province=province, week_start=week_start, defaults={"generated_at": now}
        )
        old = [f.name for f in (export.pdf, export.csv) if f]
        export.generated_at, export.figures = now, data
        export.chain_seq, export.chain_hash = seq, hash_
        export.pdf.save(f"{name}.pdf", ContentFile(body), save=False)
        export.csv.save(f"{name}.csv", ContentFile(text.encode()), save=False)
        export.save()
        audit_append(
            actor=ACTOR,
            action="desk.comparison.generated" if created else "desk.comparison.regenerated",
            obj=export,
            changes={
                "province": province,
                "week_start": week_start.isoformat(),
                "chain_seq": seq,
                "stations": len(data["stations"]),
            },
        )
        storage = export.pdf.storage
        for stale in old:
            if stale not in (export.pdf.name, export.csv.name):
                transaction.on_commit(lambda n=stale: storage.delete(n))
    return export, created


def exports_generate_due(*, now: datetime | None = None) -> list[int]:
    """Write the last complete week's export of every province and of the programme, once each;
    return the new exports' ids."""
    now = now or timezone.now()
    week = stats.last_complete_week(now)
    provinces = set(
        Station.objects.exclude(province="").values_list("province", flat=True).distinct()
    )
    done = set(ComparisonExport.objects.filter(week_start=week).values_list("province", flat=True))
    created_ids = []
    for province in sorted((provinces | {""}) - done):
        export, created = export_generate(province=province, week_start=week, now=now)
        if created:
            created_ids.append(export.pk)
    return created_ids
