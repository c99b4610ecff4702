"""Form shapes of the sos pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from smartzone import access, widgets


class KioskEditForm(forms.Form):
    """What may change on a kiosk in service: not its station or serial (its identity)."""

    name = forms.CharField(max_length=200, label=_("name"))
    lat = forms.FloatField(min_value=-90, max_value=90, label=_("latitude"))
    lng = forms.FloatField(min_value=-180, max_value=180, label=_("longitude"))
    installed_on = forms.DateField(
        required=False, label=_("installed on"), widget=widgets.DateInput()
    )
    heartbeat_interval_s = forms.IntegerField(
        min_value=10, initial=60, label=_("expected heartbeat interval (s)")
    )


class KioskForm(KioskEditForm):
    station = forms.ModelChoiceField(queryset=None, label=_("station"))
    serial = forms.CharField(max_length=80, label=_("serial number"))
    field_order = ["station", "name", "serial", "lat", "lng", "installed_on"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = access.stations_for(user)


class PublicSosForm(forms.Form):
    lat = forms.FloatField(min_value=-90, max_value=90, label=_("latitude"))
    lng = forms.FloatField(min_value=-180, max_value=180, label=_("longitude"))
    callback_phone = forms.RegexField(
        regex=r"^\+?[0-9 -]{6,20}$", required=False, label=_("callback phone")
    )
    message = forms.CharField(max_length=500, required=False, label=_("message"))
