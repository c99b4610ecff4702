"""Input shapes of the cctv pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cctv.models import AnalysisJob, Camera, CameraSite, WatchlistEntry, split_credentials
from smartzone import params, widgets

MAX_CLIP_BYTES = 500 * 1024 * 1024


class CameraSiteForm(forms.ModelForm):
    class Meta:
        model = CameraSite
        fields = ["name", "lat", "lng", "address"]


class CameraForm(forms.ModelForm):
    """A camera of one station. The stream password is write-only: never rendered back, and a
    blank field keeps the stored one. Credentials typed into a URL are moved to their fields
    before anything is validated or shown again."""

    password = forms.CharField(
        label=_("stream password"),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        required=False,
        max_length=200,
        help_text=_(
            "Leave empty to keep the stored password. Changing the address of the camera "
            "removes the stored user name and password unless you type the password again."
        ),
    )
    clear_password = forms.BooleanField(label=_("remove the stored password"), required=False)

    class Meta:
        model = Camera
        fields = [
            "site",
            "code",
            "name",
            "lat",
            "lng",
            "direction_deg",
            "fov_deg",
            "range_m",
            "stream_url",
            "snapshot_url",
            "username",
            "make",
            "model",
            "installed_on",
            "live_view_blocked",
            "live_view_blocked_reason",
        ]
        widgets = {"installed_on": widgets.DateInput()}

    def __init__(self, data=None, *args, sites=None, **kwargs):
        if data is not None:
            data = data.copy()
            for field in ("stream_url", "snapshot_url"):
                clean, user, password = split_credentials(data.get(field, ""))
                data[field] = clean
                if user:
                    data["username"], data["password"] = user, password
        super().__init__(data, *args, **kwargs)
        if sites is not None:
            self.fields["site"].queryset = sites

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("clear_password"):
            self.instance.password = ""
        elif cleaned.get("password"):
            self.instance.password = cleaned["password"]
        return cleaned


class EntryForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    aliases = forms.CharField(label=_("aliases"), max_length=300, required=False)
    category = forms.ChoiceField(label=_("category"), choices=WatchlistEntry.Category.choices)
    legal_basis = forms.CharField(label=_("warrant or case number"), max_length=120, required=False)
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea, required=False)
    valid_until = params.DateField(label=_("valid until"), widget=widgets.DateInput())
    photo = forms.FileField(label=_("enrollment photo"))


class PhotoForm(forms.Form):
    photo = forms.FileField(label=_("enrollment photo"))


class EntryStatusForm(forms.Form):
    """Reject or revoke an entry: the reason goes to the audit trail."""

    note = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))


class RenewForm(forms.Form):
    valid_until = params.DateField(label=_("valid until"), widget=widgets.DateInput())


class JobForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=AnalysisJob.Kind.choices)
    purpose = forms.CharField(label=_("why"), max_length=300)
    camera = forms.ModelChoiceField(
        label=_("camera"), queryset=Camera.objects.none(), required=False
    )
    clip = forms.FileField(label=_("clip"), required=False)
    window_start = params.DateTimeField(
        label=_("from"),
        required=False,
        widget=widgets.DateTimeInput(),
    )
    window_end = params.DateTimeField(
        label=_("until"),
        required=False,
        widget=widgets.DateTimeInput(),
    )
    watch_minutes = forms.IntegerField(
        label=_("minutes to watch"), required=False, min_value=1, max_value=1440
    )

    def __init__(self, *args, cameras=None, **kwargs):
        super().__init__(*args, **kwargs)
        if cameras is not None:
            self.fields["camera"].queryset = cameras

    def clean_clip(self):
        clip = self.cleaned_data.get("clip")
        if clip and clip.size > MAX_CLIP_BYTES:
            raise forms.ValidationError(_("The clip is larger than 500 MB."))
        return clip


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[("confirmed", _("Confirm")), ("dismissed", _("Dismiss"))],
    )
    note = forms.CharField(label=_("note"), widget=forms.Textarea, required=False)
