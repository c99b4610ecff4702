"""Pages and API routes of the community app; included by smartzone.urls."""

from django.urls import path

from community import api, network_views, views, webhook

app_name = "community"
urlpatterns = [
    path("line/webhook/<slug:station>/", webhook.line_webhook, name="line-webhook"),
    path("community/broadcasts/", views.broadcast_list, name="broadcast-list"),
    path("community/broadcasts/new/", views.broadcast_compose, name="broadcast-new"),
    path("community/broadcasts/<int:pk>/", views.broadcast_detail, name="broadcast-detail"),
    path("community/broadcasts/<int:pk>/edit/", views.broadcast_compose, name="broadcast-edit"),
    path(
        "community/broadcasts/<int:pk>/<str:step>/",
        views.broadcast_action,
        name="broadcast-action",
    ),
    path(
        "community/notices/from-incident/<int:incident_id>/",
        views.notice_from_incident,
        name="notice-from-incident",
    ),
    path("community/line-link/", views.line_link, name="line-link"),
    path("community/followers/", network_views.follower_list, name="follower-list"),
    path("community/partners/", views.partner_list, name="partner-list"),
    path("community/partners/new/", network_views.partner_edit, name="partner-new"),
    path("community/partners/<int:pk>/edit/", network_views.partner_edit, name="partner-edit"),
    path("community/meetings/", views.meeting_list, name="meeting-list"),
    path("community/meetings/new/", network_views.meeting_edit, name="meeting-new"),
    path("community/meetings/<int:pk>/edit/", network_views.meeting_edit, name="meeting-edit"),
    path("community/meetings/<int:pk>/", views.meeting_detail, name="meeting-detail"),
    path(
        "community/attachments/<int:pk>/",
        views.attachment_download,
        name="attachment-download",
    ),
    path("notices/", views.public_notices, name="public-notices"),
]


def register_api(router) -> None:
    router.register("community/broadcasts", api.BroadcastViewSet, basename="community-broadcast")
    router.register("community/partners", api.PartnerViewSet, basename="community-partner")
    router.register(
        "community/open-decisions", api.OpenDecisionViewSet, basename="community-decision"
    )
