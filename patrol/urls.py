"""Pages and API routes of the patrol app; included by smartzone.urls."""

from django.urls import path

from patrol import api, views

app_name = "patrol"
urlpatterns = [
    path("patrol/", views.point_list, name="points"),
    path("patrol/points/new/", views.point_edit, name="point-new"),
    path("patrol/points/<int:pk>/edit/", views.point_edit, name="point-edit"),
    path("patrol/points/<int:pk>/rotate/", views.point_rotate, name="point-rotate"),
    path("patrol/points/<int:pk>/qr.png", views.point_qr, name="point-qr"),
    path("patrol/points/sheet.pdf", views.point_sheet, name="point-sheet"),
    path("patrol/checkin/<str:token>/", views.checkin, name="checkin"),
    path("patrol/checkins/<int:pk>/", views.checkin_done, name="checkin-done"),
    path("patrol/checkins/<int:pk>/photo/", views.checkin_photo, name="checkin-photo"),
    path("patrol/position/", views.position, name="position"),
    path("patrol/shifts/", views.shift_list, name="shifts"),
    path("patrol/shifts/new/", views.shift_edit, name="shift-new"),
    path("patrol/shifts/<int:pk>/edit/", views.shift_edit, name="shift-edit"),
    path("patrol/coverage/", views.coverage, name="coverage"),
    path("patrol/coverage/apply/", views.coverage_apply, name="coverage-apply"),
]


def register_api(router) -> None:
    router.register("patrol/points", api.PatrolPointViewSet, basename="patrol-point")
    router.register("patrol/checkins", api.CheckInViewSet, basename="patrol-checkin")
    router.register("patrol/positions", api.OfficerPositionViewSet, basename="patrol-position")
