"""Input and output shapes of the cctv API. Camera credentials are never part of any."""

from rest_framework import serializers

from cctv.models import AnalysisJob, Camera, FaceMatch, WatchlistEntry, redact_url


class CameraSerializer(serializers.ModelSerializer):
    site = serializers.CharField(source="site.name", read_only=True)
    has_stream = serializers.SerializerMethodField()

    class Meta:
        model = Camera
        fields = [
            "id",
            "code",
            "name",
            "site",
            "lat",
            "lng",
            "direction_deg",
            "fov_deg",
            "range_m",
            "make",
            "model",
            "installed_on",
            "status",
            "last_seen_at",
            "has_stream",
        ]
        read_only_fields = fields

    def get_has_stream(self, camera) -> bool:
        return bool(camera.stream_url or camera.snapshot_url)


class CameraAdminSerializer(CameraSerializer):
    """For supervisors: the URLs without credentials."""

    stream_url = serializers.SerializerMethodField()
    snapshot_url = serializers.SerializerMethodField()

    class Meta(CameraSerializer.Meta):
        fields = [*CameraSerializer.Meta.fields, "stream_url", "snapshot_url"]
        read_only_fields = fields

    def get_stream_url(self, camera) -> str:
        return redact_url(camera.stream_url)

    def get_snapshot_url(self, camera) -> str:
        return redact_url(camera.snapshot_url)


class JobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    reason_text = serializers.CharField(read_only=True)
    matches = serializers.SerializerMethodField()
    live_state_label = serializers.CharField(source="get_live_state_display", read_only=True)
    live_reason_label = serializers.CharField(source="get_live_reason_display", read_only=True)
    lag_s = serializers.FloatField(read_only=True)
    lag_warning = serializers.BooleanField(read_only=True)

    class Meta:
        model = AnalysisJob
        fields = [
            "id",
            "kind",
            "camera",
            "state",
            "state_label",
            "reason",
            "reason_text",
            "progress_done",
            "progress_total",
            "percent",
            "purpose",
            "created_at",
            "finished_at",
            "matches",
            "broke_at_frame",
            "face_counts",
            "live_state",
            "live_state_label",
            "live_reason",
            "live_reason_label",
            "lag_s",
            "lag_warning",
            "frames_dropped",
            "seconds_lost",
            "reconnects",
        ]
        read_only_fields = fields

    def get_matches(self, job) -> int:
        return job.matches.count()


class MatchSerializer(serializers.ModelSerializer):
    entry_name = serializers.CharField(source="entry.name", read_only=True)

    class Meta:
        model = FaceMatch
        fields = [
            "id",
            "job",
            "entry",
            "entry_name",
            "camera",
            "score",
            "tier",
            "frames",
            "seen_at",
            "status",
            "note",
            "incident_id",
        ]
        read_only_fields = fields


class EntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = WatchlistEntry
        fields = [
            "id",
            "name",
            "aliases",
            "category",
            "legal_basis",
            "status",
            "valid_until",
            "requested_by",
            "approved_by",
        ]
        read_only_fields = fields
