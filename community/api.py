"""/api/v1/community/ endpoints: broadcasts with their delivery log, partners, open decisions."""

from rest_framework import viewsets

from community import selectors
from community.models import Broadcast, Partner
from community.serializers import BroadcastSerializer, DecisionSerializer, PartnerSerializer
from smartzone import access
from smartzone.api import StationFilter


class BroadcastViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = BroadcastSerializer
    filter_backends = [StationFilter]

    def get_queryset(self):
        return access.scope(
            Broadcast.objects.prefetch_related("batches").order_by("-created_at"),
            self.request.user,
        )


class PartnerViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PartnerSerializer
    filter_backends = [StationFilter]

    def get_queryset(self):
        return access.scope(Partner.objects.order_by("kind", "name"), self.request.user)


class OpenDecisionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DecisionSerializer

    def get_queryset(self):
        return selectors.open_decisions_for(self.request.user)
