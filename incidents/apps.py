from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Citizen reports and tip-offs")

    def ready(self) -> None:
        from incidents import retention, selectors
        from smartzone import registry

        registry.register_personal_data(retention.PERSONAL_DATA)

        registry.register_event_labels(
            {
                "report.submitted": _("New citizen report"),
                "report.triaged": _("Report triaged"),
                "report.dispatched": _("Officer sent to report"),
                "report.on_scene": _("Officer on scene of report"),
                "report.resolved": _("Report resolved"),
                "report.rejected": _("Report rejected"),
                "report.merged": _("Duplicate report merged"),
                "report.update_public": _("Update sent to reporter"),
                "report.note_added": _("Note added to report"),
            }
        )
        registry.register_dashboard_script("incidents/dashboard.js")
        registry.register_queue_provider("report", selectors.queue_items, rank=2)
        registry.register_dashboard_nav("incidents:list", _("Reports"))
        registry.register_public_link(
            registry.PublicLink("incidents:submit", _("Report an incident or give a tip-off"))
        )
        registry.register_public_link(
            registry.PublicLink("incidents:track", _("Check a report's status"))
        )
        # Past incidents around a point are data for patrol planning, not "nearest help".
        registry.register_nearby_provider(
            "incident", selectors.nearby_reports, label=_("Incidents"), help=False
        )
