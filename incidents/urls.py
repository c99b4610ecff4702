"""Pages and API routes of the incidents app; included by smartzone.urls."""

from django.urls import path

from incidents import api, views

app_name = "incidents"
urlpatterns = [
    # Public, no login. The worker and manifest live under /report/ so their scope covers it.
    path("report/", views.report_submit, name="submit"),
    path("report/track/", views.report_track, name="track"),
    path("report/track/<str:code>/", views.report_status, name="status"),
    path("report/sent/<str:code>/", views.report_sent, name="sent"),
    path("report/manifest.webmanifest", views.manifest, name="manifest"),
    path("report/sw.js", views.service_worker, name="service-worker"),
    # Officers.
    path("reports/", views.report_list, name="list"),
    path("reports/export.csv", views.report_export, name="export"),
    path("reports/<int:pk>/", views.report_detail, name="detail"),
    path("reports/<int:pk>/transition/", views.report_transition, name="transition"),
    path("reports/<int:pk>/updates/", views.report_update, name="update"),
    path("reports/<int:pk>/merge/", views.report_merge, name="merge"),
    path("reports/<int:pk>/cameras/", views.report_cameras, name="cameras"),
    path("reports/<int:pk>/photos/<int:photo_pk>/", views.report_photo, name="photo"),
]


def register_api(router) -> None:
    router.register("reports", api.ReportViewSet, basename="report")
