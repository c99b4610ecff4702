"""/api/v1/patrol/ endpoints: points (and their GeoJSON), check-ins, officers' live positions."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from patrol import selectors, services
from patrol.models import CheckIn, OfficerPosition, PatrolPoint
from patrol.serializers import (
    CheckInCreateSerializer,
    CheckInSerializer,
    OfficerPositionSerializer,
    PatrolPointSerializer,
)
from patrol.tokens import CheckInRefused
from smartzone import access
from smartzone.api import StationScopedMixin, geojson_response, point
from smartzone.serializers import GeoJSONFeatureCollectionSerializer


class PatrolPointViewSet(StationScopedMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = PatrolPointSerializer
    queryset = PatrolPoint.objects.order_by("pk")

    @extend_schema(responses=GeoJSONFeatureCollectionSerializer)
    @action(detail=False)
    def geojson(self, request):
        """Active patrol points the user may see, as GeoJSON points for the map."""
        return geojson_response(
            self.get_queryset().filter(active=True),
            geometry=lambda p: point(p.lat, p.lng),
            properties=services.point_payload,
        )


class CheckInViewSet(StationScopedMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Check-ins of the user's station; POST records one from a scanned code and a position."""

    queryset = CheckIn.objects.select_related("officer").order_by("-checked_at")

    def get_serializer_class(self):
        return CheckInCreateSerializer if self.action == "create" else CheckInSerializer

    @extend_schema(request=CheckInCreateSerializer, responses=CheckInSerializer)
    def create(self, request, *args, **kwargs):
        query = CheckInCreateSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        try:
            row = services.checkin_record(
                actor=request.user,
                token=data["token"],
                lat=data["lat"],
                lng=data["lng"],
                accuracy_m=data["accuracy_m"],
                note=data["note"],
                away_reason=data["away_reason"],
                expected_point=data.get("point") or None,
            )
        except CheckInRefused as exc:
            if exc.status == 403:
                raise PermissionDenied(exc.message) from None
            field = "lat" if exc.code == "too_far" else "token"
            raise ValidationError({field: [exc.message], "code": exc.code}) from None
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        return Response(CheckInSerializer(row).data, status=status.HTTP_201_CREATED)


class OfficerPositionViewSet(viewsets.GenericViewSet):
    """Where the officers on a shift now are (the latest position of each, last hour)."""

    serializer_class = OfficerPositionSerializer
    pagination_class = None
    queryset = OfficerPosition.objects.none()  # list() reads its own rows; the HTML view asks

    def list(self, request):
        station = access.dashboard_station(request.user, request.query_params.get("station"))
        if station is None:
            return Response([])
        rows = selectors.current_positions(station_id=station.pk, now=timezone.now())
        return Response(OfficerPositionSerializer(rows, many=True).data)
