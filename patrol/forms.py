"""Input shapes of the patrol pages."""

from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patrol.models import PatrolPoint, PatrolShift
from smartzone import dates, params, widgets

MAX_COVERAGE_DAYS = 92


class PointForm(forms.ModelForm):
    class Meta:
        model = PatrolPoint
        fields = ["name", "kind", "lat", "lng", "radius_m", "active"]
        widgets = {
            "lat": forms.NumberInput(attrs={"step": "0.000001"}),
            "lng": forms.NumberInput(attrs={"step": "0.000001"}),
        }


class CheckInForm(forms.Form):
    point = forms.CharField(widget=forms.HiddenInput, required=False, max_length=8)
    lat = params.form_latitude(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("The phone's position is missing: allow location access and try again.")
        },
    )
    lng = params.form_longitude(widget=forms.HiddenInput)
    accuracy = params.form_accuracy_m(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    away_reason = forms.CharField(
        label=_("Reason, if you check in away from the point"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PositionForm(forms.Form):
    lat = params.form_latitude()
    lng = params.form_longitude()
    accuracy = params.form_accuracy_m()


class ShiftForm(forms.Form):
    """A shift's name, window and officers, plus one "visit every N minutes" field per point."""

    name = forms.CharField(label=_("Name"), max_length=200)
    starts_at = params.DateTimeField(label=_("Starts at"), widget=widgets.DateTimeInput())
    ends_at = params.DateTimeField(label=_("Ends at"), widget=widgets.DateTimeInput())
    officers = forms.ModelMultipleChoiceField(
        label=_("Officers"),
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, station, shift: PatrolShift | None = None, **kwargs):
        initial = kwargs.pop("initial", {}) or {}
        self.points = list(PatrolPoint.objects.filter(station=station, active=True))
        planned = {}
        if shift is not None:
            planned = {r.point_id: r.interval_minutes for r in shift.plan.all()}
            self.points += [p for p in shift.points.all() if p not in self.points]
            initial |= {
                "name": shift.name,
                "starts_at": timezone.localtime(shift.starts_at),
                "ends_at": timezone.localtime(shift.ends_at),
                "officers": list(shift.officers.all()),
            }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["officers"].queryset = (
            get_user_model()
            .objects.filter(officer__station=station, is_active=True)
            .order_by("username")
        )
        for point in self.points:
            self.fields[self.point_field(point)] = forms.IntegerField(
                label=point.name,
                required=False,
                min_value=10,
                max_value=1440,
                initial=planned.get(point.pk),
                help_text=_("minutes between visits; empty: not in this shift"),
            )

    @staticmethod
    def point_field(point: PatrolPoint) -> str:
        return f"every_{point.pk}"

    def point_fields(self):
        return [self[self.point_field(p)] for p in self.points]

    def plan(self) -> dict:
        return {
            p: self.cleaned_data[self.point_field(p)]
            for p in self.points
            if self.cleaned_data.get(self.point_field(p))
        }


class CoverageForm(forms.Form):
    since = params.DateField(label=_("From"), widget=widgets.DateInput())
    until = params.DateField(label=_("To (inclusive)"), widget=widgets.DateInput())

    @classmethod
    def default_range(cls) -> dict:
        today = timezone.localdate()
        return {"since": today - timedelta(days=6), "until": today}

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until:
            if until < since:
                self.add_error("until", _("The end date is before the start date."))
            elif (until - since).days >= MAX_COVERAGE_DAYS:
                self.add_error(
                    "until",
                    _("Choose at most %(days)d days.") % {"days": MAX_COVERAGE_DAYS},
                )
        return data


class AdviceApplyForm(CoverageForm):
    """Apply the patrol advice of a coverage range to one coming shift."""

    shift = forms.ModelChoiceField(label=_("Shift"), queryset=PatrolShift.objects.none())

    def __init__(self, *args, shifts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if shifts is not None:
            self.fields["shift"].queryset = shifts
        self.fields["shift"].label_from_instance = lambda shift: (
            f"{shift.name} · {dates.format_datetime(shift.starts_at)}"
        )
