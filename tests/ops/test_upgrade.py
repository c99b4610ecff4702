"""Upgrades: upgrade_check refuses without a fresh backup; every app's migrations, from its
first, carry the demo data (and a few rows in every table it leaves empty) forward without
losing a row or changing a value."""

import io
import itertools
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.db import connection, models, transaction
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


def filler():
    """Return (one, create): ONE(model) gives a shared row of MODEL, CREATE(model) a new one,
    each with plausible values (_value) written through the historical MODEL."""
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

    return one, create


def project_models(apps_state, app_labels):
    for label in app_labels:
        for model in apps_state.get_app_config(label).get_models(include_auto_created=True):
            if not model._meta.proxy and model._meta.managed:
                yield model


def snapshot(apps_state, app_labels) -> dict[str, dict]:
    """Return every table's rows as stored ({table: {"pk", "columns", "rows": {pk: row}}}),
    read raw: no field's conversion (decrypting, parsing JSON) stands between."""
    tables = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in project_models(apps_state, app_labels):
            columns = [f.column for f in model._meta.concrete_fields]
            listed, table = ", ".join(map(quote, columns)), quote(model._meta.db_table)
            cursor.execute(f"SELECT {listed} FROM {table}")  # noqa: S608 - names from the models
            pk = columns.index(model._meta.pk.column)
            rows = {row[pk]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}
            tables[model._meta.db_table] = {"pk": model._meta.pk.column, "rows": rows}
    return tables


def load(apps_state, app_labels, tables: dict, one) -> set[str]:
    """Write the rows of TABLES, as stored, into the tables of the historical models that have
    them; a column the old table has and the rows lack gets its default or a plausible value.
    Return the tables written to."""
    quote = connection.ops.quote_name
    written, old_models = set(), list(project_models(apps_state, app_labels))
    with transaction.atomic(), connection.cursor() as cursor:
        for model in old_models:
            table = tables.get(model._meta.db_table)
            if not table or not table["rows"]:
                continue
            have = next(iter(table["rows"].values()))
            columns, extra = [], {}
            for field in model._meta.concrete_fields:
                if field.column in have:
                    columns.append(field.column)
                    continue
                if field.null:
                    value = None
                elif field.has_default():
                    value = field.get_default()
                else:
                    value = _value(field, one, one)
                    value = value.pk if field.is_relation else value
                extra[field.column] = field.get_db_prep_save(value, connection)
            names = columns + list(extra)
            sql = (
                f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, names))}) "  # noqa: S608
                f"VALUES ({', '.join(['%s'] * len(names))})"
            )
            cursor.executemany(
                sql,
                [
                    [row[c] for c in columns] + list(extra.values())
                    for row in table["rows"].values()
                ],
            )
            written.add(model._meta.db_table)
        # Rows came with their keys: the sequences must start after them (PostgreSQL).
        for statement in connection.ops.sequence_reset_sql(no_style(), old_models):
            cursor.execute(statement)
    return written


def counts(apps_state, app_labels) -> dict[str, int]:
    return {m._meta.db_table: m.objects.count() for m in project_models(apps_state, app_labels)}


def first_migrations(graph, labels) -> list[tuple[str, str]]:
    """Return each app's first migration, leaving out an app added to running deployments
    later: one whose first migration needs other apps' migrations that their own first ones
    do not (dispatch needs today's sos and incidents). It is created on the way up instead."""
    first = {label: min(name for app, name in graph.nodes if app == label) for label in labels}

    def needs(label):
        return {key for key in graph.forwards_plan((label, first[label])) if key[0] != label}

    kept = []
    for label in labels:
        others = set().union(*(graph.forwards_plan((o, first[o])) for o in labels if o != label))
        if needs(label) <= others:
            kept.append((label, first[label]))
    return kept


# Columns a migration rewrites on purpose (none today); the demo's other values must come
# through every migration unchanged.
REWRITTEN: set[tuple[str, str]] = set()


@pytest.mark.django_db(transaction=True)
def test_every_apps_migrations_from_its_first_keep_the_demo_data_and_every_row(categories):
    """The demo data (seed_demo, at the latest schema) is written as stored into the tables of
    each app's first migration, every table it leaves empty gets a few plausible rows, and the
    migrations to the latest keep every row and every demo value."""
    apps_labels = settings.PROJECT_APPS
    # CATEGORIES: the demo's reports need the default categories an earlier test's flush removed.
    call_command("seed_demo", stdout=io.StringIO())
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    demo = snapshot(executor.loader.project_state(latest).apps, apps_labels)
    assert {"incidents_report", "sos_kiosk", "patrol_patrolpoint", "smartzone_station"} <= {
        table for table, t in demo.items() if t["rows"]
    }
    firsts = first_migrations(executor.loader.graph, apps_labels)
    old_labels = [label for label, _ in firsts]
    try:
        # Back to nothing, then forward to each app's first migration (and what it needs).
        executor.migrate([(label, None) for label in apps_labels])
        executor = MigrationExecutor(connection)
        executor.migrate(firsts)
        executor = MigrationExecutor(connection)
        applied = [key for key in executor.loader.applied_migrations if key[0] in old_labels]
        old = executor.loader.project_state(applied).apps
        one, create = filler()
        from_demo = load(old, old_labels, demo, one)
        for model in project_models(old, old_labels):
            if model._meta.db_table not in from_demo and not model._meta.auto_created:
                for _ in range(ROWS):
                    create(model)
        before = counts(old, old_labels)
        through = {
            m._meta.db_table for m in project_models(old, old_labels) if m._meta.auto_created
        }
        assert [t for t, n in before.items() if n == 0 and t not in through] == []
        held = {"incidents_report", "sos_sosevent", "patrol_checkin", "smartzone_auditentry"}
        assert held <= set(before)
        old_columns = {
            m._meta.db_table: {f.column for f in m._meta.concrete_fields}
            for m in project_models(old, old_labels)
        }

        executor = MigrationExecutor(connection)
        executor.migrate(latest)
        executor.loader.build_graph()
        new = executor.loader.project_state(latest).apps
        after = counts(new, apps_labels)
        upgraded = snapshot(new, apps_labels)
    finally:
        MigrationExecutor(connection).migrate(latest)
    lost = {table: (n, after.get(table)) for table, n in before.items() if after.get(table, 0) < n}
    assert lost == {}, f"rows lost on the way up (before, after): {lost}"
    changed = []
    for table in from_demo:
        for pk, row in demo[table]["rows"].items():
            now = upgraded[table]["rows"].get(pk)
            assert now is not None, f"demo row {table} #{pk} lost"
            for column in old_columns[table] & set(row) & set(now):
                if (table, column) not in REWRITTEN and row[column] != now[column]:
                    changed.append((table, pk, column, row[column], now[column]))
    assert changed == [], f"demo values changed on the way up: {changed[:5]}"
    assert sum(len(demo[t]["rows"]) for t in from_demo) > 50  # the demo, not a token row
