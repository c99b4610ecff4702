"""API shapes of the patrol app."""

from rest_framework import serializers

from patrol.models import CheckIn, OfficerPosition, PatrolPoint
from smartzone import params


class PatrolPointSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = PatrolPoint
        fields = [
            "id",
            "station",
            "name",
            "short_id",
            "kind",
            "kind_label",
            "lat",
            "lng",
            "radius_m",
            "active",
        ]


class CheckInSerializer(serializers.ModelSerializer):
    officer_name = serializers.CharField(source="officer.get_username", read_only=True)

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "point",
            "officer",
            "officer_name",
            "shift",
            "checked_at",
            "lat",
            "lng",
            "accuracy_m",
            "distance_m",
            "note",
            "away_from_point",
            "away_reason",
        ]
        read_only_fields = fields


class CheckInCreateSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=200)
    point = serializers.CharField(max_length=8, required=False, allow_blank=True)
    lat = params.latitude()
    lng = params.longitude()
    accuracy_m = params.accuracy_m()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    away_reason = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, default=""
    )


class OfficerPositionSerializer(serializers.ModelSerializer):
    officer_name = serializers.CharField(source="officer.get_username", read_only=True)
    ends_at = serializers.DateTimeField(source="shift.ends_at", read_only=True)

    class Meta:
        model = OfficerPosition
        fields = [
            "officer",
            "officer_name",
            "shift",
            "lat",
            "lng",
            "accuracy_m",
            "reported_at",
            "ends_at",
        ]
