"""Form widgets of the core app."""

import json

from django import forms

from smartzone.basemap import basemap_config


class BoundaryWidget(forms.Textarea):
    """A GeoJSON polygon textarea with a Leaflet map to draw or edit the polygon on.

    The textarea stays the source of truth (and works without JavaScript); the map writes the
    drawn polygon into it. Leaflet and Leaflet.draw come from django-leaflet's static files.
    """

    template_name = "smartzone/widgets/boundary.html"

    class Media:
        css = {
            "all": [
                "leaflet/leaflet.css",
                "leaflet/draw/leaflet.draw.css",
                "smartzone/boundary_widget.css",
                "smartzone/basemap.css",
            ]
        }
        js = [
            "leaflet/leaflet.js",
            "leaflet/draw/leaflet.draw.js",
            "vendor/protomaps-leaflet/protomaps-leaflet.js",
            "smartzone/basemap.js",
            "smartzone/boundary_widget.js",
        ]

    def format_value(self, value):
        if isinstance(value, dict | list):
            return json.dumps(value)
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["basemap_json"] = json.dumps(basemap_config())
        return context


class FlatSelectMultiple(forms.SelectMultiple):
    """A multiple select of plain options (no option groups), drawn by one template.

    Django's select renders each option in a group of its own and includes a template for it;
    for the timeline's two dozen kinds that was a tenth of the page's time. The HTML is the
    same as Django's.
    """

    template_name = "smartzone/widgets/flat_select.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["options"] = [option for _, group, _ in widget["optgroups"] for option in group]
        return context


class DateInput(forms.DateInput):
    """A date picker (`<input type=date>`) whose value is always ISO (2026-11-23).

    The browser shows the date in its user's language and sends ISO; Django would otherwise
    write the value in the active language's format (23/11/2026 in Thai), which the picker
    ignores, leaving the field blank.
    """

    input_type = "date"
    ISO_FORMAT = "%Y-%m-%d"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs, format=format or self.ISO_FORMAT)


class DateTimeInput(forms.DateTimeInput):
    """A local date and time picker (`<input type=datetime-local>`), its value always ISO
    (2026-11-23T14:30) in the station's time zone."""

    input_type = "datetime-local"
    ISO_FORMAT = "%Y-%m-%dT%H:%M"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs, format=format or self.ISO_FORMAT)
