"""The weekly station report: its figures, the page, the PDF and the CSV, on demand and on a
schedule, one per station and week."""

import csv
import io
import re
from datetime import date, timedelta
from html import unescape
from pathlib import Path

import pytest
from pypdf import PdfReader

from cctv.models import AnalysisJob, FaceMatch
from community import network_services
from community.models import Broadcast, Decision, Meeting
from desk import services, tasks, thai
from desk.models import SafetyAnswer, WeeklyReport
from desk.weekly import rows
from patrol import selectors as patrol_selectors
from smartzone.models import AuditEntry, Event
from tests.cctv.conftest import make_entry
from tests.desk.conftest import MARKET, RIVERSIDE, at, seed_report, seed_sos

WEEK = date(2026, 11, 23)  # Monday; the week ends on Sunday 29 November 2569
NOW = at("2026-12-01 09:00")


@pytest.fixture
def week(station, zone, supervisor, officer, categories):
    theft, other = categories["theft"], categories[list(categories)[1]]
    for day in (23, 25, 29):
        seed_report(station, theft, at(f"2026-11-{day} 10:00"), MARKET, zone=zone, triaged=5)
    seed_report(station, other, at("2026-11-26 22:00"), RIVERSIDE)
    seed_report(station, theft, at("2026-11-22 23:59"), MARKET, zone=zone)  # the week before
    seed_report(station, theft, at("2026-11-30 00:00"), MARKET, zone=zone)  # the week after
    seed_sos(station, at("2026-11-24 21:00"), acknowledged=2, on_scene=10, closed=30)
    seed_sos(station, at("2026-11-27 21:00"), acknowledged=4)
    entry = make_entry(station, supervisor)
    job = AnalysisJob.objects.create(station=station, kind="clip", purpose="x", created_by=officer)
    reviewed = at("2026-11-25 12:00")
    for frame, status, when in (
        (1, FaceMatch.Status.CONFIRMED, reviewed),
        (2, FaceMatch.Status.DISMISSED, reviewed),
        (3, FaceMatch.Status.DISMISSED, reviewed),
        (4, FaceMatch.Status.DISMISSED, at("2026-11-20 12:00")),  # reviewed the week before
        (5, FaceMatch.Status.CANDIDATE, None),
    ):
        FaceMatch.objects.create(
            station=station,
            job=job,
            entry=entry,
            track_start_frame=frame,
            seen_at=reviewed,
            score=0.7,
            distance=0.3,
            status=status,
            reviewed_at=when,
            reviewed_by=supervisor if when else None,
        )
    FaceMatch.objects.update(created_at=at("2026-11-19 12:00"))
    Broadcast.objects.create(
        station=station, text="b", audience="everyone", state="sent", sent_at=at("2026-11-28 08:00")
    )
    Broadcast.objects.create(
        station=station, text="b", audience="everyone", state="sent", sent_at=at("2026-11-30 08:00")
    )
    meeting = network_services.meeting_save(
        actor="test", meeting=Meeting(station=station, title="ประชุมเครือข่าย", date=WEEK)
    )
    for text, done_at in (
        ("ติดไฟส่องสว่าง", None),
        ("ย้ายจุดตรวจ", at("2026-11-25 10:00")),  # done within the week: not open
        ("เพิ่มกล้อง", at("2026-12-01 08:00")),  # done after it: open at the week's end
    ):
        network_services.decision_save(
            actor="test",
            decision=Decision(
                meeting=meeting,
                text=text,
                owner="ร้านทอง",
                due_date=date(2026, 12, 15),
                done=done_at is not None,
                done_at=done_at,
            ),
        )
    for index, scores in enumerate(((4, 3, 5), (2, 1, 3))):
        SafetyAnswer.objects.create(
            station=station,
            month=date(2026, 11, 1),
            respondent=f"{index:064d}",
            safe_in_zone=scores[0],
            safe_at_night=scores[1],
            trust_response=scores[2],
            answered_at=at("2026-11-20 10:00"),
        )
    return {"theft": theft, "other": other, "zone": zone}


def test_the_figures_are_the_weeks(station, supervisor, week):
    report, created = services.weekly_report_generate(
        actor=supervisor, station=station, week_start=WEEK, now=NOW
    )
    f = report.figures
    assert created and f["period_th"] == "23 - 29 พฤศจิกายน 2569"
    assert (f["incidents"]["total"], f["incidents"]["previous_total"]) == (4, 1)
    assert {r["code"]: r["count"] for r in f["incidents"]["by_category"]} == {
        "theft": 3,
        week["other"].code: 1,
    }
    assert [r["count"] for r in f["incidents"]["by_zone"]] == [3, 1]
    assert f["incidents"]["by_zone"][0]["zone"] == week["zone"].name
    assert f["sos"]["count"] == 2
    assert f["sos_response"]["acknowledged"] == {"count": 2, "median": 3.0, "p90": 3.8}
    assert f["reports_response"]["acknowledged"] == {"count": 3, "median": 5.0, "p90": 5.0}
    assert f["face_matches"] == {"confirmed": 1, "dismissed": 2, "pending": 1}
    assert f["broadcasts"] == {"sent": 1}
    assert sorted(d["text"] for d in f["decisions"]) == ["ติดไฟส่องสว่าง", "เพิ่มกล้อง"]
    november = next(m for m in f["survey"] if m["month"] == "2026-11-01")
    assert november == {
        "month": "2026-11-01",
        "month_th": "พฤศจิกายน 2569",
        "answers": 2,
        "safe_in_zone": 3.0,
        "safe_at_night": 2.0,
        "trust_response": 4.0,
    }
    coverage = patrol_selectors.coverage(
        station=station, since=at("2026-11-23 00:00"), until=at("2026-11-30 00:00"), now=NOW
    )
    assert {k: f["patrol"][k] for k in coverage.totals} == coverage.totals


def test_thai_dates_use_the_buddhist_era_and_thai_month_names():
    assert thai.thai_date(date(2026, 1, 5)) == "5 มกราคม 2569"
    assert thai.thai_range(date(2026, 12, 28), date(2027, 1, 3)) == "28 ธันวาคม 2569 - 3 มกราคม 2570"
    assert thai.thai_range(date(2026, 11, 30), date(2026, 12, 6)) == "30 พฤศจิกายน - 6 ธันวาคม 2569"


def test_the_pdf_parses_back_and_holds_the_weeks_figures(station, supervisor, week):
    report, _ = services.weekly_report_generate(
        actor=supervisor, station=station, week_start=WEEK, now=NOW
    )
    with report.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    squashed = re.sub(r"\s+", "", text)
    assert "2569" in text and "3.8" in text  # the year (B.E.) and the SOS's p90 to acknowledge
    # Every value of the report's rows is in the PDF, in the page's order.
    position = 0
    for _section, _item, value in rows(report.figures):
        found = squashed.find(re.sub(r"\s+", "", value), position)
        assert found >= 0, value
        position = found
    assert "ติดไฟส่องสว่าง" in squashed


def page_rows(html: str) -> list[tuple[str, str, str]]:
    found = []
    for section, body in re.findall(r"<h2>(.*?)</h2>\s*<table[^>]*>(.*?)</table>", html, re.S):
        for item, value in re.findall(
            r"<tr class=\"figure-row\"><th>(.*?)</th><td>(.*?)</td>", body
        ):
            found.append((unescape(section), unescape(item), unescape(value)))
    return found


def test_the_csv_matches_the_page(officer_client, station, supervisor, week):
    report, _ = services.weekly_report_generate(
        actor=supervisor, station=station, week_start=WEEK, now=NOW
    )
    page = officer_client.get(f"/desk/reports/{report.pk}/")
    assert page.status_code == 200
    shown = page_rows(page.content.decode())
    download = officer_client.get(f"/desk/reports/{report.pk}/report.csv")
    assert download["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert [tuple(r) for r in table[1:]] == shown == rows(report.figures)
    assert len(shown) > 30
    pdf = officer_client.get(f"/desk/reports/{report.pk}/report.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_generating_a_week_again_keeps_one_report_and_replaces_it(
    station, supervisor, week, django_capture_on_commit_callbacks
):
    first, created = services.weekly_report_generate(
        actor=supervisor, station=station, week_start=WEEK, now=NOW
    )
    old_pdf = first.pdf.name
    seed_report(station, week["theft"], at("2026-11-28 10:00"), MARKET)
    with django_capture_on_commit_callbacks(execute=True):
        again, created_again = services.weekly_report_generate(
            actor=supervisor, station=station, week_start=WEEK, now=NOW + timedelta(hours=1)
        )
    assert (created, created_again) == (True, False) and again.pk == first.pk
    assert WeeklyReport.objects.count() == 1
    assert again.figures["incidents"]["total"] == 5
    assert again.pdf.storage.exists(again.pdf.name)
    actions = list(
        AuditEntry.objects.filter(object_type="desk.weeklyreport").values_list("action", flat=True)
    )
    assert actions == ["desk.weekly_report.generated", "desk.weekly_report.regenerated"]
    assert Event.objects.filter(kind="desk.weekly_report").count() == 2
    assert again.pdf.name != old_pdf and not again.pdf.storage.exists(old_pdf)


def test_a_report_that_rolls_back_leaves_no_pdf_on_disk(station, supervisor, week, monkeypatch):
    def fail(**_kwargs):
        raise RuntimeError("the outbox is down")

    root = Path(WeeklyReport._meta.get_field("pdf").storage.location)
    before = set(root.rglob("*.pdf"))
    monkeypatch.setattr(services, "event_record", fail)
    with pytest.raises(RuntimeError):
        services.weekly_report_generate(actor=supervisor, station=station, week_start=WEEK, now=NOW)
    assert not WeeklyReport.objects.exists()
    assert set(root.rglob("*.pdf")) == before
    # Without the failure the same call writes one PDF there.
    monkeypatch.undo()
    report, _ = services.weekly_report_generate(
        actor=supervisor, station=station, week_start=WEEK, now=NOW
    )
    assert set(root.rglob("*.pdf")) - before == {root / report.pdf.name}


def test_the_scheduled_task_writes_last_weeks_report_once_per_station(
    station, other_station, week, monkeypatch, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: NOW)
    with django_capture_on_commit_callbacks(execute=True):
        created = tasks.weekly_reports_generate()
    assert len(created) == 2
    assert tasks.weekly_reports_generate() == []
    reports = WeeklyReport.objects.order_by("station_id")
    assert [(r.station_id, r.week_start) for r in reports] == [
        (station.pk, WEEK),
        (other_station.pk, WEEK),
    ]
    assert reports.get(station=station).figures["incidents"]["total"] == 4


def test_a_supervisor_generates_a_report_with_the_button(supervisor_client, station, week):
    response = supervisor_client.post("/desk/reports/generate/", {"week": "2026-11-23"})
    report = WeeklyReport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/desk/reports/{report.pk}/"
    listing = supervisor_client.get("/desk/reports/").content.decode()
    assert "23 - 29 พฤศจิกายน 2569" in listing and 'data-testid="generate-form"' in listing


def test_the_button_refuses_a_day_that_is_not_a_monday(supervisor_client, station):
    response = supervisor_client.post("/desk/reports/generate/", {"week": "2026-11-24"})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["week"]
    for far in ("0001-01-01", "9999-12-27"):  # Mondays, off the calendar the desk uses
        response = supervisor_client.post("/desk/reports/generate/", {"week": far})
        assert response.status_code == 400 and list(response.context["form"].errors) == ["week"]
    assert not WeeklyReport.objects.exists()


def test_an_officer_reads_reports_but_cannot_generate_them(officer_client, station, week):
    assert officer_client.post("/desk/reports/generate/", {"week": "2026-11-23"}).status_code == 403
    assert (
        'data-testid="generate-form"' not in officer_client.get("/desk/reports/").content.decode()
    )


def test_another_stations_officer_cannot_open_the_report(
    other_officer_client, station, supervisor, week
):
    report, _ = services.weekly_report_generate(
        actor=supervisor, station=station, week_start=WEEK, now=NOW
    )
    for suffix in ("", "report.pdf", "report.csv"):
        assert other_officer_client.get(f"/desk/reports/{report.pk}/{suffix}").status_code == 404


def test_a_refused_week_writes_nothing_and_a_rollback_sends_nothing(
    station, supervisor, week, django_capture_on_commit_callbacks
):
    from django.core.exceptions import ValidationError
    from django.db import transaction

    with pytest.raises(ValidationError):
        services.weekly_report_generate(
            actor=supervisor, station=station, week_start=WEEK + timedelta(days=1), now=NOW
        )
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.weekly_report_generate(actor=supervisor, station=station, week_start=WEEK, now=NOW)
        raise RuntimeError("the caller's transaction fails after the report")
    assert callbacks == []
    assert not WeeklyReport.objects.exists()
    assert not Event.objects.filter(kind="desk.weekly_report").exists()
    assert not AuditEntry.objects.filter(action__startswith="desk.").exists()


def test_an_officer_or_another_stations_supervisor_may_not_generate(
    station, officer, other_supervisor, week
):
    from django.core.exceptions import PermissionDenied

    for actor in (officer, other_supervisor):
        with pytest.raises(PermissionDenied):
            services.weekly_report_generate(actor=actor, station=station, week_start=WEEK, now=NOW)
    assert not WeeklyReport.objects.exists()
