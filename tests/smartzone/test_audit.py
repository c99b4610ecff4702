import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from smartzone.models import AuditEntry


@pytest.fixture
def chain(landmark, officer):
    """A few audited writes: station, zone, landmark, officer."""
    assert AuditEntry.objects.count() >= 4
    return list(AuditEntry.objects.order_by("pk"))


def verify() -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def test_it_says_ok_on_a_clean_chain(chain):
    assert verify().startswith(f"OK: {len(chain)} audit entries")


def test_it_reports_a_changed_entry_by_its_id(chain):
    target = chain[1]
    AuditEntry.objects.filter(pk=target.pk).update(actor_label="someone-else")
    with pytest.raises(CommandError, match=f"entry {target.pk}: changed"):
        verify()


def test_it_reports_changed_details_even_when_the_hash_is_recomputed_in_place(chain):
    from smartzone.audit import entry_hash

    target = chain[1]
    target.changes = {"after": {"name": "forged"}}
    target.hash = entry_hash(target)
    AuditEntry.objects.filter(pk=target.pk).update(changes=target.changes, hash=target.hash)
    with pytest.raises(CommandError, match=f"entry {target.pk}: changed"):
        verify()


def test_it_reports_a_deleted_entry_by_its_id(chain):
    target = chain[2]
    AuditEntry.objects.filter(pk=target.pk).delete()
    with pytest.raises(CommandError, match=f"entry {target.pk}: missing"):
        verify()


def test_it_reports_a_deleted_last_entry(chain):
    AuditEntry.objects.filter(pk=chain[-1].pk).delete()
    with pytest.raises(CommandError, match=f"entry {chain[-1].pk}: missing"):
        verify()


def test_each_entry_names_actor_action_and_object(landmark):
    entry = AuditEntry.objects.get(action="landmark.created")
    assert entry.actor_label == "test"
    assert entry.object_type == "smartzone.landmark"
    assert entry.object_id == str(landmark.pk)
    assert entry.station_id == landmark.station_id
    assert entry.changes["after"]["name"] == landmark.name


# --- retention: purging old entries keeps the chain verifiable ---------------------------------


def age(entries, days: int) -> None:
    from datetime import timedelta

    from django.utils import timezone

    # created_at is in the hash: ageing entries means rewriting them as if written back then.
    from smartzone.audit import entry_hash

    when = timezone.now() - timedelta(days=days)
    prev = None
    for entry in AuditEntry.objects.order_by("pk"):
        if entry.pk in {e.pk for e in entries}:
            entry.created_at = when
        if prev is not None:
            entry.prev_hash = prev
        entry.hash = entry_hash(entry)
        AuditEntry.objects.filter(pk=entry.pk).update(
            created_at=entry.created_at, prev_hash=entry.prev_hash, hash=entry.hash
        )
        prev = entry.hash
    from smartzone.models import AuditHead

    AuditHead.objects.filter(pk=1).update(hash=prev)


@pytest.fixture
def purged(chain, settings):
    """The two oldest entries aged past retention and purged."""
    from smartzone.tasks import audit_purge

    settings.RETENTION_AUDIT_DAYS = 365
    age(chain[:2], days=400)
    assert verify().startswith("OK")
    assert audit_purge() == 2
    return list(AuditEntry.objects.filter(pk__in=[e.pk for e in chain[2:]]).order_by("pk"))


def test_after_a_purge_verify_audit_still_says_ok(purged):
    assert not AuditEntry.objects.filter(pk__lt=purged[0].pk).exists()
    assert verify().startswith(f"OK: {len(purged) + 1} audit entries")


def test_the_purge_is_itself_an_entry_naming_the_checkpoint(purged):
    entry = AuditEntry.objects.get(action="audit.purged")
    assert entry.changes["count"] == 2
    assert entry.changes["ids"] == [1, 2]
    assert entry.changes["first_kept"] == purged[0].pk
    assert entry.changes["first_kept_prev_hash"] == purged[0].prev_hash


def test_a_second_purge_finds_nothing_to_delete(purged):
    from smartzone.tasks import audit_purge

    assert audit_purge() == 0
    assert AuditEntry.objects.filter(action="audit.purged").count() == 1


def test_after_a_purge_an_edited_kept_entry_is_still_reported(purged):
    AuditEntry.objects.filter(pk=purged[1].pk).update(actor_label="someone-else")
    with pytest.raises(CommandError, match=f"entry {purged[1].pk}: changed"):
        verify()


def test_after_a_purge_deleting_the_first_kept_entry_is_still_reported(purged):
    AuditEntry.objects.filter(pk=purged[0].pk).delete()
    with pytest.raises(CommandError, match=f"entry {purged[0].pk}: missing"):
        verify()


def test_moving_the_checkpoint_to_hide_a_deletion_is_reported(purged):
    from smartzone.models import AuditHead

    AuditEntry.objects.filter(pk=purged[0].pk).delete()
    AuditHead.objects.filter(pk=1).update(
        first_seq=purged[1].pk, first_prev_hash=purged[1].prev_hash
    )
    with pytest.raises(CommandError, match="no purge entry records that checkpoint"):
        verify()


def test_purging_every_entry_keeps_the_purge_entry_as_the_start(chain, settings):
    from smartzone.retention import audit_purge

    age(chain, days=400)
    assert audit_purge(days=365) == len(chain)
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["audit.purged"]
    assert verify().startswith("OK: 1 audit entries")
