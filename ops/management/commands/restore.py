from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from ops import services
from ops.crypto import ArchiveError
from ops.restore import RestoreFailed, RestoreRefused, restore_archive


class Command(BaseCommand):
    help = (
        "Restore a backup archive into an EMPTY database and data folder: every checksum is "
        "checked first, then the audit chain; a wrong key, a damaged archive or a non-empty "
        "target is refused and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--work-dir", type=Path, help="where to unpack before restoring (default: temp)"
        )

    def handle(self, *args, **options):
        try:
            result = restore_archive(
                options["archive"], services.backup_secret(), work_dir=options["work_dir"]
            )
        except (ImproperlyConfigured, RestoreRefused, ArchiveError) as exc:
            raise CommandError(f"REFUSED, nothing was written: {exc}") from None
        except RestoreFailed as exc:
            raise CommandError(f"FAILED: {exc}") from None
        manifest = result["manifest"]
        self.stdout.write(
            f"OK: restored {manifest['engine']} database of {manifest['created_at']} "
            f"({result['tables']} tables, row counts match), {result['files']} files, "
            f"audit chain intact ({result['audit_entries']} entries)"
        )
