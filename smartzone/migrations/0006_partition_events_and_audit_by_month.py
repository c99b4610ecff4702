"""PostgreSQL only: the outbox's events and the audit trail, partitioned by month
(smartzone/partitions.py). SQLite is left as it is."""

from django.db import migrations


def partition(apps, schema_editor):
    from smartzone import partitions

    if schema_editor.connection.vendor != "postgresql":
        return
    for table in ("smartzone_event", "smartzone_auditentry"):
        partitions.convert(table)


class Migration(migrations.Migration):
    dependencies = [("smartzone", "0005_commanders")]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop, elidable=False)]
