from django.core.management.base import BaseCommand

from smartzone import partitions


class Command(BaseCommand):
    help = (
        "Create the coming months' partitions of events, audit entries and positions (PostgreSQL)."
    )

    def handle(self, *args, **options):
        created = partitions.ensure_ahead()
        for name in created:
            self.stdout.write(f"  + {name}")
        self.stdout.write(f"{len(created)} partitions created.")
