from django.core.management.base import BaseCommand

from smartzone import outbox


class Command(BaseCommand):
    help = "Send outbox events that were not pushed to dashboards (one pass)."

    def handle(self, *args, **options):
        self.stdout.write(f"relayed {outbox.relay_pending()} events")
