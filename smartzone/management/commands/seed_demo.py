from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand

from smartzone.demo import ACCOUNTS


class Command(BaseCommand):
    help = "Create the Mukdahan demo data (station, zone, landmarks, accounts); safe to rerun."

    def handle(self, *args, **options):
        created = []
        # The core first, then every project app that has a demo module, in INSTALLED_APPS order.
        for config in apps.get_app_configs():
            if not str(config.path).startswith(str(settings.BASE_DIR)):
                continue
            try:
                demo = import_module(f"{config.name}.demo")
            except ModuleNotFoundError:
                continue
            created += demo.seed()
        for line in created:
            self.stdout.write(f"  + {line}")
        self.stdout.write(f"Demo data: {len(created)} rows created (0 means it was all there).")
        self.stdout.write("Demo logins (change them on a real installation):")
        for username, password, role in ACCOUNTS:
            self.stdout.write(f"  {role:<10} user {username:<11} password {password}")
        self.stdout.write(
            "Supervisors and admins sign in with a second factor: at their first login they scan "
            "a QR code with an authenticator app and enter its 6-digit code."
        )
