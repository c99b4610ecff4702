"""/api/v1/reports/: public create and status for a mobile app; officers' list, detail,
transition, updates and GeoJSON, scoped by station."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from incidents import selectors, services, views
from incidents.models import Report
from incidents.serializers import (
    ReportCreatedSerializer,
    ReportCreateSerializer,
    ReportDetailSerializer,
    ReportQuerySerializer,
    ReportSerializer,
    ReportStatusSerializer,
    TransitionSerializer,
    UpdateCreateSerializer,
    UpdateSerializer,
)
from smartzone import access
from smartzone.serializers import GeoJSONFeatureCollectionSerializer

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "A random key per report (e.g. a UUID). Sending it again with the same content returns "
        "the first report; with different content it is refused with 409."
    ),
)
LIMITED = OpenApiResponse(description="Too many requests from this client; try later.")
KEY_REUSED = OpenApiResponse(
    description="The Idempotency-Key was already used for a report with different content."
)

DEGREES = r"-?[0-9]{1,3}(\.[0-9]{1,12})?"
# The report filters both the list and the map take; none may be empty (params.QueryParams).
FILTERS = [
    OpenApiParameter("state", {"type": "string", "enum": [v for v, _l in Report.State.choices]}),
    OpenApiParameter(
        "category",
        {"type": "string", "minLength": 1, "maxLength": 40},
        description="Category code.",
    ),
    OpenApiParameter(
        "bbox",
        {"type": "string", "pattern": f"^{DEGREES}(,{DEGREES}){{3}}$"},
        description="west,south,east,north in degrees (west <= east, south <= north).",
    ),
]


def _drf_error(exc: DjangoValidationError) -> ValidationError:
    if hasattr(exc, "error_dict"):
        return ValidationError(
            {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
        )
    return ValidationError({"non_field_errors": exc.messages})


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Citizen reports: anyone may create one and follow it by tracking code; officers of the
    report's station list, read and move it through the workflow."""

    serializer_class = ReportSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    public_actions = {"create", "status"}

    def get_permissions(self):
        # A method this route does not have (no action) is a 405 for anyone, not a 403 first.
        unrouted = self.action is None and self.request.method != "OPTIONS"
        if self.action in self.public_actions or unrouted:
            return [AllowAny()]
        return super().get_permissions()

    def get_authenticators(self):
        # Citizens have no account; a session cookie must not turn the public create into a
        # CSRF-checked request.
        request = getattr(self, "request", None)
        if getattr(request, "method", "") == "POST" and self.action_map.get("post") == "create":
            return []
        return super().get_authenticators()

    def get_queryset(self):
        return selectors.reports_for(self.request.user)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return ReportDetailSerializer
        return super().get_serializer_class()

    def filter_queryset(self, queryset):
        query = ReportQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return selectors.report_filter(
            queryset,
            state=data.get("state"),
            category=data.get("category"),
            since=data.get("since"),
            until=data.get("until"),
            in_zone={"true": True, "false": False}.get(data.get("in_zone", "")),
            bbox=data.get("bbox"),
        )

    @extend_schema(
        parameters=[
            *FILTERS,
            OpenApiParameter("since", OpenApiTypes.DATETIME),
            OpenApiParameter("until", OpenApiTypes.DATETIME),
            OpenApiParameter("in_zone", OpenApiTypes.STR, enum=["true", "false"]),
        ]
    )
    def list(self, request, *args, **kwargs):
        """The station's reports, newest first, filtered."""
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        """One report with its photos, updates and state changes."""
        pk = access.parse_id(kwargs["pk"])
        if pk is None:
            raise Http404
        instance = selectors.report_detail_for(request.user, pk)
        return Response(ReportDetailSerializer(instance).data)

    @extend_schema(
        request={
            "multipart/form-data": ReportCreateSerializer,
            "application/json": ReportCreateSerializer,
        },
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            201: ReportCreatedSerializer,
            200: ReportCreatedSerializer,
            400: None,
            409: KEY_REUSED,
            429: LIMITED,
        },
        auth=[],
    )
    def create(self, request, *args, **kwargs):
        """File a report or tip-off (photos as repeated `photos` parts); no login."""
        if views.submit_limited(request._request):
            return Response(
                {
                    "detail": _(
                        "Too many reports from this device. Please wait a few minutes or call 191."
                    )
                },
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        data = dict(request.data)
        if hasattr(request.data, "getlist"):  # multipart or form: one value per field
            data = {k: request.data.get(k) for k in request.data if k != "photos"}
            data["photos"] = request.FILES.getlist("photos")
        serializer = ReportCreateSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        anonymous = values["anonymous"]
        key = (request.headers.get("Idempotency-Key") or "").strip()[:100] or None
        try:
            report, created = services.report_submit(
                kind=values["kind"],
                category=values["category"],
                description=values["description"],
                occurred_at=values.get("occurred_at"),
                lat=values["lat"],
                lng=values["lng"],
                photos=values.get("photos") or [],
                anonymous=anonymous,
                reporter_name="" if anonymous else values.get("reporter_name", ""),
                reporter_phone="" if anonymous else values.get("reporter_phone", ""),
                ip=None if anonymous else views.client_ip(request._request),
                idempotency_key=key,
            )
        except services.IdempotencyConflict as exc:
            return Response(
                {"detail": exc.messages[0], "code": "idempotency_conflict"},
                status=status.HTTP_409_CONFLICT,
            )
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None
        body = {
            "code": report.display_code,
            "state": report.state,
            "status_url": reverse("incidents:status", args=[report.tracking_code]),
            "created": created,
        }
        # Plain JSON: under ASGI, Django renders a DRF Response (a template response) in one
        # more trip to a worker thread, which showed on the busiest endpoint.
        return JsonResponse(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        responses={200: ReportStatusSerializer, 404: None, 429: LIMITED},
        auth=[],
    )
    @action(detail=False, url_path=r"status/(?P<code>[^/]{1,64})", pagination_class=None)
    def status(self, request, code: str):
        """A report's state and the station's public updates, by tracking code. Wrong codes
        all get the same answer; 20 wrong codes from one client hit the rate limit."""
        if views.track_limited(request._request, increment=False):
            return Response(
                {
                    "detail": _(
                        "Too many tries from this device. Please wait an hour and try again."
                    )
                },
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        report = selectors.report_by_code(code)
        if report is None:
            views.track_limited(request._request, increment=True)
            return Response(
                {"detail": _("No report has this tracking code. Check the code and try again.")},
                status=status.HTTP_404_NOT_FOUND,
            )
        return Response(ReportStatusSerializer(report).data)

    @extend_schema(
        request=TransitionSerializer, responses={200: ReportSerializer, 400: None, 404: None}
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the report one legal step of the workflow; illegal steps answer 400."""
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = access.get_for_user(self.get_queryset(), request.user, pk=pk)
        data = serializer.validated_data
        try:
            report = services.report_transition(
                actor=request.user,
                report_id=report.pk,
                to_state=data["to_state"],
                note=data["note"],
                officer_id=data["officer"],
                reason=data["reason"],
            )
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None
        return Response(ReportSerializer(report).data)

    @extend_schema(request=UpdateCreateSerializer, responses={201: UpdateSerializer})
    @action(detail=True, methods=["post"])
    def updates(self, request, pk=None):
        """Add a public update (shown on the tracking page) or an internal note."""
        serializer = UpdateCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = access.get_for_user(self.get_queryset(), request.user, pk=pk)
        try:
            update = services.report_update_add(
                actor=request.user, report_id=report.pk, **serializer.validated_data
            )
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None
        return Response(UpdateSerializer(update).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            *FILTERS,
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": 5000},
                description="1 to 5000, default 500.",
            ),
        ],
        responses=GeoJSONFeatureCollectionSerializer,
    )
    @action(detail=False, pagination_class=None)
    def geojson(self, request):
        """The reports in the box as GeoJSON points for the map, newest first."""
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        features = selectors.geojson_features(
            self.filter_queryset(self.get_queryset()), limit=query.validated_data["limit"]
        )
        return Response({"type": "FeatureCollection", "features": features})
