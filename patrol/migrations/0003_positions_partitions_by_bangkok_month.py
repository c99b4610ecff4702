"""PostgreSQL only: officers' positions' partitions cut at midnight of the stations' time zone
(Asia/Bangkok) instead of UTC (smartzone.partitions.rebound). A no-op on SQLite."""

from django.db import migrations


def rebound(apps, schema_editor):
    from smartzone import partitions

    if schema_editor.connection.vendor != "postgresql":
        return
    partitions.rebound("patrol_officerposition")


class Migration(migrations.Migration):
    dependencies = [
        ("patrol", "0002_partition_positions_by_month"),
        ("smartzone", "0007_partitions_by_bangkok_month"),
    ]

    operations = [migrations.RunPython(rebound, migrations.RunPython.noop, elidable=False)]
