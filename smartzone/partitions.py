"""Monthly declarative partitions of the big append-only tables, on PostgreSQL only.

The outbox's events, the audit trail and the officers' positions grow with every station and
every day; partitioned by month of their time column (months of the stations' time zone,
Asia/Bangkok, not UTC: see zone()), a query of recent rows (a dashboard's
catch-up, a timeline's first page) reads this month's partition, and retention drops a whole
old month instead of deleting its rows one by one. On SQLite (the embedded default) nothing
here does anything.

A partitioned table's primary key and unique constraints must hold its partition key, so they
become (id, time) and (hash, time): ids still come from one sequence, so they stay unique in
practice, but the database no longer enforces it across months. Nothing references these
tables by foreign key, which is what makes partitioning them possible.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils import timezone

# (table, time column) of each partitioned table.
TABLES = {
    "smartzone_event": "created_at",
    "smartzone_auditentry": "created_at",
    "patrol_officerposition": "reported_at",
}
MONTHS_AHEAD = 3


def enabled() -> bool:
    return connection.vendor == "postgresql"


def zone() -> ZoneInfo:
    """The time zone whose months the partitions follow: the stations' (settings.TIME_ZONE,
    Asia/Bangkok), so a month's partition holds what the station counts as that month, and
    an event at 00:30 on the 1st, Bangkok time, is in the new month's partition."""
    return ZoneInfo(settings.TIME_ZONE)


def month_of(moment: datetime) -> date:
    """The first day of the month MOMENT (aware) falls in, in the stations' time zone."""
    return moment.astimezone(zone()).date().replace(day=1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The aware [start, end) of MONTH in the stations' time zone."""
    start = datetime.combine(month, time.min, zone())
    return start, datetime.combine(_month(month, 1), time.min, zone())


def _month(day: date, add: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + add
    return date(index // 12, index % 12 + 1, 1)


def next_month(month: date) -> date:
    return _month(month, 1)


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y%m}"


def is_partitioned(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = %s AND c.relnamespace = 'public'::regnamespace",
            [table],
        )
        return cursor.fetchone() is not None


def convert(table: str) -> bool:
    """Turn TABLE into a table partitioned by month of its time column, keeping its rows,
    columns, defaults, identity, indexes and constraints (under the same names). Return False
    if it already was one. Call inside a transaction (a migration)."""
    if not enabled() or is_partitioned(table):
        return False
    column = TABLES[table]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef, indexname FROM pg_indexes WHERE schemaname = 'public' "
            "AND tablename = %s",
            [table],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f', 'c')",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT a.attname, pg_get_serial_sequence(%s, a.attname) FROM pg_attribute a "
            "WHERE a.attrelid = %s::regclass AND a.attidentity <> ''",
            [table, table],
        )
        identity = cursor.fetchall()
        cursor.execute(f'SELECT min("{column}"), max("{column}") FROM "{table}"')  # noqa: S608 (our own table names)
        first, last = cursor.fetchone()
        old = f"{table}_unpartitioned"
        cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{old}"')
        # The old table's indexes and constraints keep their names: free them for the new one.
        for name, _kind, _definition in constraints:
            cursor.execute(f'ALTER TABLE "{old}" RENAME CONSTRAINT "{name}" TO "{name}_old"')
        constraint_names = {name for name, _k, _d in constraints}
        for _definition, name in indexes:
            if name not in constraint_names:
                cursor.execute(f'ALTER INDEX "{name}" RENAME TO "{name}_old"')
        cursor.execute(
            f'CREATE TABLE "{table}" (LIKE "{old}" INCLUDING DEFAULTS INCLUDING IDENTITY) '
            f'PARTITION BY RANGE ("{column}")'
        )
        for name, kind, definition in constraints:
            if kind in ("p", "u"):
                # The partition key must be part of every primary key and unique constraint.
                definition = definition.rstrip(")") + f', "{column}")'
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        for definition, name in indexes:
            if name not in constraint_names:
                cursor.execute(definition)  # "ON public.<table>": now the new table
        cursor.execute(f'CREATE TABLE "{table}_default" PARTITION OF "{table}" DEFAULT')
        _create_range(cursor, table, first, last)
        cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "{old}"')  # noqa: S608
        for column_name, _sequence in identity:
            top = f'SELECT max("{column_name}") FROM "{table}"'  # noqa: S608
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE(({top}), 0) + 1, false)",
                [table, column_name],
            )
        cursor.execute(f'DROP TABLE "{old}"')
    return True


def _create_range(cursor, table: str, first: datetime | None, last: datetime | None) -> None:
    """Create TABLE's monthly partitions from FIRST's month (or this month) to MONTHS_AHEAD
    past LAST's (or this month)."""
    today = timezone.localdate()
    month = min(month_of(first), today.replace(day=1)) if first else today.replace(day=1)
    end = _month(max(month_of(last), today) if last else today, MONTHS_AHEAD)
    while month <= end:
        _create(cursor, table, month)
        month = _month(month, 1)


def _create(cursor, table: str, month: date) -> bool:
    name = partition_name(table, month)
    cursor.execute("SELECT to_regclass(%s)", [f"public.{name}"])
    if cursor.fetchone()[0] is not None:
        return False
    start, end = month_bounds(month)
    cursor.execute(
        f'CREATE TABLE "{name}" PARTITION OF "{table}" FOR VALUES FROM (%s) TO (%s)',
        [start.isoformat(), end.isoformat()],
    )
    return True


def _children(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def _starts_local(cursor, name: str, month: date) -> bool:
    """Whether partition NAME (of MONTH) starts at the month's midnight in the stations' zone."""
    cursor.execute(
        "SELECT (regexp_match(pg_get_expr(relpartbound, oid), 'FROM \\(''([^'']+)''\\)'))[1]"
        "::timestamptz = %s FROM pg_class WHERE oid = %s::regclass",
        [month_bounds(month)[0].isoformat(), name],
    )
    return bool(cursor.fetchone()[0])


def rebound(table: str) -> bool:
    """Move TABLE's rows into partitions bounded by the stations' months if its partitions
    were cut at another zone's midnight (before, they were UTC months); return whether it
    moved them. The parent (its indexes, constraints, identity) stays; only its partitions
    are made again. Call inside a transaction (a migration)."""
    if not enabled() or not is_partitioned(table):
        return False
    with connection.cursor() as cursor:
        children = _children(cursor, table)
        monthly = [(n, n.removeprefix(f"{table}_p")) for n in children]
        monthly = [(n, date(int(s[:4]), int(s[4:]), 1)) for n, s in monthly if s.isdigit()]
        if all(_starts_local(cursor, name, month) for name, month in monthly):
            return False
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # see drop()
        for name in children:
            cursor.execute(f'ALTER TABLE "{table}" DETACH PARTITION "{name}"')
            cursor.execute(f'ALTER TABLE "{name}" RENAME TO "{name}_moving"')
        column = TABLES[table]
        first = last = None
        for name in children:
            cursor.execute(f'SELECT min("{column}"), max("{column}") FROM "{name}_moving"')  # noqa: S608
            low, high = cursor.fetchone()
            first = low if first is None or (low and low < first) else first
            last = high if last is None or (high and high > last) else last
        cursor.execute(f'CREATE TABLE "{table}_default" PARTITION OF "{table}" DEFAULT')
        _create_range(cursor, table, first, last)
        for name in children:
            cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "{name}_moving"')  # noqa: S608
            cursor.execute(f'DROP TABLE "{name}_moving"')
    return True


def ensure_ahead(*, today: date | None = None, months: int = MONTHS_AHEAD) -> list[str]:
    """Create the partitions of this month and the next MONTHS of every partitioned table;
    return the names created. Idempotent (the beat task runs it daily)."""
    if not enabled():
        return []
    today = today or timezone.localdate()
    created = []
    with connection.cursor() as cursor:
        for table in TABLES:
            if not is_partitioned(table):
                continue
            for add in range(months + 1):
                month = _month(today, add)
                if _create(cursor, table, month):
                    created.append(partition_name(table, month))
    return created


@dataclass
class Partition:
    name: str
    month: date
    rows: int
    first_id: int | None
    last_id: int | None


def monthly_partitions(table: str) -> list[Partition]:
    """Return TABLE's monthly partitions, oldest first, with their row counts and id ranges."""
    if not enabled() or not is_partitioned(table):
        return []
    with connection.cursor() as cursor:
        names = _children(cursor, table)
        out = []
        for name in names:
            suffix = name.removeprefix(f"{table}_p")
            if len(suffix) != 6 or not suffix.isdigit():
                continue  # the default partition
            cursor.execute(f'SELECT count(*), min(id), max(id) FROM "{name}"')  # noqa: S608
            rows, first_id, last_id = cursor.fetchone()
            month = date(int(suffix[:4]), int(suffix[4:]), 1)
            out.append(Partition(name, month, rows, first_id, last_id))
        return out


def drop(name: str) -> None:
    """Drop one partition (call inside the transaction that records it)."""
    with connection.cursor() as cursor:
        # Deferred foreign-key checks of rows written earlier in this transaction would
        # refuse the drop ("pending trigger events"): run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'DROP TABLE "{name}"')
