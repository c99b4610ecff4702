from django import forms
from django.utils.translation import gettext_lazy as _

from smartzone import params, privacy, registry, widgets


def kind_choices() -> list[tuple[str, str]]:
    """Return the event families (the part of a kind before its last dot) with a label."""
    families: dict[str, str] = {}
    for kind, label in registry.event_labels().items():
        families.setdefault(kind.rsplit(".", 1)[0], label)
    return sorted(families.items())


class TimelineFilterForm(forms.Form):
    kind = forms.MultipleChoiceField(
        label=_("What"), required=False, widget=widgets.FlatSelectMultiple
    )
    zone = forms.TypedChoiceField(label=_("Zone"), required=False, coerce=int, empty_value=None)
    since = params.DateTimeField(
        label=_("From"),
        required=False,
        widget=widgets.DateTimeInput(),
    )
    until = params.DateTimeField(
        label=_("Until"),
        required=False,
        widget=widgets.DateTimeInput(),
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    before = params.IdField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, zones=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kind_choices()
        self.fields["zone"].choices = [("", _("All zones"))] + [(z.pk, z.name) for z in zones]

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] >= data["until"]:
            self.add_error("until", _("Give an end after the start."))
        return data


class DataSubjectForm(forms.Form):
    """Who a data-subject request is about: a phone number or a LINE user id (one of them)."""

    phone = forms.CharField(label=_("Phone number"), required=False, max_length=40)
    line_user_id = forms.CharField(label=_("LINE user id"), required=False, max_length=64)
    confirm = forms.BooleanField(
        label=_("I have checked the person's identity and the request; erase their data."),
        required=False,
    )

    def clean_phone(self) -> str:
        text = self.cleaned_data["phone"].strip()
        if not text:
            return ""
        digits = privacy.normalise_phone(text)
        if not privacy.is_phone(digits):
            raise forms.ValidationError(
                _("Enter a Thai phone number of 9 or 10 digits, e.g. 081-234-5678.")
            )
        return digits

    def clean_line_user_id(self) -> str:
        text = self.cleaned_data["line_user_id"].strip()
        if text and not privacy.LINE_USER_ID.match(text):
            raise forms.ValidationError(
                _("A LINE user id is U followed by letters a-f and digits, as LINE sends it.")
            )
        return text

    def clean(self):
        data = super().clean()
        phone, line_user_id = data.get("phone"), data.get("line_user_id")
        if not self.errors and bool(phone) == bool(line_user_id):
            raise forms.ValidationError(_("Give a phone number or a LINE user id (one of them)."))
        return data

    def subject(self) -> registry.Subject:
        return registry.Subject(
            phone=self.cleaned_data["phone"], line_user_id=self.cleaned_data["line_user_id"]
        )
