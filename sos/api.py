"""Kiosk API (signed by the device) and the officers' read-only SOS list."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from smartzone import access
from sos import selectors, services
from sos.serializers import (
    DispatchSerializer,
    HeartbeatSerializer,
    KioskSosSerializer,
    OpenSosSerializer,
    SosSerializer,
)
from sos.signing import KioskDevice, KioskSignatureAuthentication


class KioskSignatureScheme(OpenApiAuthenticationExtension):
    target_class = "sos.signing.KioskSignatureAuthentication"
    name = "kioskSignature"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Signature",
            "description": (
                "Kiosk requests carry X-Kiosk-Id (the kiosk serial), X-Timestamp (Unix seconds, "
                "within 5 minutes of the server clock) and X-Signature: the hex "
                "HMAC-SHA256 with the kiosk secret of "
                '"{METHOD}\\n{path}\\n{timestamp}\\n" followed by the raw body. '
                "A signature is accepted once (replays are refused with 401)."
            ),
        }


class IsKiosk(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, KioskDevice)


class KioskView(APIView):
    authentication_classes = [KioskSignatureAuthentication]
    permission_classes = [IsKiosk]
    parser_classes = [JSONParser]

    def kiosk(self, request, data):
        kiosk = request.user.kiosk
        claimed = data.get("kiosk")
        if claimed and claimed != kiosk.serial:
            raise exceptions.PermissionDenied(
                {"kiosk": _("This is not the kiosk that signed the request.")}
            )
        return kiosk


class SosEventCreateView(KioskView):
    @extend_schema(
        request=KioskSosSerializer,
        responses={201: SosSerializer, 200: SosSerializer},
        description=(
            "Raise an SOS from a kiosk. The kiosk's `event_id` makes it idempotent: the first "
            "post creates the SOS (201), any later post of the same event id returns that SOS "
            "(200), also when two arrive at once. A retry must be signed anew with a fresh "
            "X-Timestamp: a byte-identical resend (same timestamp, body and signature) is "
            'refused as a replay with 401 and `"reason": "replay"`.'
        ),
    )
    def post(self, request):
        serializer = KioskSosSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        kiosk = self.kiosk(request, data)
        try:
            sos, created = services.sos_receive(
                kiosk=kiosk,
                client_event_id=data["event_id"],
                lat=data.get("lat"),
                lng=data.get("lng"),
                message=data.get("message", ""),
                snapshot=data.get("snapshot"),
            )
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(exc.message_dict) from None
        return Response(
            SosSerializer(sos).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class HeartbeatView(KioskView):
    @extend_schema(request=HeartbeatSerializer, responses={200: None})
    def post(self, request):
        serializer = HeartbeatSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        kiosk = services.kiosk_heartbeat(kiosk_id=self.kiosk(request, serializer.validated_data).pk)
        return Response({"status": kiosk.status, "last_seen": kiosk.last_seen})


class OpenSosViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The station's open SOS events with their nearest help (the dashboard pins them)."""

    serializer_class = OpenSosSerializer
    permission_classes = [access.IsOfficer]
    pagination_class = None

    def get_queryset(self):
        return selectors.open_sos_for(self.request.user)

    def _step(self, service, pk, **kwargs) -> Response:
        sos_id = access.parse_id(pk)
        if sos_id is None:
            raise exceptions.NotFound()
        try:
            sos = service(actor=self.request.user, sos_id=sos_id, **kwargs)
        except services.TransitionError as exc:
            return Response({"detail": exc.messages[0]}, status=status.HTTP_409_CONFLICT)
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            ) from None
        return Response(SosSerializer(sos).data)

    @extend_schema(request=None, responses={200: SosSerializer, 404: None, 409: None})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Acknowledge the SOS; if another officer was faster, 409 saying so."""
        return self._step(services.sos_acknowledge, pk)

    @extend_schema(request=DispatchSerializer, responses={200: SosSerializer, 400: None})
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def send_officers(self, request, pk=None):
        """Send officers (user ids) of the station to the acknowledged SOS."""
        body = DispatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._step(services.sos_dispatch, pk, officer_ids=body.validated_data["officers"])


class KioskMapViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The station's kiosks with their health, for the dashboard map."""

    permission_classes = [access.IsOfficer]
    pagination_class = None

    def get_queryset(self):
        return selectors.active_kiosks_for(self.request.user)

    @extend_schema(responses={200: None})
    def list(self, request, *args, **kwargs):
        return Response([services.kiosk_payload(k) for k in self.get_queryset()])
