"""The commanders above the stations: who sees which stations, that they only read, that a
look at a case is audited, and that the week's figures from the daily roll-ups match a week
seeded in three stations and computed by hand (run on SQLite and on PostgreSQL)."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.test import Client

from community.models import Follower
from desk import comparison, rollup
from desk.models import ComparisonExport, SafetyAnswer, StationDay
from incidents.models import Report
from smartzone import services
from smartzone.audit import audit_verify
from smartzone.models import AuditEntry, AuditHead, Commander, Station
from tests.conftest import PASSWORD
from tests.desk.conftest import at, seed_report, seed_sos

WEEK = date(2026, 11, 16)  # a Monday
AFTER_WEEK = at("2026-11-24 06:00")


@pytest.fixture
def stations(station, other_station):
    """Two stations of Mukdahan province and one of Nakhon Phanom."""
    Station.objects.filter(pk__in=[station.pk, other_station.pk]).update(province="มุกดาหาร")
    third = services.station_save(
        actor="test",
        station=Station(
            code="that-phanom", name="สภ.ธาตุพนม", province="นครพนม", lat=16.94, lng=104.71
        ),
    )
    station.refresh_from_db()
    other_station.refresh_from_db()
    return station, other_station, third


def commander(username: str, role: str, province: str = "") -> Client:
    services.commander_create(
        actor="test", username=username, password=PASSWORD, role=role, province=province
    )
    client = Client()
    client.force_login(Commander.objects.get(user__username=username).user)
    return client


@pytest.fixture
def province_client(stations):
    return commander("khun-province", Commander.Role.PROVINCE, "มุกดาหาร")


@pytest.fixture
def programme_client(stations):
    return commander("khun-programme", Commander.Role.PROGRAMME)


def shown_stations(client) -> set[str]:
    page = client.get("/desk/commanders/")
    assert page.status_code == 200
    return {row["station"]["code"] for row in page.context["table"]["rows"]}


@pytest.mark.django_db
def test_a_province_commander_sees_the_stations_of_their_province_and_none_other(
    stations, province_client
):
    a, b, c = stations
    assert shown_stations(province_client) == {a.code, b.code}
    assert province_client.get(f"/desk/commanders/stations/{b.pk}/").status_code == 200
    assert province_client.get(f"/desk/commanders/stations/{c.pk}/").status_code == 404


@pytest.mark.django_db
def test_the_programme_sees_every_pilot_station(stations, programme_client):
    assert shown_stations(programme_client) == {s.code for s in stations}


@pytest.mark.django_db
def test_commanders_are_refused_every_write_and_every_station_page(
    stations, province_client, theft
):
    a, _b, _c = stations
    report = seed_report(a, theft, at("2026-11-17 10:00"))
    for url in ("/desk/commanders/", f"/desk/commanders/stations/{a.pk}/"):
        assert province_client.post(url).status_code == 405
    assert province_client.get("/dashboard/").status_code == 403
    assert province_client.get(f"/reports/{report.pk}/").status_code == 403
    assert province_client.post(f"/reports/{report.pk}/transition/").status_code == 403
    assert province_client.get("/api/v1/reports/").status_code == 403
    api = province_client.post(f"/api/v1/reports/{report.pk}/transition/", {"to": "triaged"})
    assert api.status_code == 403
    report.refresh_from_db()
    assert report.state == Report.State.NEW


@pytest.mark.django_db
def test_officers_are_refused_the_commanders_pages(stations, officer_client):
    assert officer_client.get("/desk/commanders/").status_code == 403


@pytest.mark.django_db
def test_a_commander_opening_a_case_leaves_an_audit_entry_naming_them(
    stations, province_client, theft
):
    a, _b, c = stations
    report = seed_report(a, theft, at("2026-11-17 10:00"))
    sos = seed_sos(a, at("2026-11-18 12:00"), acknowledged=2)
    page = province_client.get(f"/desk/commanders/stations/{a.pk}/reports/{report.pk}/")
    assert page.status_code == 200
    assert province_client.get(f"/desk/commanders/stations/{a.pk}/sos/{sos.pk}/").status_code == 200
    seen = AuditEntry.objects.filter(action="desk.case.viewed").order_by("pk")
    assert [(e.actor_label, e.object_type, e.object_id, e.station_id) for e in seen] == [
        ("khun-province", "incidents.report", str(report.pk), a.pk),
        ("khun-province", "sos.sosevent", str(sos.pk), a.pk),
    ]
    # Another province's case is not theirs to open, even naming a station they cover.
    other = seed_report(c, theft, at("2026-11-17 10:00"))
    assert (
        province_client.get(f"/desk/commanders/stations/{a.pk}/reports/{other.pk}/").status_code
        == 404
    )
    assert seen.count() == 2


def seed_week(stations, categories):
    a, b, c = stations
    theft, drugs = categories["theft"], categories["drugs"]
    # Station A: three incidents in the week (one the Sunday night), one spam, one after.
    seed_report(a, theft, at("2026-11-16 10:00"), triaged=4, on_scene=10)
    seed_report(a, theft, at("2026-11-17 09:00"), triaged=10)
    seed_report(a, drugs, at("2026-11-22 23:30"), triaged=20, on_scene=40)
    spam = seed_report(a, theft, at("2026-11-18 09:00"), rejected=1)
    Report.objects.filter(pk=spam.pk).update(rejection_reason=Report.RejectionReason.SPAM)
    seed_report(a, theft, at("2026-11-23 00:10"), triaged=1)  # the next week
    seed_report(a, theft, at("2026-11-10 12:00"), triaged=8)  # the week before
    seed_sos(a, at("2026-11-18 12:00"), acknowledged=2, on_scene=8)
    seed_sos(a, at("2026-11-19 12:00"), acknowledged=6, on_scene=20)
    seed_sos(a, at("2026-11-20 12:00"), acknowledged=1)
    for scores, day in (((5, 4, 3), "2026-11-17 08:00"), ((2, 2, 2), "2026-11-21 08:00")):
        SafetyAnswer.objects.create(
            station=a,
            month=date(2026, 11, 1),
            respondent=day,
            safe_in_zone=scores[0],
            safe_at_night=scores[1],
            trust_response=scores[2],
            answered_at=at(day),
        )
    for i, (joined, left) in enumerate(
        (
            ("2026-11-01 08:00", None),
            ("2026-11-02 08:00", "2026-11-19 08:00"),
            ("2026-11-18 08:00", None),
            ("2026-11-23 08:00", None),  # after the week
        )
    ):
        Follower.objects.create(
            station=a,
            line_user_id=f"U{i:032x}",
            joined_at=at(joined),
            left_at=at(left) if left else None,
        )
    # Station B: one incident, no SOS.
    seed_report(b, drugs, at("2026-11-19 15:00"), triaged=30, on_scene=45)
    # Station C: two incidents, one SOS never acknowledged.
    seed_report(c, theft, at("2026-11-16 01:00"))
    seed_report(c, theft, at("2026-11-21 18:00"), triaged=3)
    seed_sos(c, at("2026-11-21 19:00"))


def roll_up_the_week(now=AFTER_WEEK):
    for back in range(14):
        rollup.station_days_compute(day=WEEK + timedelta(days=7) - timedelta(days=back), now=now)


EMPTY = {
    "sos": 0,
    "sos_ack_median": None,
    "sos_ack_p90": None,
    "sos_scene_median": None,
    "sos_scene_p90": None,
    "report_ack_median": None,
    "report_ack_p90": None,
    "report_scene_median": None,
    "report_scene_p90": None,
    "patrol_planned": 0,
    "patrol_met": 0,
    "cameras": None,
    "cameras_online": None,
    "kiosks": None,
    "kiosks_online": None,
    "survey_answers": 0,
    "safety": None,
    "line_followers": 0,
}


@pytest.mark.django_db
def test_the_weeks_figures_of_three_stations_match_the_hand_computed_ones(stations, categories):
    a, b, c = stations
    seed_week(stations, categories)
    roll_up_the_week()
    roll_up_the_week()  # again: the same rows, not twice as many
    assert StationDay.objects.count() == 3 * 14
    figures = rollup.week_figures(station_ids=[a.pk, b.pk, c.pk], week_start=WEEK)
    head = AuditHead.objects.get().seq
    for f in figures.values():
        assert f.pop("days") == 7
        assert f.pop("chain_seq") == head
    assert figures[a.pk] == EMPTY | {
        "incidents": 3,
        "by_category": {"drugs": 1, "theft": 2},
        "sos": 3,
        # acknowledged after 2, 6, 1 minutes: sorted 1, 2, 6; p90 at rank 1.8 = 2 + 0.8 * 4
        "sos_ack_median": 2.0,
        "sos_ack_p90": 5.2,
        "sos_scene_median": 14.0,  # 8 and 20
        "sos_scene_p90": 18.8,  # 8 + 0.9 * 12
        "report_ack_median": 10.0,  # 4, 10, 20
        "report_ack_p90": 18.0,  # rank 1.8: 10 + 0.8 * 10
        "report_scene_median": 25.0,  # 10 and 40
        "report_scene_p90": 37.0,
        "survey_answers": 2,
        "safety": 3.0,  # (5 + 4 + 3 + 2 + 2 + 2) / 6
        "line_followers": 2,  # at the end of Sunday: one left, one joined, one came later
    }
    assert figures[b.pk] == EMPTY | {
        "incidents": 1,
        "by_category": {"drugs": 1},
        "report_ack_median": 30.0,
        "report_ack_p90": 30.0,
        "report_scene_median": 45.0,
        "report_scene_p90": 45.0,
    }
    assert figures[c.pk] == EMPTY | {
        "incidents": 2,
        "by_category": {"theft": 2},
        "sos": 1,
        "report_ack_median": 3.0,
        "report_ack_p90": 3.0,
    }
    before = rollup.week_figures(station_ids=[a.pk], week_start=WEEK - timedelta(days=7))
    assert before[a.pk]["incidents"] == 1


@pytest.mark.django_db
def test_the_page_shows_the_roll_ups_and_links_each_figure_to_the_stations_page(
    stations, categories, province_client
):
    a, _b, _c = stations
    seed_week(stations, categories)
    roll_up_the_week()
    page = province_client.get(f"/desk/commanders/?week={WEEK}").content.decode()
    station_url = f"/desk/commanders/stations/{a.pk}/?week={WEEK}"
    assert f'href="{station_url}#incidents">3</a>' in page
    assert f'href="{station_url}#sos_ack">2</a>' in page
    assert "2569" in page  # Buddhist-era dates


@pytest.mark.django_db
def test_the_weekly_export_names_the_chain_head_and_is_refused_a_broken_chain(
    stations, categories, settings, tmp_path, province_client, programme_client
):
    settings.DATA_DIR = tmp_path
    a, _b, c = stations
    seed_week(stations, categories)
    roll_up_the_week()
    ids = comparison.exports_generate_due(now=AFTER_WEEK)
    assert comparison.exports_generate_due(now=AFTER_WEEK) == []  # once a week
    exports = {e.province: e for e in ComparisonExport.objects.filter(pk__in=ids)}
    assert set(exports) == {"", "มุกดาหาร", "นครพนม"}
    mine = exports["มุกดาหาร"]
    assert audit_verify()[1] is None
    head = AuditEntry.objects.filter(pk__lte=mine.chain_seq).order_by("-pk").first()
    assert (mine.chain_seq, mine.chain_hash) == (head.pk, head.hash)
    body = province_client.get(f"/desk/commanders/exports/{mine.pk}/comparison.csv")
    text = b"".join(body.streaming_content).decode("utf-8-sig")
    assert f"{mine.chain_seq},{mine.chain_hash}" in text
    assert f"{a.name},{a.code},มุกดาหาร,3," in text
    assert c.name not in text
    pdf = province_client.get(f"/desk/commanders/exports/{mine.pk}/comparison.pdf")
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    # Another province's export is not theirs; the programme reads every one.
    other = exports["นครพนม"]
    assert (
        province_client.get(f"/desk/commanders/exports/{other.pk}/comparison.pdf").status_code
        == 404
    )
    assert (
        programme_client.get(f"/desk/commanders/exports/{other.pk}/comparison.pdf").status_code
        == 200
    )
    # A changed audit entry: no export is computed from the broken chain (the export walks it
    # all), and no roll-up once the change is in what the roll-up has not proved yet.
    AuditEntry.objects.filter(pk=head.pk).update(action="tampered")
    with pytest.raises(rollup.ChainBroken):
        comparison.export_generate(province="มุกดาหาร", week_start=WEEK, now=AFTER_WEEK)
    assert ComparisonExport.objects.get(pk=mine.pk).chain_seq == mine.chain_seq
    AuditEntry.objects.filter(pk=head.pk).update(action=head.action)
    rollup.station_days_compute(day=WEEK, now=AFTER_WEEK)  # proves the chain to its head
    services.station_save(actor="test", station=Station.objects.get(pk=c.pk))  # appends
    newest = AuditEntry.objects.order_by("-pk").first()
    AuditEntry.objects.filter(pk=newest.pk).update(actor_label="someone else")
    rows = list(StationDay.objects.order_by("pk").values())
    with pytest.raises(rollup.ChainBroken):
        rollup.station_days_update(now=AFTER_WEEK)
    assert list(StationDay.objects.order_by("pk").values()) == rows


@pytest.mark.django_db
def test_the_demo_has_a_province_and_a_programme_login():
    call_command("seed_demo")
    roles = dict(Commander.objects.values_list("user__username", "role"))
    assert roles == {"province": "province", "programme": "programme"}
    assert Commander.objects.get(role="province").province == "มุกดาหาร"


@pytest.mark.django_db
def test_the_demo_province_commander_compares_several_stations_with_figures(capsys):
    """seed_demo: Mukdahan city and three district stations, last week's reports at each
    district station rolled up, so the default week's comparison is a real one."""
    call_command("seed_demo")
    client = Client()
    client.force_login(Commander.objects.get(user__username="province").user)
    page = client.get("/desk/commanders/")
    assert page.status_code == 200
    week = {row["code"]: row["week"] for row in page.context["data"]["stations"]}
    assert set(week) == {
        "mukdahan-city",
        "mukdahan-don-tan",
        "mukdahan-khamcha-i",
        "mukdahan-wan-yai",
    }
    assert week["mukdahan-don-tan"]["incidents"] == 2
    assert week["mukdahan-khamcha-i"]["incidents"] == 2
    assert week["mukdahan-wan-yai"]["incidents"] == 1
    html = page.content.decode()
    assert "สถานีตำรวจภูธรดอนตาล" in html
    # On a phone each station is a card whose figures are named by their column (data-label).
    headers = page.context["table"]["headers"]
    assert f'data-key="incidents" data-label="{headers[0]}"' in html
