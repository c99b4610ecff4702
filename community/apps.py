from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community and LINE")

    def ready(self) -> None:
        from community import tasks
        from smartzone import registry

        registry.register_event_labels(
            {
                "line_channel.created": _("LINE channel set up"),
                "line_channel.updated": _("LINE channel changed"),
                "follower.joined": _("New LINE follower"),
                "follower.left": _("LINE follower left"),
                "follower.partner_set": _("LINE follower marked as a partner's contact"),
                "broadcast.created": _("Broadcast drafted"),
                "broadcast.updated": _("Broadcast draft changed"),
                "broadcast.scheduled": _("Broadcast scheduled"),
                "broadcast.sending": _("Broadcast sending"),
                "broadcast.sent": _("Broadcast sent"),
                "broadcast.failed": _("Broadcast failed"),
                "broadcast.retried": _("Broadcast sent again"),
                "broadcast.cancelled": _("Broadcast cancelled"),
                "partner.created": _("Partner added"),
                "partner.updated": _("Partner updated"),
                "meeting.created": _("Network meeting recorded"),
                "meeting.updated": _("Network meeting updated"),
                "decision.created": _("Meeting decision recorded"),
                "decision.updated": _("Meeting decision changed"),
                "decision.done": _("Meeting decision done"),
                "decision.reopened": _("Meeting decision reopened"),
                # Not an event: the heading of the open decisions on the dashboard.
                "decision.open": _("Open decisions"),
            }
        )
        registry.register_dashboard_script("community/dashboard.js")
        registry.register_dashboard_nav("community:broadcast-list", _("Broadcasts"))
        registry.register_dashboard_nav("community:meeting-list", _("Network"))
        registry.register_public_link(
            registry.PublicLink("community:public-notices", _("Safety notices"), "sz-notices-link")
        )
        registry.register_escalation_handler(tasks.sos_escalated)
        # Data-subject requests: LINE followers and links, delivery batches, partners.
        from community import privacy_services, selectors

        registry.register_personal_data(
            registry.PersonalDataSource(
                name="community",
                label=_("Community and LINE"),
                find=selectors.personal_data_find,
                erase=privacy_services.personal_data_erase,
            )
        )
