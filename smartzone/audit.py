"""The audit trail: an append-only, hash-chained record of every write a service makes.

Each entry's hash covers its own fields and the previous entry's hash, and its id is its place
in the chain, so changing an entry breaks its hash and deleting one leaves a gap in the ids.
`AuditHead` remembers the newest entry so that deleting the tail shows too, and, once old
entries were purged for retention, where the kept chain starts; that checkpoint is itself
recorded by the purge's own entry, so moving it to hide a deletion shows as well.
"""

import hashlib
import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from smartzone.models import AuditEntry, AuditHead

GENESIS_HASH = "0" * 64
PURGE_ACTION = "audit.purged"


def actor_label(actor) -> str:
    """Return how an actor is named in the trail: a username, or a system name given as str."""
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    if getattr(actor, "is_authenticated", False):
        return actor.get_username()
    return "anonymous"


def _normalise(changes: dict | None) -> dict:
    # Store exactly what is hashed: JSON round-trip turns dates, decimals and UUIDs into strings.
    return json.loads(json.dumps(changes or {}, cls=DjangoJSONEncoder, sort_keys=True))


def entry_hash(entry: AuditEntry) -> str:
    body = {
        "id": entry.pk,
        "created_at": entry.created_at.isoformat(),
        "actor": entry.actor_label,
        "station": entry.station_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "changes": entry.changes,
        "prev": entry.prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def audit_append(
    *,
    actor,
    action: str,
    obj=None,
    station=None,
    changes: dict | None = None,
) -> AuditEntry:
    """Append one entry to the trail. Call inside the transaction of the write it records.

    ACTOR is a user, None for the system, or a string naming a device or a command. STATION
    defaults to OBJ's station; OBJ gives the object type and id.
    """
    return audit_append_many(
        [{"actor": actor, "action": action, "obj": obj, "station": station, "changes": changes}]
    )[0]


def audit_append_many(records: list[dict]) -> list[AuditEntry]:
    """Append one entry per record (audit_append's keyword arguments as a dict), in order,
    under one hold of the chain lock: a write of many rows at once (a group commit) appends
    them in one statement. Call inside the transaction of the writes they record."""
    assert transaction.get_connection().in_atomic_block, "audit_append needs a transaction"
    # The chain's lock, taken by every write: read as plain values, written back with update().
    head = AuditHead.objects.select_for_update().filter(pk=1).values_list("seq", "hash").first()
    if head is None:  # the very first entry
        created, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        head = (created.seq, created.hash)
    seq, prev_hash = head
    now = timezone.now()
    entries = []
    for record in records:
        actor, obj, station = record["actor"], record.get("obj"), record.get("station")
        if station is None and obj is not None:
            station = getattr(obj, "station", None)
        entry = AuditEntry(
            pk=seq + 1,
            created_at=now,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            actor_label=actor_label(actor),
            station_id=getattr(station, "pk", station),
            action=record["action"],
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            changes=_normalise(record.get("changes")),
            prev_hash=prev_hash or GENESIS_HASH,
        )
        entry.hash = entry_hash(entry)
        seq, prev_hash = entry.pk, entry.hash
        entries.append(entry)
    AuditEntry.objects.bulk_create(entries)
    AuditHead.objects.filter(pk=1).update(seq=seq, hash=prev_hash)
    return entries


@dataclass
class ChainProblem:
    entry_id: int
    reason: str

    def __str__(self) -> str:
        return f"entry {self.entry_id}: {self.reason}"


def _checkpoint_problem(head: AuditHead) -> ChainProblem | None:
    """Return a problem unless the newest purge entry records HEAD's checkpoint."""
    mark = (
        AuditEntry.objects.filter(action=PURGE_ACTION, pk__gte=head.first_seq)
        .order_by("-pk")
        .first()
    )
    changes = mark.changes if mark else {}
    if (
        changes.get("first_kept") != head.first_seq
        or changes.get("first_kept_prev_hash") != head.first_prev_hash
    ):
        return ChainProblem(
            head.first_seq, "the chain starts here but no purge entry records that checkpoint"
        )
    return None


def audit_verify(
    *, after: tuple[int, str] | None = None, head: AuditHead | None = None
) -> tuple[int, ChainProblem | None]:
    """Walk the chain from its checkpoint; return (entries checked, first problem or None).

    AFTER (seq, hash), an entry an earlier walk proved, starts the walk after it and stops at
    HEAD (read now if not given): a task that proves the chain often walks only what is new.
    """
    head = head or AuditHead.objects.filter(pk=1).first() or AuditHead(seq=0)
    expected_id, prev_hash, checked = head.first_seq, head.first_prev_hash or GENESIS_HASH, 0
    if head.first_seq > 1 and (problem := _checkpoint_problem(head)):
        return checked, problem
    entries = AuditEntry.objects.all()
    if after is not None and after[0] >= head.first_seq:
        expected_id, prev_hash = after[0] + 1, after[1]
        entries = entries.filter(pk__gt=after[0], pk__lte=head.seq)
    for entry in entries.order_by("pk").iterator(chunk_size=2000):
        if entry.pk < expected_id:
            return checked, ChainProblem(entry.pk, "kept before the retention checkpoint")
        if entry.pk != expected_id:
            return checked, ChainProblem(expected_id, "missing (deleted from the chain)")
        if entry.prev_hash != prev_hash:
            # The one before passed its own check, so it was rewritten along with its hash.
            return checked, ChainProblem(
                entry.pk - 1,
                f"changed after it was written (entry {entry.pk} no longer links to it)",
            )
        if entry_hash(entry) != entry.hash:
            return checked, ChainProblem(entry.pk, "changed after it was written")
        prev_hash, expected_id, checked = entry.hash, expected_id + 1, checked + 1
    if head.seq != expected_id - 1 or (head.seq and head.hash != prev_hash):
        return checked, ChainProblem(expected_id, "missing (deleted from the end of the chain)")
    return checked, None
