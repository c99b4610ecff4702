from rest_framework import serializers

from smartzone.models import Event, Landmark, SafetyZone, Station


class StationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Station
        fields = ["id", "code", "name", "name_en", "province", "phone", "lat", "lng"]


class ZoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = SafetyZone
        fields = [
            "id",
            "station",
            "name",
            "name_en",
            "boundary",
            "area_km2",
            "perimeter_km",
            "residents",
            "description",
        ]


class LandmarkSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Landmark
        fields = [
            "id",
            "station",
            "zone",
            "name",
            "name_en",
            "kind",
            "kind_label",
            "lat",
            "lng",
            "note",
        ]
        read_only_fields = ["zone"]


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = ["id", "station", "kind", "payload", "created_at"]


class GeoJSONFeatureCollectionSerializer(serializers.Serializer):
    """Documents the GeoJSON answers of the map endpoints."""

    type = serializers.CharField(default="FeatureCollection")
    features = serializers.ListField(child=serializers.DictField())
