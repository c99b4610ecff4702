from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("Dispatch to officers")

    def ready(self) -> None:
        from dispatch import selectors, services
        from smartzone import registry

        registry.register_event_labels(
            {
                "dispatch.offered": _("Assignment offered to an officer"),
                "dispatch.accepted": _("Officer accepted the assignment"),
                "dispatch.on_the_way": _("Officer on the way"),
                "dispatch.on_scene": _("Officer on scene"),
                "dispatch.done": _("Officer finished the assignment"),
                "dispatch.declined": _("Officer declined the assignment"),
                "dispatch.expired": _("Assignment not accepted in time"),
                "dispatch.no_officer": _("No free officer to offer to"),
            }
        )
        registry.register_dispatch_handler(services.items_dispatched)
        registry.register_sos_raised_handler(services.sos_raised)
        registry.register_queue_provider("unit", selectors.queue_items, rank=5)
        registry.register_dashboard_script("dispatch/dashboard.js")
        registry.register_dashboard_nav("dispatch:phone", _("My assignments"))

        from django.urls import path

        from dispatch.consumers import OfficerConsumer

        registry.register_websocket_routes([path("ws/officer/", OfficerConsumer.as_asgi())])
