"""Dates shown one way: Buddhist era in Thai, Gregorian in English, in the station's time zone;
the same text from the server (smartzone.dates, the sz_dates filters) and from scripts
(SmartZoneDates in smartzone/static/smartzone/dates.js)."""

import datetime as dt
import json

import pytest
from django.template import Context, Template
from django.utils import translation

from smartzone import dates
from tests.conftest import ROOT

# 23:30 UTC on 31 December 2026 is already 06:30 on 1 January 2027 in Bangkok (UTC+7).
NEW_YEAR_UTC = dt.datetime(2026, 12, 31, 23, 30, 9, tzinfo=dt.UTC)


def test_thai_shows_the_buddhist_year_in_the_station_time_zone():
    with translation.override("th"):
        assert dates.format_datetime(NEW_YEAR_UTC) == "1 ม.ค. 2570 06:30"
        assert dates.format_datetime(NEW_YEAR_UTC, seconds=True) == "1 ม.ค. 2570 06:30:09"
        assert dates.format_date(NEW_YEAR_UTC) == "1 ม.ค. 2570"
        assert dates.format_time(NEW_YEAR_UTC) == "06:30"


def test_english_shows_the_christian_year_in_the_station_time_zone():
    with translation.override("en"):
        assert dates.format_datetime(NEW_YEAR_UTC) == "1 Jan 2027 06:30"
        assert dates.format_date(dt.date(2026, 12, 2)) == "2 Dec 2026"


def test_a_date_without_a_time_is_shown_as_a_date():
    with translation.override("th"):
        assert dates.format_datetime(dt.date(2026, 12, 2)) == "2 ธ.ค. 2569"


@pytest.mark.parametrize("empty", [None, ""])
def test_nothing_is_shown_for_no_date(empty):
    assert dates.format_date(empty) == dates.format_datetime(empty) == ""
    assert dates.format_time(empty) == ""


def test_the_template_filters_give_the_same_text():
    template = Template(
        "{% load sz_dates %}{{ v|sz_date }}|{{ v|sz_datetime }}|{{ v|sz_datetime_seconds }}|"
        "{{ v|sz_time }}|{{ none|sz_datetime|default:'-' }}"
    )
    with translation.override("th"):
        text = template.render(Context({"v": NEW_YEAR_UTC, "none": None}))
    assert text == "1 ม.ค. 2570|1 ม.ค. 2570 06:30|1 ม.ค. 2570 06:30:09|06:30|-"


@pytest.mark.browser
def test_the_script_helper_writes_what_the_server_writes(browser):
    script = (ROOT / "smartzone" / "static" / "smartzone" / "dates.js").read_text()
    iso = NEW_YEAR_UTC.isoformat()
    for language in ("th", "en"):
        page = browser.new_page()
        page.set_content(f'<html lang="{language}" data-tz="Asia/Bangkok"><body></body></html>')
        page.add_script_tag(content=script)
        shown = page.evaluate(
            f"[SmartZoneDates.formatDateTime({json.dumps(iso)}),"
            f" SmartZoneDates.formatDate({json.dumps(iso)}),"
            f" SmartZoneDates.formatTime({json.dumps(iso)}, true)]"
        )
        page.close()
        with translation.override(language):
            expected = [
                dates.format_datetime(NEW_YEAR_UTC),
                dates.format_date(NEW_YEAR_UTC),
                dates.format_time(NEW_YEAR_UTC, seconds=True),
            ]
        assert shown == expected, language


def test_csv_exports_write_local_times_a_spreadsheet_reads_as_dates():
    assert dates.format_for_spreadsheet(NEW_YEAR_UTC) == "2027-01-01 06:30:09"
    assert dates.format_for_spreadsheet(dt.date(2026, 12, 2)) == "2026-12-02"
    assert dates.format_for_spreadsheet(None) == ""
