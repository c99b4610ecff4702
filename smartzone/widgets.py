"""Form widgets of the core app."""

import json

from django import forms
from django.conf import settings


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
            ]
        }
        js = ["leaflet/leaflet.js", "leaflet/draw/leaflet.draw.js", "smartzone/boundary_widget.js"]

    def format_value(self, value):
        if isinstance(value, dict | list):
            return json.dumps(value)
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["tiles_url"] = settings.MAP_TILES_URL
        return context
