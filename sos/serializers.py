"""Input shapes of the kiosk API."""

import base64
import binascii

from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from smartzone import params, registry
from sos.models import SosEvent
from sos.services import nearby_of

MAX_SNAPSHOT_BYTES = 1024 * 1024


@extend_schema_field({"type": "string", "format": "byte", "description": "Base64 JPEG or PNG."})
class SnapshotField(serializers.ImageField):
    """A base64 JPEG/PNG, decoded and verified with Pillow like any upload."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(_("Send the snapshot as base64 text."))
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError(_("The snapshot is not valid base64.")) from None
        if len(raw) > MAX_SNAPSHOT_BYTES:
            raise serializers.ValidationError(_("The snapshot is larger than 1 MB."))
        return super().to_internal_value(ContentFile(raw, name="snapshot.jpg"))


class KioskSosSerializer(serializers.Serializer):
    event_id = serializers.CharField(max_length=80)
    lat = params.latitude(required=False)
    lng = params.longitude(required=False)
    message = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    snapshot = SnapshotField(required=False)
    kiosk = serializers.CharField(
        required=False, help_text=_("Optional: the kiosk's serial; must be the signing kiosk.")
    )


class DispatchSerializer(serializers.Serializer):
    officers = serializers.ListField(child=params.IdParam(), min_length=1, max_length=100)


class HeartbeatSerializer(serializers.Serializer):
    kiosk = serializers.CharField(required=False)


class SosSerializer(serializers.ModelSerializer):
    kiosk_name = serializers.CharField(source="kiosk.name", default=None, read_only=True)
    # Declared so that the schema allows "" (no outcome yet); DRF drops allow_blank from a
    # read-only model field.
    outcome = serializers.ChoiceField(
        choices=SosEvent.Outcome.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = SosEvent
        fields = [
            "id",
            "station",
            "source",
            "kiosk",
            "kiosk_name",
            "client_event_id",
            "lat",
            "lng",
            "message",
            "state",
            "outcome",
            "received_at",
            "acknowledged_at",
            "dispatched_at",
            "on_scene_at",
            "closed_at",
            "escalated_at",
        ]
        read_only_fields = fields


class NearbySerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    id = serializers.IntegerField()
    name = serializers.CharField()
    lat = serializers.FloatField()
    lng = serializers.FloatField()
    distance_m = serializers.FloatField()


class OpenSosSerializer(SosSerializer):
    """An open SOS as the dashboard pins it: with the nearest help (as in its live alert) and
    the number to call back (for the station's officers only: never in an event payload)."""

    nearby = serializers.SerializerMethodField()

    class Meta(SosSerializer.Meta):
        fields = [*SosSerializer.Meta.fields, "callback_phone", "nearby"]
        read_only_fields = fields

    @extend_schema_field(NearbySerializer(many=True))
    def get_nearby(self, sos: SosEvent) -> list[dict]:
        return registry.nearby_payload(nearby_of(sos))
