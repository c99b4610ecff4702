from django import forms
from django.utils.translation import gettext_lazy as _

from smartzone import registry


def kind_choices() -> list[tuple[str, str]]:
    """Return the event families (the part of a kind before its last dot) with a label."""
    families: dict[str, str] = {}
    for kind, label in registry.EVENT_LABELS.items():
        families.setdefault(kind.rsplit(".", 1)[0], str(label))
    return sorted(families.items())


class TimelineFilterForm(forms.Form):
    kind = forms.MultipleChoiceField(label=_("What"), required=False)
    zone = forms.TypedChoiceField(label=_("Zone"), required=False, coerce=int, empty_value=None)
    since = forms.DateTimeField(
        label=_("From"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    until = forms.DateTimeField(
        label=_("Until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, zones=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kind_choices()
        self.fields["zone"].choices = [("", _("All zones"))] + [(z.pk, z.name) for z in zones]

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] >= data["until"]:
            self.add_error("until", _("Give an end after the start."))
        return data
