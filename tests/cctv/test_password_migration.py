"""Migration 0003 encrypts the stream passwords already stored (and its reverse restores them)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cctv.models import Camera
from tests.cctv.conftest import STREAM_SECRET

ENCRYPTED = ("cctv", "0003_encrypt_stream_passwords")
PLAIN = ("cctv", "0002_analysisjob_source_once_per_camera")


def columns() -> set[str]:
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, "cctv_camera")
    return {column.name for column in description}


def migrate_to(target=None) -> None:
    """Migrate to TARGET, or back to the latest state of every app."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target] if target else executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_plain_passwords_are_encrypted_by_the_migration(camera):
    try:
        migrate_to(PLAIN)
        with connection.cursor() as cursor:
            cursor.execute("SELECT password FROM cctv_camera WHERE id = %s", [camera.pk])
            assert cursor.fetchone()[0] == STREAM_SECRET
        migrate_to(ENCRYPTED)
    finally:
        migrate_to()
    assert "password" not in columns() and "password_encrypted" in columns()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cctv_camera WHERE id = %s", [camera.pk])
        assert STREAM_SECRET not in " ".join(map(str, cursor.fetchone()))
    assert Camera.objects.get(pk=camera.pk).password == STREAM_SECRET
