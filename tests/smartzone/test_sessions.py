import time

import pytest


@pytest.mark.django_db
def test_a_session_ends_twelve_hours_after_login_however_active(officer_client, settings):
    assert officer_client.get("/dashboard/").status_code == 200
    session = officer_client.session
    session["_smartzone_login_at"] = int(time.time()) - settings.SESSION_MAX_LIFETIME - 1
    session.save()
    response = officer_client.get("/dashboard/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_sessions_expire_after_thirty_idle_minutes(officer_client, settings):
    assert settings.SESSION_COOKIE_AGE == 1800
    assert settings.SESSION_SAVE_EVERY_REQUEST
    officer_client.get("/dashboard/")
    assert 1700 < officer_client.session.get_expiry_age() <= 1800


@pytest.mark.django_db
def test_changing_the_password_logs_out_other_sessions(officer, client):
    client.force_login(officer)
    assert client.get("/dashboard/").status_code == 200
    officer.set_password("another-long-passphrase-77")
    officer.save()
    assert client.get("/dashboard/").status_code == 302
