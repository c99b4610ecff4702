from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.models import Category
from smartzone import widgets
from smartzone.dates import format_date

MAX_PERIOD_DAYS = 366
# Dates outside this range are typing mistakes (and the previous period of year 1 would not exist).
EARLIEST = date(2000, 1, 1)


def check_date(value: date) -> None:
    latest = timezone.localdate() + timedelta(days=MAX_PERIOD_DAYS)
    if not EARLIEST <= value <= latest:
        raise forms.ValidationError(
            _("Choose a date between %(first)s and %(last)s.")
            % {"first": format_date(EARLIEST), "last": format_date(latest)}
        )


CELL_SIZES = [(100, "100 m"), (150, "150 m"), (200, "200 m"), (250, "250 m")]


class PeriodForm(forms.Form):
    """The period of the desk's figures, and the hotspot grid's category and cell size."""

    since = forms.DateField(label=_("From"), widget=widgets.DateInput(), validators=[check_date])
    until = forms.DateField(
        label=_("To (inclusive)"),
        widget=widgets.DateInput(),
        validators=[check_date],
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    cell = forms.TypedChoiceField(
        label=_("Grid cell"), choices=CELL_SIZES, coerce=int, required=False, empty_value=150
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All categories"))] + [
            (c.code, c.label) for c in Category.objects.all()
        ]

    @staticmethod
    def defaults() -> dict:
        today = timezone.localdate()
        return {"since": today - timedelta(days=29), "until": today, "cell": 150}

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until:
            if until < since:
                self.add_error("until", _("The end date is before the start date."))
            elif (until - since).days >= MAX_PERIOD_DAYS:
                self.add_error(
                    "until", _("Choose at most %(days)d days.") % {"days": MAX_PERIOD_DAYS}
                )
        return data


class GenerateForm(forms.Form):
    week = forms.DateField(
        label=_("Week starting (Monday)"),
        widget=widgets.DateInput(),
        validators=[check_date],
    )

    def clean_week(self):
        week = self.cleaned_data["week"]
        if week < EARLIEST:
            raise forms.ValidationError(_("Choose a later week."))
        if week.weekday() != 0:
            raise forms.ValidationError(_("Choose a Monday."))
        if week > timezone.localdate():
            raise forms.ValidationError(_("This week has not started yet."))
        return week


SCORES = [(n, str(n)) for n in range(1, 6)]


SCORE_REQUIRED = _("Choose a score from 1 to 5.")


def _score(label) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": SCORE_REQUIRED, "invalid_choice": SCORE_REQUIRED},
    )


class SurveyForm(forms.Form):
    """The three questions, and the station they are for: with one station it is that one
    (nothing to send), with several the resident picks it from a list."""

    station = forms.ModelChoiceField(
        label=_("Police station"),
        queryset=None,
        to_field_name="code",
        empty_label=_("Choose your police station"),
        error_messages={
            "required": _("Choose your police station from the list."),
            "invalid_choice": _("Choose your police station from the list."),
        },
    )
    safe_in_zone = _score(_("How safe do you feel in the zone?"))
    safe_at_night = _score(_("How safe do you feel there at night?"))
    trust_response = _score(_("How much do you trust the station to respond when you need it?"))

    def __init__(self, *args, stations, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["station"]
        field.queryset = stations
        only = list(stations[:2])
        self.only_station = only[0] if len(only) == 1 else None
        if self.only_station is not None:
            field.required = False
            field.widget = forms.HiddenInput()
            self.initial["station"] = self.only_station.code

    def clean_station(self):
        return self.cleaned_data.get("station") or self.only_station

    def error_summary(self) -> list[tuple[str, str]]:
        """(field label, what to do) for every error, for the list at the top of the page."""
        return [
            (str(self.fields[name].label) if name in self.fields else "", message)
            for name, errors in self.errors.items()
            for message in errors
        ]
