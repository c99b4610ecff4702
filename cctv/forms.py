"""Input shapes of the cctv pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cctv.models import AnalysisJob, Camera, WatchlistEntry

MAX_CLIP_BYTES = 500 * 1024 * 1024


class EntryForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    aliases = forms.CharField(label=_("aliases"), max_length=300, required=False)
    category = forms.ChoiceField(label=_("category"), choices=WatchlistEntry.Category.choices)
    legal_basis = forms.CharField(label=_("warrant or case number"), max_length=120, required=False)
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea, required=False)
    valid_until = forms.DateField(
        label=_("valid until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    photo = forms.FileField(label=_("enrollment photo"))


class PhotoForm(forms.Form):
    photo = forms.FileField(label=_("enrollment photo"))


class JobForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=AnalysisJob.Kind.choices)
    purpose = forms.CharField(label=_("why"), max_length=300)
    camera = forms.ModelChoiceField(
        label=_("camera"), queryset=Camera.objects.none(), required=False
    )
    clip = forms.FileField(label=_("clip"), required=False)
    window_start = forms.DateTimeField(
        label=_("from"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    window_end = forms.DateTimeField(
        label=_("until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
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
