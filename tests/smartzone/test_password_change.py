"""Changing the password keeps this session and signs out every other one."""

import pytest
from django.test import Client

from smartzone.models import AuditEntry
from tests.conftest import PASSWORD

URL = "/accounts/password/"
NEW = "river-lantern-orchid-2026"


def change(client, new1, new2=None):
    return client.post(
        URL, {"old_password": PASSWORD, "new_password1": new1, "new_password2": new2 or new1}
    )


def test_the_change_signs_out_the_other_sessions_only(officer):
    here, elsewhere = Client(), Client()
    here.force_login(officer)
    elsewhere.force_login(officer)
    assert elsewhere.get("/dashboard/").status_code == 200
    response = change(here, NEW)
    assert response.status_code == 302 and response["Location"] == "/accounts/password/done/"
    assert here.get("/dashboard/").status_code == 200
    assert elsewhere.get("/dashboard/")["Location"].startswith("/accounts/login/")
    officer.refresh_from_db()
    assert officer.check_password(NEW)
    assert AuditEntry.objects.filter(action="auth.password_changed", object_id=str(officer.pk))


@pytest.mark.parametrize("weak", ["Abcdefgh1!x", "password1234"])  # 11 characters; common
def test_short_and_common_passwords_are_refused(officer_client, officer, weak):
    response = change(officer_client, weak)
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)


def test_the_page_is_for_signed_in_people(client, db):
    assert client.get(URL)["Location"].startswith("/accounts/login/")


def test_a_supervisor_must_pass_the_second_factor_first(client, supervisor):
    client.raw_force_login(supervisor)
    assert client.get(URL)["Location"].startswith("/accounts/two-factor/")
