from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from smartzone.tokens import api_token_create


class Command(BaseCommand):
    help = "Make an API token for USERNAME (an app's sign-in) and print its key, once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("name", help="what the token is for, e.g. 'patrol phone 3'")

    def handle(self, *args, username, name, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}")
        token, key = api_token_create(actor="command:api_token_create", user=user, name=name)
        self.stdout.write(f"{key}\n(token {token.pk}: keep the key now, it is not shown again)")
