from django.core.management.base import BaseCommand, CommandError

from smartzone.audit import audit_verify


class Command(BaseCommand):
    help = "Check the audit trail's hash chain; print OK or the first broken entry."

    def handle(self, *args, **options):
        checked, problem = audit_verify()
        if problem:
            raise CommandError(f"BROKEN at {problem} ({checked} entries before it are intact)")
        self.stdout.write(f"OK: {checked} audit entries, chain intact")
