"""API tokens are stored hashed: the key signs in, the stored value does not."""

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from smartzone.models import ApiToken, AuditEntry
from smartzone.tokens import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db

ZONES = "/api/v1/zones/"


def test_the_stored_value_is_the_keys_sha256_not_the_key(officer):
    token, key = api_token_create(actor="test", user=officer, name="patrol phone")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM smartzone_apitoken WHERE id = %s", [token.pk])
        stored = " ".join(str(value) for value in cursor.fetchone())
    assert key not in stored
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    entry = AuditEntry.objects.get(action="api_token.created")
    assert key not in str(entry.changes) and entry.changes["prefix"] == key[:6]


def test_the_key_signs_in_and_the_stored_hash_does_not(client, officer, zone):
    token, key = api_token_create(actor="test", user=officer, name="patrol phone")
    assert client.get(ZONES, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    refused = client.get(ZONES, HTTP_AUTHORIZATION=f"Token {token.key_hash}")
    assert refused.status_code in {401, 403}


def test_a_revoked_token_no_longer_signs_in(client, officer, zone):
    token, key = api_token_create(actor="test", user=officer, name="patrol phone")
    api_token_revoke(actor="test", token_id=token.pk)
    assert not ApiToken.objects.exists()
    assert client.get(ZONES, HTTP_AUTHORIZATION=f"Token {key}").status_code in {401, 403}
    assert AuditEntry.objects.filter(action="api_token.revoked").count() == 1


def test_an_inactive_users_token_is_refused(client, officer, zone):
    _token, key = api_token_create(actor="test", user=officer, name="patrol phone")
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    assert client.get(ZONES, HTTP_AUTHORIZATION=f"Token {key}").status_code in {401, 403}


def test_the_command_prints_the_key_once_and_it_works(client, officer, zone):
    out = StringIO()
    call_command("api_token_create", "alice", "patrol phone 3", stdout=out)
    key = out.getvalue().split()[0]
    assert ApiToken.objects.get().prefix == key[:6]
    assert client.get(ZONES, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_the_migration_moves_plain_tokens_in_hashed(officer):
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps

    migration = import_module("smartzone.migrations.0004_api_tokens_hashed")
    with connection.cursor() as cursor:  # DRF's table as an older deployment has it
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40), user_id integer)")
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s)", ["a" * 40, officer.pk])
    migration.hash_plain_tokens(apps, SimpleNamespace(connection=connection))
    token = ApiToken.objects.get()
    assert token.user == officer
    assert token.key_hash == hashlib.sha256(b"a" * 40).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0
