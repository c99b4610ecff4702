"""Input shapes of the incidents pages: the public report form and the officers' forms."""

import re

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from incidents.models import Category, Report, validate_occurred_not_in_future
from smartzone import geo, params, widgets
from smartzone.photos import MAX_PHOTOS

PHONE = re.compile(r"^\+?[0-9][0-9 \-]{7,18}[0-9]$")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; the photos themselves are checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/heic,.heic"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("Send at most %(n)d photos.") % {"n": MAX_PHOTOS})
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """Parse "west,south,east,north" in degrees; raise ValidationError saying what is wrong."""
    parts = (text or "").split(",")
    if len(parts) != 4:
        raise ValidationError(_("Give the box as west,south,east,north in degrees."))
    try:
        west, south, east, north = (float(p) for p in parts)
        geo.check_lat_lng(south, west)
        geo.check_lat_lng(north, east)
    except (ValueError, geo.GeometryError):
        raise ValidationError(_("Give the box as west,south,east,north in degrees.")) from None
    if west > east or south > north:
        raise ValidationError(_("The box's west must be left of its east, south below north."))
    return west, south, east, north


class LocationMixin:
    def clean_location(self, data: dict) -> None:
        lat, lng = data.get("lat"), data.get("lng")
        if lat is None or lng is None:
            self.add_error(
                "lat", _("Pick the place on the map, or let the page use your location.")
            )
            return
        try:
            geo.check_lat_lng(lat, lng)
        except geo.GeometryError as exc:
            self.add_error("lat", str(exc))


class ReportForm(LocationMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("What do you want to do?"),
        choices=[
            (Report.Kind.REPORT, _("Report an incident")),
            (Report.Kind.TIP_OFF, _("Give a tip-off")),
        ],
        initial=Report.Kind.REPORT,
        widget=forms.RadioSelect,
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(active=True),
        empty_label=_("Choose a category"),
    )
    description = forms.CharField(
        label=_("What happened?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    occurred_at = params.DateTimeField(
        label=_("When did it happen?"),
        required=False,
        validators=[validate_occurred_not_in_future],
        widget=widgets.DateTimeInput(),
    )
    lat = params.form_latitude(required=False, widget=forms.HiddenInput)
    lng = params.form_longitude(required=False, widget=forms.HiddenInput)
    photos = MultipleFileField(label=_("Photos (up to 5)"), required=False)
    anonymous = forms.BooleanField(
        label=_("Stay anonymous (your name, phone and address are not kept)"), required=False
    )
    reporter_name = forms.CharField(label=_("Your name (optional)"), max_length=150, required=False)
    reporter_phone = forms.CharField(
        label=_("Your phone (optional)"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    idempotency_key = forms.CharField(max_length=100, required=False, widget=forms.HiddenInput)

    def clean_reporter_phone(self):
        phone = self.cleaned_data["reporter_phone"].strip()
        if phone and not PHONE.match(phone):
            raise ValidationError(_("Give a phone number of digits, e.g. 081 234 5678."))
        return phone

    def clean(self):
        data = super().clean()
        self.clean_location(data)
        if data.get("anonymous"):
            data["reporter_name"] = ""
            data["reporter_phone"] = ""
        return data


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )


class ReportFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("Any state"))] + Report.State.choices
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        required=False,
        queryset=Category.objects.all(),
        empty_label=_("Any category"),
    )
    since = params.DateField(label=_("From"), required=False, widget=widgets.DateInput())
    until = params.DateField(label=_("Until"), required=False, widget=widgets.DateInput())
    in_zone = forms.ChoiceField(
        label=_("Where"),
        required=False,
        choices=[("", _("Anywhere")), ("yes", _("In a safety zone")), ("no", _("Outside zones"))],
    )
    bbox = forms.CharField(
        label=_("Map box (west,south,east,north)"), required=False, max_length=200
    )

    def clean_bbox(self):
        text = self.cleaned_data["bbox"].strip()
        return parse_bbox(text) if text else None

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("Give an end after the start."))
        return data

    def filters(self) -> dict:
        """The cleaned values as keyword arguments of selectors.report_filter."""
        from datetime import datetime, time, timedelta

        from django.utils import timezone

        data = self.cleaned_data
        tz = timezone.get_current_timezone()
        since = until = None
        if data.get("since"):
            since = datetime.combine(data["since"], time.min, tzinfo=tz)
        if data.get("until"):
            until = datetime.combine(data["until"] + timedelta(days=1), time.min, tzinfo=tz)
        in_zone = {"yes": True, "no": False}.get(data.get("in_zone") or "")
        return {
            "state": data.get("state") or None,
            "category": data.get("category"),
            "since": since,
            "until": until,
            "in_zone": in_zone,
            "bbox": data.get("bbox"),
        }


class TransitionForm(forms.Form):
    to_state = forms.ChoiceField(choices=Report.State.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    officer = forms.ModelChoiceField(
        label=_("Officer to send"), required=False, queryset=get_user_model().objects.none()
    )
    reason = forms.ChoiceField(
        label=_("Reason"),
        required=False,
        choices=[("", "---------")] + Report.RejectionReason.choices,
    )

    def __init__(self, *args, station=None, **kwargs):
        super().__init__(*args, **kwargs)
        if station is not None:
            self.fields["officer"].queryset = get_user_model().objects.filter(
                officer__station=station, is_active=True
            )


class UpdateForm(forms.Form):
    text = forms.CharField(
        label=_("Text"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    public = forms.BooleanField(
        label=_("Show to the reporter on the tracking page"), required=False
    )


class MergeForm(forms.Form):
    into = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
