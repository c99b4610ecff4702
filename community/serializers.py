"""Output shapes of the community API (read-only: writes go through the pages)."""

from rest_framework import serializers

from community.models import Broadcast, Decision, DeliveryBatch, Partner


class DeliveryBatchSerializer(serializers.ModelSerializer):
    recipient_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = DeliveryBatch
        fields = [
            "number",
            "method",
            "recipient_count",
            "state",
            "attempts",
            "last_error",
            "line_request_id",
            "updated_at",
        ]


class BroadcastSerializer(serializers.ModelSerializer):
    batches = DeliveryBatchSerializer(many=True, read_only=True)

    class Meta:
        model = Broadcast
        fields = [
            "id",
            "station",
            "title",
            "text",
            "image_url",
            "link_url",
            "audience",
            "zone",
            "public",
            "state",
            "scheduled_at",
            "sent_at",
            "failure_reason",
            "created_at",
            "batches",
        ]


class PartnerSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Partner
        fields = [
            "id",
            "station",
            "name",
            "kind",
            "kind_label",
            "contact_person",
            "phone",
            "lat",
            "lng",
            "landmark",
        ]


class DecisionSerializer(serializers.ModelSerializer):
    meeting_title = serializers.CharField(source="meeting.title", read_only=True)
    meeting_date = serializers.DateField(source="meeting.date", read_only=True)

    class Meta:
        model = Decision
        fields = ["id", "meeting", "meeting_title", "meeting_date", "text", "owner", "due_date"]
