from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from ops import services
from ops.throttle import lower_own_priority


class Command(BaseCommand):
    help = "Write an encrypted archive of the database and private files, then prune old ones."

    def add_arguments(self, parser):
        parser.add_argument("--no-prune", action="store_true", help="keep every old archive")
        parser.add_argument(
            "--if-older-than-hours",
            type=float,
            help="do nothing if a good backup is younger than this (the daily task uses 20)",
        )

    def handle(self, *args, **options):
        lower_own_priority()  # requests first: the backup takes what CPU and disk are left
        hours = options["if_older_than_hours"]
        try:
            record = services.backup_create(
                actor="manage.py backup",
                if_older_than=timedelta(hours=hours) if hours else None,
            )
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        if record is None and hours:
            self.stdout.write(f"OK: a good backup younger than {hours} hours exists")
            return
        if record is None:
            raise CommandError("another backup is running; try again when it is done")
        if not record.ok:
            raise CommandError(f"backup FAILED: {record.error}")
        pruned = [] if options["no_prune"] else services.backup_prune()
        self.stdout.write(
            f"OK: {services.backup_dir() / record.archive} ({record.size} bytes, "
            f"{record.summary['rows']} rows, {record.summary['files']} files); "
            f"pruned {len(pruned)} old archives"
        )
