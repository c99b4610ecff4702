"""Upgrades: upgrade_check refuses without a fresh backup; every app's migrations, from its
first, carry the rows of a filled database forward without losing any."""

import itertools
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from ops.models import BackupRecord

ROWS = 3
_counter = itertools.count(1)


@pytest.mark.django_db
def test_upgrade_check_lists_nothing_to_run_and_refuses_without_a_backup_from_the_last_hour(
    capsys,
):
    with pytest.raises(CommandError, match="no good backup from the last hour"):
        call_command("upgrade_check")
    assert "the schema is up to date" in capsys.readouterr().out
    now = timezone.now()
    BackupRecord.objects.create(started_at=now, finished_at=now - timedelta(hours=2), ok=True)
    with pytest.raises(CommandError, match="the last is from"):
        call_command("upgrade_check")
    BackupRecord.objects.create(started_at=now, finished_at=now - timedelta(minutes=5), ok=False)
    with pytest.raises(CommandError):
        call_command("upgrade_check")
    BackupRecord.objects.create(started_at=now, finished_at=now - timedelta(minutes=5), ok=True)
    call_command("upgrade_check")
    assert "you may upgrade" in capsys.readouterr().out


def _value(field, parent, new_parent):
    """A plausible value for FIELD of a historical model (a parent row for a foreign key: a
    shared one, or a new one where the key is unique)."""
    n = next(_counter)
    if field.is_relation:
        return (new_parent if field.unique else parent)(field.related_model)
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.FloatField):
        return 16.5 if "lat" in field.name else 104.7
    if isinstance(field, models.DecimalField):
        return 1
    if isinstance(field, models.IntegerField):
        return n if field.unique else 3  # within the 1-to-5 scales some checks hold
    if isinstance(field, models.DateTimeField):
        return timezone.now() - timedelta(minutes=n)
    if isinstance(field, models.DateField):
        return timezone.now().date()
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.FileField):
        return f"upgrade/{n}.jpg"
    if isinstance(field, models.GenericIPAddressField):
        return "192.0.2.1"
    if isinstance(field, models.EmailField):
        return f"u{n}@example.org"
    if isinstance(field, models.CharField | models.TextField):
        text = f"{field.name[:4]}{n:06d}"
        return text[-field.max_length :] if field.max_length else text  # the number kept
    if isinstance(field, models.BinaryField):
        return b"x"
    raise TypeError(f"no value for {field!r}")


def fill(apps_state, app_labels) -> None:
    """Write ROWS rows into every model of APP_LABELS, through the historical models."""
    made: dict = {}

    def one(model):
        if model._meta.label not in made:
            made[model._meta.label] = create(model)
        return made[model._meta.label]

    def create(model):
        if model._meta.app_label == "auth" and model._meta.model_name == "user":
            return model.objects.create(username=f"user{next(_counter)}", password="!")
        together = {name for names in model._meta.unique_together for name in names}
        for constraint in model._meta.constraints:
            together |= set(getattr(constraint, "fields", ()) or ())
        values = {}
        for field in model._meta.concrete_fields:
            if field.primary_key and field.auto_created or isinstance(field, models.AutoField):
                continue
            if field.has_default() and not field.unique:
                continue
            if field.null and not field.unique:
                continue
            values[field.attname if not field.is_relation else field.name] = _value(
                field, create if field.name in together else one, create
            )
        return model.objects.create(**values)

    for label in app_labels:
        for model in apps_state.get_app_config(label).get_models():
            if model._meta.proxy or not model._meta.managed:
                continue
            for _ in range(ROWS):
                one(model) if model._meta.label not in made else create(model)


def counts(apps_state, app_labels) -> dict[str, int]:
    return {
        m._meta.db_table: m.objects.count()
        for label in app_labels
        for m in apps_state.get_app_config(label).get_models()
        if not m._meta.proxy and m._meta.managed
    }


@pytest.mark.django_db(transaction=True)
def test_every_apps_migrations_from_its_first_keep_every_row():
    apps_labels = settings.PROJECT_APPS
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    firsts = [
        (label, min(name for app, name in executor.loader.graph.nodes if app == label))
        for label in apps_labels
    ]
    try:
        # Back to nothing, then forward to each app's first migration (and what it needs).
        executor.migrate([(label, None) for label in apps_labels])
        executor = MigrationExecutor(connection)
        executor.migrate(firsts)
        executor = MigrationExecutor(connection)
        applied = [key for key in executor.loader.applied_migrations if key[0] in apps_labels]
        old = executor.loader.project_state(applied).apps
        fill(old, apps_labels)
        before = counts(old, apps_labels)
        assert all(count >= ROWS for count in before.values()), before
        held = {"incidents_report", "sos_sosevent", "patrol_checkin", "smartzone_auditentry"}
        assert held <= set(before)

        executor = MigrationExecutor(connection)
        executor.migrate(latest)
        executor.loader.build_graph()
        new = executor.loader.project_state(latest).apps
        after = counts(new, apps_labels)
    finally:
        MigrationExecutor(connection).migrate(latest)
    lost = {table: (n, after.get(table)) for table, n in before.items() if after.get(table, 0) < n}
    assert lost == {}, f"rows lost on the way up (before, after): {lost}"
