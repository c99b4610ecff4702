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
