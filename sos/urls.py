"""Pages and API routes of the sos app; included by smartzone.urls."""

from django.urls import path

from sos import api, views

app_name = "sos"
urlpatterns = [
    path("api/v1/sos/events/", api.SosEventCreateView.as_view(), name="api-events"),
    path("api/v1/sos/heartbeats/", api.HeartbeatView.as_view(), name="api-heartbeats"),
    path("sos/", views.sos_list, name="list"),
    path("sos/<int:pk>/", views.sos_detail, name="detail"),
    path("sos/snapshots/<path:name>", views.sos_snapshot, name="snapshot"),
    path("sos/kiosks/", views.kiosk_list, name="kiosks"),
    path("sos/kiosks/<int:pk>/", views.kiosk_edit, name="kiosk-edit"),
    path("sos/help/", views.public_sos, name="public"),
    path("sos/help/<str:token>/", views.public_sos_status, name="public-status"),
    path("sos/help/<str:token>/location/", views.public_sos_locate, name="public-locate"),
]


def register_api(router) -> None:
    router.register("sos/open", api.OpenSosViewSet, basename="sos-open")
    router.register("sos/kiosks", api.KioskMapViewSet, basename="sos-kiosk")
