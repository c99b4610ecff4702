from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from ops import services


class Command(BaseCommand):
    help = "Write an encrypted archive of the database and private files, then prune old ones."

    def add_arguments(self, parser):
        parser.add_argument("--no-prune", action="store_true", help="keep every old archive")

    def handle(self, *args, **options):
        try:
            record = services.backup_create(actor="manage.py backup")
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
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
