"""Every page in Thai, as every role: no 500, no Christian year beside a Thai month, no English
string of ours left untranslated, no raw code where a label belongs.

The pages come from the URL resolver (the same walk as tests/test_access_matrix.py, whose KWARGS
fill each route's arguments): the site's routes as anonymous, officer, supervisor and admin, and
every admin route (index, app lists, changelists, add and change pages of one real row of each
model) as the admin. The data is the demo (`seed_demo`) plus the access matrix's `world`, built
in the demo station, so every model has rows and every detail page has something to show.

Checked in what a person reads: text nodes, and the placeholder, title, aria-label and alt
attributes of HTML pages (scripts, styles and `<time datetime>` values are machine formats and
are skipped), and CSV exports. JSON and the browsable API are machine formats: only "no 500".
"""

import csv
import io
import re
from html.parser import HTMLParser

import polib
import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.test import Client

from incidents.models import Category
from smartzone import dates
from smartzone.demo import STATION
from smartzone.models import OfficerProfile, SafetyZone, Station
from tests.conftest import ROOT, make_officer
from tests.test_access_matrix import KWARGS, routes, url_of
from tests.test_access_matrix import world as world  # noqa: PLC0414 (a fixture, used here)

pytestmark = pytest.mark.django_db

ROLES = ("anon", "officer", "supervisor", "admin")

THAI_MONTHS = [
    *dates.THAI_MONTHS,
    *("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน"),
    *("กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม"),
]
# A Thai month, then (after an optional comma) a year of the Christian era: 2 ธ.ค. 2026.
CHRISTIAN_YEAR = re.compile(
    "(?:" + "|".join(re.escape(m) for m in THAI_MONTHS) + r")\s*,?\s*(1\d{3}|2[0-3]\d{2})(?!\d)"
)
# A date (and time) as a machine writes it: 2026-12-02, 2026-12-02T07:03, 2026-12-02 07:03:09.
ISO_DATETIME = re.compile(r"(?<![\w/.-])\d{4}-\d{2}-\d{2}(?![\w/.-]|-\d)")

# key: the route's key (as in tests/test_access_matrix.py); value: which checks it may fail and
# why.
KNOWN_EXCEPTIONS: dict[str, tuple[set[str], str]] = {
    # Not findings: the category's code is the row's own editable field in its admin list, and
    # a weekly report's stored figures are JSON (keys such as "on_scene") shown as they are.
    "admin:incidents.category": ({"code", "untranslated"}, "the code is a field of the row"),
    "admin:desk.weeklyreport:change": ({"code", "iso-datetime"}, "the stored figures, as JSON"),
}


# --- what a person reads on a page ---------------------------------------------------------


class VisibleText(HTMLParser):
    """Collect the text nodes and the human attributes of an HTML page."""

    HIDDEN = {"script", "style", "noscript"}
    ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self._hidden += 1
        for name, value in attrs:
            if name in self.ATTRIBUTES and value:
                self.chunks.append(value)

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.chunks.append(data)


def visible_chunks(response) -> list[str]:
    """The pieces of text a person reads in RESPONSE (HTML or CSV), whitespace collapsed."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    content_type = response.get("Content-Type", "")
    text = body.decode("utf-8", "replace")
    if "text/html" in content_type:
        parser = VisibleText()
        parser.feed(text)
        chunks = parser.chunks
    elif "text/csv" in content_type:
        chunks = [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]
    else:
        return []
    return [" ".join(chunk.split()) for chunk in chunks if chunk.strip()]


def english_msgids() -> set[str]:
    """Our English source strings whose Thai differs (a page showing one is untranslated)."""
    catalogue = polib.pofile(str(ROOT / "locale" / "th" / "LC_MESSAGES" / "django.po"))
    found = set()
    for entry in catalogue.translated_entries():
        msgid = " ".join(entry.msgid.split())
        if entry.msgstr.strip() == msgid or "%" in msgid or "{" in msgid:
            continue
        if len(msgid) < 3 or not re.search(r"[A-Za-z]{3}", msgid):
            continue
        found.add(msgid)
    return found


def codes_not_labels() -> set[str]:
    """Codes that have a label: the categories', and every choice value with - or _ in it."""
    found = set(Category.objects.values_list("code", flat=True))
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "flatchoices", None) or ():
                if isinstance(value, str) and re.fullmatch(r"[a-z]+(?:[-_][a-z0-9]+)+", value):
                    found.add(value)
    return {code for code in found if re.search(r"[-_]", code)}


def problems_in(
    chunks: list[str], msgids: set[str], codes: re.Pattern, *, csv: bool = False
) -> list[tuple[str, str]]:
    """(check, text) for each thing wrong in CHUNKS (a CSV's cells may hold ISO times)."""
    found = []
    for chunk in chunks:
        if match := CHRISTIAN_YEAR.search(chunk):
            found.append(("christian-year", match.group(0)))
        if not csv and (match := ISO_DATETIME.search(chunk)):
            found.append(("iso-datetime", chunk[:80]))
        if chunk in msgids:
            found.append(("untranslated", chunk))
        if match := codes.search(chunk):
            found.append(("code", match.group(0)))
    return found


# --- the data and the pages ----------------------------------------------------------------


@pytest.fixture
def demo_station(db):
    """The demo of every app; the access matrix's `world` then adds what the demo lacks."""
    call_command("seed_demo", stdout=io.StringIO())
    return Station.objects.get(code=STATION["code"])


# The access matrix's `world` asks for these fixtures: here they are the demo's own.
@pytest.fixture
def station(demo_station):
    return demo_station


@pytest.fixture
def zone(demo_station):
    return SafetyZone.objects.filter(station=demo_station).first()


@pytest.fixture
def landmark(demo_station):
    return demo_station.landmarks.first()


@pytest.fixture
def officer(demo_station, django_user_model):
    return django_user_model.objects.get(username="officer")


@pytest.fixture
def supervisor(demo_station, django_user_model):
    return django_user_model.objects.get(username="supervisor")


@pytest.fixture
def admin_user(demo_station, django_user_model):
    return django_user_model.objects.get(username="admin")


@pytest.fixture
def other_officer(other_station):
    return make_officer("bob", other_station, OfficerProfile.Role.OFFICER)


def admin_pages() -> list[tuple[str, str]]:
    """(key, url) of the admin index, each app, and each model's list, add and change pages."""
    pages = [("admin:index", "/admin/")]
    labels = sorted({model._meta.app_label for model in admin.site._registry})
    pages += [("admin:app_list", f"/admin/{label}/") for label in labels]
    for model in admin.site._registry:
        meta = model._meta
        base = f"/admin/{meta.app_label}/{meta.model_name}/"
        key = f"admin:{meta.label_lower}"
        pages += [(key, base), (f"{key}:add", f"{base}add/")]
        row = model._default_manager.order_by("pk").first()
        if row is not None:
            pages.append((f"admin:{meta.label_lower}:change", f"{base}{row.pk}/change/"))
    return pages


def site_pages(world) -> list[tuple[str, str]]:
    pages = []
    for key, (pieces, params) in routes().items():
        if key.startswith("admin:"):
            continue
        pages.append((key, url_of(pieces, KWARGS[key](world) if params else {})))
    return pages


def machine_format(key: str) -> bool:
    """Routes whose answers are for programs: the API, its schema and docs."""
    return key.startswith("api") or key in {"healthz"}


def ours(key: str) -> bool:
    """Admin pages of other projects' apps (axes, django-otp, auth) speak their own words."""
    if not key.startswith("admin:") or key in {"admin:index", "admin:app_list"}:
        return True
    label = key.removeprefix("admin:").split(".")[0]
    path = str(apps.get_app_config(label).path)
    return path.startswith(str(ROOT)) and "site-packages" not in path


# Django's admin writes these itself, untranslated (the search box's icon).
DJANGOS_OWN = {"Search"}


def test_every_page_is_thai_for_every_role(world, officer, supervisor, admin_user):
    users = {"anon": None, "officer": officer, "supervisor": supervisor, "admin": admin_user}
    # Usernames are data ("officer", "supervisor" in the demo), not untranslated words.
    names = set(type(officer).objects.values_list("username", flat=True))
    msgids = english_msgids() - names - DJANGOS_OWN
    codes = re.compile(
        r"(?<![\w/.-])(" + "|".join(map(re.escape, sorted(codes_not_labels()))) + r")(?![\w/-])"
    )
    visits = [(key, url, role) for key, url in site_pages(world) for role in ROLES]
    visits += [(key, url, "admin") for key, url in admin_pages()]
    errors, findings, checked = [], [], 0
    clients = {}
    for role, user in users.items():
        clients[role] = Client(raise_request_exception=False)
        if user is not None:
            clients[role].force_login(user)
    for key, url, role in visits:
        response = clients[role].get(url)
        if response.status_code == 500:
            errors.append(f"server error 500: {url} as {role}")
            continue
        if response.status_code != 200 or machine_format(key) or not ours(key):
            continue
        checked += 1
        allowed, _why = KNOWN_EXCEPTIONS.get(key, (set(), ""))
        is_csv = "text/csv" in response.get("Content-Type", "")
        for check, text in problems_in(visible_chunks(response), msgids, codes, csv=is_csv):
            if check not in allowed:
                findings.append(f"{check}: {url} as {role}: {text!r}")
    print(f"crawl: {len(visits)} requests, {checked} pages and exports read")  # noqa: T201
    assert checked > 150, f"only {checked} pages were read: the walk lost its way"
    findings = errors + sorted(set(findings))
    assert not findings, f"{len(findings)} findings:\n" + "\n".join(findings)


# --- the same checks on what scripts write, in Chromium --------------------------------------

# Pages whose text is partly written by scripts (live feeds, maps, charts): read in Chromium, as
# the officer, by the crawl of tests/integration/test_csp_pages.py (one browser crawl for both).
SCRIPTED_PAGES = ["/dashboard/", "/timeline/", "/reports/", "/desk/", "/sos/"]
