from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CctvConfig(AppConfig):
    name = "cctv"
    verbose_name = _("CCTV and watchlist")

    def ready(self) -> None:
        from cctv import nearby, queue
        from smartzone import registry

        registry.register_event_labels(
            {
                "camera_site.created": _("Camera site added"),
                "camera_site.updated": _("Camera site updated"),
                "camera.created": _("Camera added"),
                "camera.updated": _("Camera updated"),
                "cctv.camera.online": _("Camera back online"),
                "cctv.camera.offline": _("Camera offline"),
                "cctv.watchlist.requested": _("Watchlist entry requested"),
                "cctv.watchlist.approved": _("Watchlist entry approved"),
                "cctv.watchlist.rejected": _("Watchlist entry rejected"),
                "cctv.watchlist.revoked": _("Watchlist entry revoked"),
                "cctv.watchlist.renewed": _("Watchlist entry renewed"),
                "cctv.watchlist.photo_added": _("Enrollment photo added"),
                "cctv.job.created": _("Video analysis queued"),
                "cctv.job.progress": _("Video analysis progress"),  # events before 2026-12
                "cctv.job.started": _("Video analysis started"),
                "cctv.job.done": _("Video analysis done"),
                "cctv.job.failed": _("Video analysis failed"),
                "cctv.job.cancel_requested": _("Video analysis asked to stop"),
                "cctv.job.cancelled": _("Video analysis cancelled"),
                "cctv.match": _("Possible watchlist match"),
                "cctv.match.confirmed": _("Watchlist match confirmed"),
                "cctv.match.dismissed": _("Watchlist match dismissed"),
                "cctv.match.withdrawn": _("Watchlist match withdrawn"),
                "cctv.match.linked": _("Watchlist match linked to an incident"),
                "camera.live_view.started": _("Live view of a camera opened"),
                "camera.live_view.ended": _("Live view of a camera closed"),
            }
        )
        registry.register_dashboard_script("cctv/cameras.js")
        registry.register_queue_provider("match", queue.queue_items, rank=1)
        registry.register_dashboard_nav("cctv:cameras", _("Cameras"))
        registry.register_dashboard_nav("cctv:jobs", _("Video analysis"))
        registry.register_dashboard_nav("cctv:watchlist", _("Watchlist"))
        registry.register_nearby_provider("camera", nearby.nearby_cameras, label=_("Cameras"))
        registry.register_video_request(nearby.cameras_look)

        from django.urls import path

        from cctv.live.consumers import LiveConsumer

        registry.register_websocket_routes(
            [path("ws/cctv/cameras/<int:pk>/live/", LiveConsumer.as_asgi())]
        )
