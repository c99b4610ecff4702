"""Kiosk secrets are encrypted at rest; signing and rotation still work."""

from importlib import import_module

import pytest
from django.db import connection

from sos import services
from sos.models import Kiosk
from tests.sos.conftest import signed_post

pytestmark = pytest.mark.django_db


def stored_columns(kiosk) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM sos_kiosk WHERE id = %s", [kiosk.pk])
        return " ".join(str(value) for value in cursor.fetchone())


def test_the_stored_value_is_not_the_secret(kiosk_and_secret):
    kiosk, secret = kiosk_and_secret
    assert len(secret) == 64
    assert secret not in stored_columns(kiosk)
    assert Kiosk.objects.get(pk=kiosk.pk).secret == secret


def test_a_request_signed_with_the_secret_is_accepted(client, kiosk_and_secret):
    kiosk, secret = kiosk_and_secret
    response = signed_post(client, kiosk, {"event_id": "e-1"}, secret=secret)
    assert response.status_code == 201, response.content


def test_after_rotation_the_new_secret_signs_and_the_old_one_is_refused(client, kiosk_and_secret):
    kiosk, old = kiosk_and_secret
    _kiosk, new = services.kiosk_rotate_secret(actor="test", kiosk_id=kiosk.pk)
    assert new != old and new not in stored_columns(kiosk)
    refused = signed_post(client, kiosk, {"event_id": "e-2"}, secret=old)
    assert refused.status_code == 401 and refused.json()["reason"] == "bad_credentials"
    assert signed_post(client, kiosk, {"event_id": "e-3"}, secret=new).status_code == 201


def test_a_secret_encrypted_under_another_key_is_refused_until_rotated(
    client, settings, kiosk_and_secret
):
    kiosk, secret = kiosk_and_secret
    settings.SECRET_KEY = "another-key-" * 6
    response = signed_post(client, kiosk, {"event_id": "e-4"}, secret=secret)
    assert response.status_code == 401 and response.json()["reason"] == "bad_credentials"
    _kiosk, new = services.kiosk_rotate_secret(actor="test", kiosk_id=kiosk.pk)
    assert signed_post(client, kiosk, {"event_id": "e-5"}, secret=new).status_code == 201


def test_the_migration_encrypts_existing_plain_secrets(kiosk):
    migration = import_module("sos.migrations.0004_kiosk_secret_encrypted")
    from smartzone import crypto

    class Row:
        secret = "a" * 64
        secret_encrypted = ""

        def save(self, update_fields):
            self.saved = update_fields

    row = Row()

    class Apps:
        @staticmethod
        def get_model(app, name):
            return type("M", (), {"objects": type("Q", (), {"all": staticmethod(lambda: [row])})})

    migration.encrypt_secrets(Apps, None)
    assert row.saved == ["secret_encrypted"]
    assert row.secret_encrypted != row.secret
    assert crypto.decrypt(row.secret_encrypted, context=migration.CONTEXT) == "a" * 64
    assert migration.CONTEXT == import_module("sos.models").SECRET_CONTEXT
