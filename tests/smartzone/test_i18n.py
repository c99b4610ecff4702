"""Thai by default, English on request, and every string of ours translated into Thai."""

import polib
import pytest

from tests.conftest import ROOT


def test_every_message_has_a_thai_translation():
    for name in ["django.po", "djangojs.po"]:
        path = ROOT / "locale" / "th" / "LC_MESSAGES" / name
        if not path.exists():
            continue
        catalogue = polib.pofile(str(path))
        missing = [e.msgid for e in catalogue.untranslated_entries() + catalogue.fuzzy_entries()]
        assert missing == [], f"{name}: run bin/translations and translate these"
        assert (path.with_suffix(".mo")).exists(), "compile the catalogue (bin/translations)"


@pytest.mark.django_db
def test_pages_are_thai_by_default_and_english_on_request(officer_client, zone):
    thai = officer_client.get("/dashboard/").content.decode()
    assert "ความเคลื่อนไหวล่าสุด" in thai
    assert 'lang="th"' in thai
    officer_client.post("/i18n/setlang/", {"language": "en", "next": "/dashboard/"})
    english = officer_client.get("/dashboard/").content.decode()
    assert "Live feed" in english
    assert 'lang="en"' in english


@pytest.mark.django_db
def test_admin_speaks_thai_by_default_and_english_on_request(client, admin_user):
    client.force_login(admin_user)
    # Thai even for a browser that prefers English, until the switch is used.
    thai = client.get("/admin/", headers={"accept-language": "en"}).content.decode()
    assert "สถานีตำรวจ" in thai
    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    english = client.get("/admin/").content.decode()
    assert "Police stations" in english or "police stations" in english.lower()
