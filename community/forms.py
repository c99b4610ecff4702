"""Form shapes of the community pages and the LINE channel admin."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from community.models import Broadcast, Decision, Follower, LineChannel, Meeting, Partner
from smartzone import params, widgets
from smartzone.models import Landmark, SafetyZone


class BroadcastForm(forms.Form):
    text = forms.CharField(
        max_length=4000,
        label=_("message"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Thai first; the first line is the notice's title."),
    )
    image_url = forms.URLField(
        required=False,
        assume_scheme="https",
        label=_("image URL"),
        help_text=_("An https:// address of a JPEG or PNG."),
    )
    link_url = forms.URLField(required=False, assume_scheme="https", label=_("link"))
    audience = forms.ChoiceField(choices=Broadcast.Audience.choices, label=_("audience"))
    zone = forms.ModelChoiceField(
        queryset=SafetyZone.objects.none(), required=False, label=_("zone or community")
    )
    public = forms.BooleanField(
        required=False,
        label=_("public notice"),
        help_text=_("Also show it on the public notices page."),
    )

    def __init__(self, *args, station=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = SafetyZone.objects.filter(station=station)

    def clean_image_url(self):
        url = self.cleaned_data["image_url"]
        if url and not url.startswith("https://"):
            raise forms.ValidationError(_("LINE shows images from https:// addresses only."))
        return url

    def clean(self):
        data = super().clean()
        if data.get("audience") == Broadcast.Audience.ZONE and not data.get("zone"):
            self.add_error("zone", _("Pick the zone or community to send to."))
        return data


class ScheduleForm(forms.Form):
    send_at = params.DateTimeField(
        label=_("send at"),
        widget=widgets.DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )


class DecisionForm(forms.ModelForm):
    class Meta:
        model = Decision
        fields = ["text", "owner", "due_date"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2}),
            "due_date": widgets.DateInput(),
        }


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("file"))


class LineChannelAdminForm(forms.ModelForm):
    """Write-only fields for the secret and token: leave them empty to keep what is stored."""

    channel_secret = forms.CharField(
        required=False,
        label=_("channel secret"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the stored one."),
    )
    access_token = forms.CharField(
        required=False,
        label=_("channel access token"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the stored one."),
    )

    class Meta:
        model = LineChannel
        fields = ["station", "name", "enabled"]


class FollowerPartnerForm(forms.Form):
    """Mark one of the station's followers as the contact of one of its partners (or none)."""

    follower = forms.ModelChoiceField(queryset=Follower.objects.none(), label=_("LINE follower"))
    partner = forms.ModelChoiceField(
        queryset=Partner.objects.none(),
        required=False,
        label=_("partner"),
        empty_label=_("not a partner's contact"),
    )

    def __init__(self, *args, station=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["follower"].queryset = Follower.objects.filter(station=station)
        self.fields["partner"].queryset = Partner.objects.filter(station=station)


class DutyForm(forms.Form):
    hours = forms.TypedChoiceField(
        coerce=int,
        label=_("on duty for"),
        choices=[
            (0, _("off duty")),
            (4, _("4 hours")),
            (8, _("8 hours")),
            (12, _("12 hours")),
            (24, _("24 hours")),
        ],
    )


class PartnerForm(forms.ModelForm):
    """A partner of the station's network; the place is picked on the map (or a landmark)."""

    class Meta:
        model = Partner
        fields = ["name", "kind", "contact_person", "phone", "lat", "lng", "landmark", "note"]
        widgets = {
            "lat": forms.NumberInput(attrs={"step": "any", "class": "sz-pick-lat"}),
            "lng": forms.NumberInput(attrs={"step": "any", "class": "sz-pick-lng"}),
            "note": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "lat": _("Click the map to place the partner."),
            "landmark": _("Without a place on the map, the partner takes the landmark's."),
        }

    def __init__(self, *args, station=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["landmark"].queryset = Landmark.objects.filter(station=station)


class MeetingForm(forms.ModelForm):
    """A network meeting: when, where, who attended (partners and officers), the minutes."""

    class Meta:
        model = Meeting
        fields = ["title", "date", "place", "partners", "officers", "minutes"]
        widgets = {
            "date": widgets.DateInput(),
            "partners": forms.CheckboxSelectMultiple,
            "officers": forms.CheckboxSelectMultiple,
            "minutes": forms.Textarea(attrs={"rows": 8}),
        }

    def __init__(self, *args, station=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partners"].queryset = Partner.objects.filter(station=station)
        self.fields["officers"].queryset = (
            get_user_model()
            .objects.filter(officer__station=station, is_active=True)
            .order_by("first_name", "username")
        )
        self.fields["officers"].label_from_instance = lambda u: u.get_full_name() or u.username
