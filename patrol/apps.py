from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatrolConfig(AppConfig):
    name = "patrol"
    verbose_name = _("Red-box patrol")

    def ready(self) -> None:
        from patrol import selectors
        from smartzone import registry

        registry.register_event_labels(
            {
                "patrol.checkin": _("Patrol check-in"),
                "patrol.missed": _("Patrol point missed"),
                "patrol.position": _("Patrol officer position"),
                "patrol.shift_ended": _("Patrol shift ended"),
                "patrol_shift.planned": _("Patrol shift planned"),
                "patrol_shift.updated": _("Patrol shift changed"),
                "patrol_point.created": _("Patrol point added"),
                "patrol_point.updated": _("Patrol point updated"),
                "patrol_point.code_renewed": _("Patrol point code renewed"),
                "patrolpoint.deleted": _("Patrol point removed"),
            }
        )
        registry.register_dashboard_script("patrol/dashboard.js")
        registry.register_dashboard_nav("patrol:points", _("Patrol"))
        registry.register_nearby_provider(
            "patrol_point", selectors.nearby_points, label=_("Patrol points")
        )
        registry.register_nearby_provider(
            "officer", selectors.nearby_officers, label=_("Officers on shift")
        )
