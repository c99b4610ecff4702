"""Pages and API routes of the cctv app; included by smartzone.urls."""

from django.urls import path

from cctv import views
from cctv.live import views as live_views

app_name = "cctv"
urlpatterns = [
    path("cctv/cameras/", views.camera_list, name="cameras"),
    path("cctv/cameras/new/", views.camera_edit, name="camera_create"),
    path("cctv/cameras/<int:pk>/edit/", views.camera_edit, name="camera_edit"),
    path("cctv/sites/new/", views.site_edit, name="site_create"),
    path("cctv/sites/<int:pk>/edit/", views.site_edit, name="site_edit"),
    path("cctv/cameras/<int:pk>/picture.jpg", views.camera_picture, name="camera_picture"),
    path("cctv/cameras/<int:pk>/live/", live_views.camera_live, name="camera_live"),
    path("cctv/cameras/<int:pk>/viewings/", live_views.camera_viewings, name="camera_viewings"),
    path("cctv/wall/", live_views.camera_wall, name="wall"),
    path("cctv/watchlist/", views.watchlist, name="watchlist"),
    path("cctv/watchlist/new/", views.entry_create, name="entry_create"),
    path("cctv/watchlist/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("cctv/watchlist/<int:pk>/approve/", views.entry_approve, name="entry_approve"),
    path("cctv/watchlist/<int:pk>/reject/", views.entry_reject, name="entry_reject"),
    path("cctv/watchlist/<int:pk>/revoke/", views.entry_revoke, name="entry_revoke"),
    path("cctv/watchlist/<int:pk>/renew/", views.entry_renew, name="entry_renew"),
    path("cctv/photos/<int:pk>.jpg", views.photo_image, name="photo_image"),
    path("cctv/jobs/", views.jobs, name="jobs"),
    path("cctv/jobs/new/", views.job_create, name="job_create"),
    path("cctv/jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("cctv/jobs/<int:pk>/cancel/", views.job_cancel, name="job_cancel"),
    path("cctv/matches/<int:pk>/", views.match_review, name="match_review"),
    path("cctv/matches/<int:pk>/incident/", views.match_incident, name="match_incident"),
    path("cctv/matches/<int:pk>/crop.jpg", views.match_crop, name="match_crop"),
]


def register_api(router) -> None:
    from cctv import api

    router.register("cctv/cameras", api.CameraViewSet, basename="cctv-camera")
    router.register("cctv/jobs", api.JobViewSet, basename="cctv-job")
    router.register("cctv/matches", api.MatchViewSet, basename="cctv-match")
    router.register("cctv/watchlist", api.EntryViewSet, basename="cctv-entry")
