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
    """A phone SOS: its position, or a callback number, or both (the position may follow)."""

    lat = forms.FloatField(min_value=-90, max_value=90, required=False, label=_("latitude"))
    lng = forms.FloatField(min_value=-180, max_value=180, required=False, label=_("longitude"))
    callback_phone = forms.RegexField(
        regex=r"^\+?[0-9 -]{6,20}$",
        required=False,
        label=_("callback phone"),
        error_messages={"invalid": _("Give a phone number of digits, e.g. 081 234 5678.")},
    )
    message = forms.CharField(max_length=500, required=False, label=_("message"))
    station = forms.CharField(max_length=40, required=False, label=_("Police station"))

    def clean(self):
        data = super().clean()
        lat, lng = data.get("lat"), data.get("lng")
        if (lat is None) != (lng is None) and not self.errors.get("lat", self.errors.get("lng")):
            self.add_error("lat" if lat is None else "lng", _("Send both latitude and longitude."))
        if lat is None and lng is None and not data.get("callback_phone") and not self.errors:
            self.add_error(
                "callback_phone",
                _("Type a number the police can call you back on, or allow location access."),
            )
        return data


class PublicLocationForm(forms.Form):
    """The position a phone adds to the SOS it raised."""

    lat = forms.FloatField(min_value=-90, max_value=90, label=_("latitude"))
    lng = forms.FloatField(min_value=-180, max_value=180, label=_("longitude"))
