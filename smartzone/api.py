"""/api/v1/ endpoints of the core app: stations, zones, landmarks and the event catch-up."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.filters import BaseFilterBackend
from rest_framework.response import Response

from smartzone import access, params, registry, services
from smartzone.models import Event, Landmark, SafetyZone
from smartzone.serializers import (
    EventSerializer,
    GeoJSONFeatureCollectionSerializer,
    LandmarkSerializer,
    StationSerializer,
    ZoneSerializer,
)


def geojson_response(rows, *, geometry, properties) -> Response:
    """Answer a GeoJSON FeatureCollection of ROWS; GEOMETRY and PROPERTIES map a row to each."""
    return Response(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "id": row.pk,
                    "geometry": geometry(row),
                    "properties": properties(row),
                }
                for row in rows
            ],
        }
    )


def point(lat: float, lng: float) -> dict:
    return {"type": "Point", "coordinates": [lng, lat]}


class StationQuery(params.QueryParams):
    station = params.IdParam(required=False, help_text="Only this station's rows.")


class StationFilter(BaseFilterBackend):
    """`?station=<id>`: only that station's rows (a 400 naming it if it is not an id)."""

    def filter_queryset(self, request, queryset, view):
        if "station" not in request.query_params:
            return queryset
        query = StationQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        return queryset.filter(station_id=query.validated_data["station"])

    def get_schema_operation_parameters(self, view):
        schema = {"type": "integer", "minimum": 1, "maximum": params.ID_MAX}
        return [{"name": "station", "required": False, "in": "query", "schema": schema}]


class StationScopedMixin:
    """List only the rows of the stations the user may see, or of `?station=<id>` among them."""

    queryset = None
    filter_backends = [StationFilter]

    def get_queryset(self):
        # Filtered here as well: the geojson actions read get_queryset() directly.
        rows = access.scope(self.queryset.all(), self.request.user)
        return StationFilter().filter_queryset(self.request, rows, self)


class StationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = StationSerializer

    def get_queryset(self):
        return access.stations_for(self.request.user).order_by("pk")


class ZoneViewSet(StationScopedMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ZoneSerializer
    queryset = SafetyZone.objects.order_by("pk")

    @extend_schema(responses=GeoJSONFeatureCollectionSerializer)
    @action(detail=False)
    def geojson(self, request):
        """All zones the user may see, as GeoJSON for the map."""
        return geojson_response(
            self.get_queryset(),
            geometry=lambda zone: zone.boundary,
            properties=lambda zone: services.zone_payload(zone) | {"boundary": None},
        )


class LandmarkViewSet(StationScopedMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = LandmarkSerializer
    queryset = Landmark.objects.order_by("pk")

    def get_permissions(self):
        if self.action == "create":
            return [access.IsSupervisor()]
        return super().get_permissions()

    def perform_create(self, serializer):
        station = serializer.validated_data["station"]
        if not access.can_see_station(self.request.user, station.pk):
            raise ValidationError({"station": [_("You cannot add landmarks to that station.")]})
        serializer.instance = services.landmark_save(
            actor=self.request.user, landmark=Landmark(**serializer.validated_data)
        )

    @extend_schema(responses=GeoJSONFeatureCollectionSerializer)
    @action(detail=False)
    def geojson(self, request):
        """All landmarks the user may see, as GeoJSON points for the map."""
        return geojson_response(
            self.get_queryset(),
            geometry=lambda lm: point(lm.lat, lm.lng),
            properties=services.landmark_payload,
        )


class EventQuery(params.QueryParams):
    after = params.IntegerParam(
        min_value=0,
        max_value=params.ID_MAX,
        required=False,
        default=0,
        help_text="Last event id seen.",
    )
    station = params.IdParam(required=False)
    limit = params.IntegerParam(
        min_value=1, max_value=500, required=False, default=100, help_text="1 to 500, default 100."
    )


class EventViewSet(viewsets.GenericViewSet):
    serializer_class = EventSerializer
    pagination_class = None
    queryset = Event.objects.all()

    def get_queryset(self):
        return access.scope(self.queryset.all(), self.request.user)

    @extend_schema(parameters=[EventQuery])
    def list(self, request):
        """Events after the given id, oldest first: what a dashboard missed."""
        query = EventQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        events = self.get_queryset().filter(pk__gt=query.validated_data["after"])
        if "station" in query.validated_data:
            events = events.filter(station_id=query.validated_data["station"])
        events = events.order_by("pk")[: query.validated_data["limit"]]
        return Response(EventSerializer(events, many=True).data)


class QueueViewSet(viewsets.GenericViewSet):
    """What needs a person at a station's duty desk (the dashboard's queue)."""

    permission_classes = [access.IsOfficer]
    pagination_class = None

    @extend_schema(
        parameters=[StationQuery],
        responses={200: None, 400: None, 404: None},
    )
    def list(self, request):
        """The open SOS (escalated first), face matches to review and new reports of the
        station (the user's own; an admin names one); another station's answers 404."""
        query = StationQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        station = access.dashboard_station(request.user, query.validated_data.get("station"))
        if station is None:
            raise NotFound(_("Not found."))
        items = registry.queue_items(station_id=station.pk)
        return Response({"station": station.pk, "items": [i.as_payload() for i in items]})
