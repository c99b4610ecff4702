"""PostgreSQL only: the events' and audit entries' partitions cut at midnight of the stations'
time zone (Asia/Bangkok) instead of UTC; rows move to their Bangkok month's partition
(smartzone.partitions.rebound). A no-op where they already are, and on SQLite."""

from django.db import migrations


def rebound(apps, schema_editor):
    from smartzone import partitions

    if schema_editor.connection.vendor != "postgresql":
        return
    for table in ("smartzone_event", "smartzone_auditentry"):
        partitions.rebound(table)


class Migration(migrations.Migration):
    dependencies = [("smartzone", "0006_partition_events_and_audit_by_month")]

    operations = [migrations.RunPython(rebound, migrations.RunPython.noop, elidable=False)]
