"""Date and time inputs in a Thai browser: the value is ISO whatever the language (a date
picker ignores "23/11/2569" or "23/11/2026"), and ISO comes back in as a date."""

import importlib
import inspect
from datetime import date, datetime

import pytest
from django import forms
from django.conf import settings
from django.utils import timezone, translation

from smartzone import widgets

FORM_MODULES = [f"{app}.forms" for app in settings.PROJECT_APPS]


def date_fields():
    """Every date or date-time field of every form of the project, as (form, name, field)."""
    found = []
    for module_name in FORM_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        for _name, form in inspect.getmembers(module, inspect.isclass):
            if not issubclass(form, forms.BaseForm) or form.__module__ != module_name:
                continue
            for name, field in form.base_fields.items():
                if isinstance(field, forms.DateField | forms.DateTimeField):
                    found.append((form, name, field))
    return found


def test_the_forms_of_the_project_have_date_fields_to_check():
    assert len(date_fields()) >= 15


@pytest.mark.parametrize(
    ("form", "name", "field"), date_fields(), ids=lambda v: getattr(v, "__name__", "")
)
def test_every_date_field_uses_the_shared_iso_picker(form, name, field):
    timed = isinstance(field, forms.DateTimeField)
    expected = widgets.DateTimeInput if timed else widgets.DateInput
    assert isinstance(field.widget, expected), f"{form.__name__}.{name}"


def test_a_date_renders_as_iso_in_a_thai_page():
    class Form(forms.Form):
        day = forms.DateField(widget=widgets.DateInput())
        at = forms.DateTimeField(widget=widgets.DateTimeInput())

    with translation.override("th"):
        html = str(
            Form(
                initial={
                    "day": date(2026, 11, 23),
                    "at": timezone.make_aware(datetime(2026, 11, 23, 14, 30, 59)),
                }
            )
        )
    assert 'type="date"' in html and 'value="2026-11-23"' in html
    assert 'type="datetime-local"' in html and 'value="2026-11-23T14:30"' in html


def test_what_a_thai_browser_sends_is_read_back():
    class Form(forms.Form):
        day = forms.DateField(widget=widgets.DateInput())
        at = forms.DateTimeField(widget=widgets.DateTimeInput())

    with translation.override("th"):
        form = Form({"day": "2026-11-23", "at": "2026-11-23T14:30"})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == date(2026, 11, 23)
    assert timezone.localtime(form.cleaned_data["at"]).strftime("%Y-%m-%d %H:%M") == (
        "2026-11-23 14:30"
    )


@pytest.mark.django_db
def test_the_weekly_report_form_shows_its_default_week(supervisor_client):
    from desk import stats

    week = stats.last_complete_week(timezone.now())
    page = supervisor_client.get("/desk/reports/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert f'value="{week.isoformat()}"' in page


@pytest.mark.django_db
def test_the_desk_and_coverage_filters_show_their_default_dates(supervisor_client):
    today = timezone.localdate().isoformat()
    for url in ("/desk/", "/patrol/coverage/"):
        page = supervisor_client.get(url, HTTP_ACCEPT_LANGUAGE="th").content.decode()
        assert f'value="{today}"' in page, url
