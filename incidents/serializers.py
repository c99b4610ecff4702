"""Input and output shapes of /api/v1/reports/."""

import copy

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents import selectors
from incidents.forms import PHONE
from incidents.models import (
    Category,
    Report,
    ReportPhoto,
    ReportTransition,
    ReportUpdate,
    validate_occurred_not_in_future,
)
from smartzone import geo, params
from smartzone.photos import MAX_PHOTOS


def enum_field(choices, **kwargs) -> serializers.ChoiceField:
    """A choice field whose enum stays inline in the schema: other apps use the same field
    names ("state", "kind") for other choices, and hoisted enums of one name would collide."""

    @extend_schema_field(
        {"allOf": [{"type": "string", "enum": [value for value, _label in choices]}]}
    )
    class InlineChoiceField(serializers.ChoiceField):
        pass

    return InlineChoiceField(choices=choices, **kwargs)


class CategoryCodeField(serializers.SlugRelatedField):
    """An offered category by its code, looked up in the per-process copy of the categories
    (selectors.active_category) rather than with a query per report."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", queryset=Category.objects.filter(active=True), **kwargs)

    def to_internal_value(self, data):
        category = selectors.active_category(data) if isinstance(data, str) else None
        if category is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:100])
        return category


class ReportCreateSerializer(serializers.Serializer):
    kind = enum_field(Report.Kind.choices, default=Report.Kind.REPORT)
    category = CategoryCodeField()
    description = serializers.CharField(max_length=5000)
    occurred_at = params.DateTimeParam(
        required=False,
        allow_null=True,
        default=None,
        validators=[validate_occurred_not_in_future],
    )
    lat = params.latitude()
    lng = params.longitude()
    anonymous = serializers.BooleanField(default=False)
    reporter_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    reporter_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, max_length=MAX_PHOTOS, default=list
    )

    def get_fields(self):
        # DRF builds every declared field again for every request (its deepcopy runs each
        # field's __init__ anew): on the busiest endpoint that was a tenth of its time. These
        # fields keep nothing of a request while validating (bind() names and parents the
        # copy), so shallow copies of fields built once per process do the same job.
        cls = type(self)
        if "_built_fields" not in cls.__dict__:
            cls._built_fields = copy.deepcopy(cls._declared_fields)
        return {name: copy.copy(field) for name, field in cls._built_fields.items()}

    def validate_reporter_phone(self, value: str) -> str:
        value = value.strip()
        if value and not PHONE.match(value):
            raise serializers.ValidationError(
                _("Give a phone number of digits, e.g. 081 234 5678.")
            )
        return value

    def validate(self, data):
        try:
            geo.check_lat_lng(data["lat"], data["lng"])
        except geo.GeometryError as exc:
            raise serializers.ValidationError({"lat": [str(exc)]}) from None
        return data


class ReportCreatedSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The tracking code to give the reporter.")
    state = serializers.CharField()
    status_url = serializers.CharField()
    created = serializers.BooleanField(
        help_text="False when the Idempotency-Key was seen before: the first report is returned."
    )


class PublicUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportUpdate
        fields = ["text", "created_at"]


class ReportStatusSerializer(serializers.Serializer):
    """What anyone holding the tracking code may see: no position, name or notes."""

    code = serializers.CharField(source="display_code")
    kind = serializers.CharField()
    category = serializers.CharField(source="category.label")
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    created_at = serializers.DateTimeField()
    updates = serializers.SerializerMethodField()

    def get_updates(self, report) -> list[dict]:
        public = [u for u in report.updates.all() if u.public]
        return PublicUpdateSerializer(public, many=True).data


class PhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ReportPhoto
        fields = ["id", "url", "content_type", "width", "height", "size"]

    def get_url(self, photo) -> str:
        return f"/reports/{photo.report_id}/photos/{photo.pk}/"


class UpdateSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.get_username", default=None)

    class Meta:
        model = ReportUpdate
        fields = ["id", "public", "text", "author", "created_at"]


class TransitionLogSerializer(serializers.ModelSerializer):
    from_state = enum_field(Report.State.choices, read_only=True)
    to_state = enum_field(Report.State.choices, read_only=True)

    class Meta:
        model = ReportTransition
        fields = ["from_state", "to_state", "actor_label", "note", "created_at"]


class ReportSerializer(serializers.ModelSerializer):
    """A report as officers of its station see it."""

    code = serializers.CharField(source="display_code", read_only=True)
    kind = enum_field(Report.Kind.choices, read_only=True)
    state = enum_field(Report.State.choices, read_only=True)
    rejection_reason = enum_field([("", "")] + Report.RejectionReason.choices, read_only=True)
    category = serializers.CharField(source="category.code")
    category_label = serializers.CharField(source="category.label")

    class Meta:
        model = Report
        fields = [
            "id",
            "code",
            "kind",
            "category",
            "category_label",
            "description",
            "occurred_at",
            "lat",
            "lng",
            "station",
            "zone",
            "outside_zone",
            "anonymous",
            "reporter_name",
            "reporter_phone",
            "state",
            "assigned_officer",
            "rejection_reason",
            "duplicate_of",
            "resolution_note",
            "created_at",
            "triaged_at",
            "dispatched_at",
            "on_scene_at",
            "resolved_at",
            "rejected_at",
        ]


class ReportDetailSerializer(ReportSerializer):
    photos = PhotoSerializer(many=True, read_only=True)
    updates = UpdateSerializer(many=True, read_only=True)
    transitions = TransitionLogSerializer(many=True, read_only=True)

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "photos", "updates", "transitions"]


class TransitionSerializer(serializers.Serializer):
    to_state = enum_field(Report.State.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    officer = params.IdParam(
        required=False, allow_null=True, default=None, help_text="User id, for 'dispatched'."
    )
    reason = enum_field(
        Report.RejectionReason.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="For 'rejected'.",
    )


class UpdateCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000)
    public = serializers.BooleanField(default=False)


class ReportQuerySerializer(params.QueryParams):
    state = serializers.ChoiceField(choices=Report.State.choices, required=False)
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.all(), required=False
    )
    since = params.DateTimeParam(required=False)
    until = params.DateTimeParam(required=False)
    in_zone = serializers.ChoiceField(
        choices=["true", "false"], required=False, help_text="true: in a zone; false: outside"
    )
    bbox = serializers.CharField(required=False, help_text="west,south,east,north in degrees")
    limit = params.IntegerParam(min_value=1, max_value=5000, required=False, default=500)

    def validate_bbox(self, value: str):
        from django.core.exceptions import ValidationError

        from incidents.forms import parse_bbox

        try:
            return parse_bbox(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
