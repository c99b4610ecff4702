"""/api/v1/ endpoints of the cctv app: read-only lists scoped to the user's station."""

from rest_framework import viewsets

from cctv.models import AnalysisJob, Camera, FaceMatch, WatchlistEntry
from cctv.serializers import (
    CameraAdminSerializer,
    CameraSerializer,
    EntrySerializer,
    JobSerializer,
    MatchSerializer,
)
from smartzone import access
from smartzone.api import StationScopedMixin


class StationScoped(StationScopedMixin, viewsets.ReadOnlyModelViewSet):
    pass


class CameraViewSet(StationScoped):
    queryset = Camera.objects.select_related("site").order_by("code")

    def get_serializer_class(self):
        if access.is_supervisor(self.request.user):
            return CameraAdminSerializer
        return CameraSerializer


class JobViewSet(StationScoped):
    queryset = AnalysisJob.objects.order_by("-pk")
    serializer_class = JobSerializer


class MatchViewSet(StationScoped):
    queryset = FaceMatch.objects.select_related("entry").order_by("-pk")
    serializer_class = MatchSerializer


class EntryViewSet(StationScoped):
    queryset = WatchlistEntry.objects.order_by("-pk")
    serializer_class = EntrySerializer
