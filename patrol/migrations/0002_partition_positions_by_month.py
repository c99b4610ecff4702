"""PostgreSQL only: officers' positions partitioned by month (smartzone/partitions.py)."""

from django.db import migrations


def partition(apps, schema_editor):
    from smartzone import partitions

    if schema_editor.connection.vendor != "postgresql":
        return
    partitions.convert("patrol_officerposition")


class Migration(migrations.Migration):
    dependencies = [
        ("patrol", "0001_initial"),
        ("smartzone", "0006_partition_events_and_audit_by_month"),
    ]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop, elidable=False)]
