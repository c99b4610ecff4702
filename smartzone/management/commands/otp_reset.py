from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from smartzone.twofactor import reset_devices


class Command(BaseCommand):
    help = "Remove a person's two-factor devices (lost phone); they enrol again at next login."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        count = reset_devices(actor="manage.py otp_reset", user=user)
        self.stdout.write(f"Removed {count} device(s) of {username}; they enrol at next login.")
