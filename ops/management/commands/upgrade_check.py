from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from ops import services

FRESH = timedelta(hours=1)


class Command(BaseCommand):
    help = (
        "Before an upgrade: list the migrations `migrate` will run, and fail unless a good "
        "backup was made in the last hour."
    )

    def handle(self, *args, **options):
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            self.stdout.write(f"{len(plan)} migrations will run:")
            for migration, backwards in plan:
                direction = "UNAPPLY" if backwards else "apply"
                self.stdout.write(f"  {direction} {migration.app_label}.{migration.name}")
        else:
            self.stdout.write("No migrations to run: the schema is up to date.")
        when = services.last_good_backup_time()
        if when is None or timezone.now() - when > FRESH:
            said = "none found" if when is None else f"the last is from {when.isoformat()}"
            raise CommandError(
                f"REFUSED: no good backup from the last hour ({said}). "
                "Run `manage.py backup`, keep a copy away from the server, then upgrade."
            )
        self.stdout.write(f"OK: a good backup from {when.isoformat()}; you may upgrade.")
