"""Every page of the platform, in a real browser, under the real Content-Security-Policy.

The page list comes from the URL resolver, not from a hand-written list: every pattern of
smartzone.urls (the apps' pages, the API and its docs, the admin index and each registered model's
changelist and add page). A pattern with arguments is opened with the arguments of a link to it
found on a page already visited (the demo data of every app, `manage.py seed_demo`, plus a few
objects this test creates, give every list something to link to); a pattern no visited page links
to is opened with the argument `arguments_fallback` gives; a pattern with neither is listed in
the test's output (run with -s): those are the POST-only actions and files no page links to
while the demo lacks their objects (CCTV jobs, matches and watchlist entries need video and two
supervisors).

Anonymous visitors open the public pages; the demo officer, supervisor and admin open every page.
Each page records `securitypolicyviolation` events (from an init script, so violations during
parsing count too), uncaught errors and console errors. The test fails on any violation or
uncaught error and names the page and directive; console errors are printed (each 403/404 a
role gets for a page it may not open logs one).

Skipped by rule, never by name: responses that are not HTML (CSV, PDF, images, JSON, JS, the web
manifest: no page to run code in) and 405 responses (POST-only endpoints such as transitions and
the LINE webhook: a GET opens no page).
"""

import re
from importlib import import_module
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from smartzone.demo import ACCOUNTS
from tests.conftest import pass_two_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INIT_SCRIPT = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push({
  directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile,
  line: e.lineNumber, sample: e.sample,
}));
"""


def walk(resolver, prefix=""):
    """Yield (route, view) for every pattern under RESOLVER, regex routes without ^ and $."""
    for entry in resolver.url_patterns:
        piece = str(entry.pattern).replace("\\Z", "").removeprefix("^").removesuffix("$")
        if isinstance(entry, URLResolver):
            yield from walk(entry, prefix + piece)
        elif isinstance(entry, URLPattern):
            yield prefix + piece, entry.callback


def route_regex(route: str) -> re.Pattern:
    """A regex for paths of a route: '<int:pk>' and friends, regex routes kept as they are."""
    if "(?P<" in route:
        return re.compile(route + "$")
    converted = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: "[^/]+" if m[1] != "path" else ".+", route)
    return re.compile(re.escape(converted).replace(re.escape("[^/]+"), "[^/]+") + "$")


def platform_routes() -> list[str]:
    """The platform's own routes, with the admin's reduced to index, changelists and add pages."""
    routes = []
    for route, _view in walk(get_resolver()):
        if route.startswith("admin/"):
            continue
        if "format" in route:  # DRF's '.json' suffix variants of API routes repeat the same view
            continue
        routes.append("/" + route)
    routes.append("/admin/")
    for model in admin.site._registry:
        meta = model._meta
        routes += [f"/admin/{meta.app_label}/{meta.model_name}/"]
        routes += [f"/admin/{meta.app_label}/{meta.model_name}/add/"]
    return routes


def arguments_fallback():
    """Paths for patterns no page links to.

    An API detail route (a DRF view with a queryset or a model serializer) gets the first row of
    its model; the others
    are the pages reached from outside the platform (a tracking code a citizen types, a
    check-in QR code) or from the API (a zone's page).
    """
    from community.models import Broadcast
    from incidents.models import Report
    from patrol.models import CheckIn, PatrolPoint
    from patrol.tokens import make_token
    from smartzone.models import SafetyZone

    fallback = {}
    for route, view in walk(get_resolver()):
        cls = getattr(view, "cls", None)
        queryset = getattr(cls, "queryset", None)
        meta = getattr(getattr(cls, "serializer_class", None), "Meta", None)
        model = queryset.model if queryset is not None else getattr(meta, "model", None)
        if route.endswith("(?P<pk>[^/.]+)/") and model is not None:
            row = model.objects.order_by("pk").first()
            if row is not None:
                fallback[route] = "/" + route.replace("(?P<pk>[^/.]+)", str(row.pk))
    report = Report.objects.exclude(tracking_code="").first()
    point = PatrolPoint.objects.filter(active=True).first()
    draft = Broadcast.objects.filter(state=Broadcast.State.DRAFT).first()
    return fallback | {
        "report/track/<str:code>/": f"/report/track/{report.tracking_code}/",
        "api/v1/reports/status/(?P<code>[A-Za-z0-9-]{1,20})/": (
            f"/api/v1/reports/status/{report.tracking_code}/"
        ),
        "patrol/checkin/<str:token>/": f"/patrol/checkin/{make_token(point)}/",
        "zones/<int:pk>/": f"/zones/{SafetyZone.objects.first().pk}/",
        "patrol/checkins/<int:pk>/": f"/patrol/checkins/{CheckIn.objects.first().pk}/",
        "community/broadcasts/<int:pk>/edit/": f"/community/broadcasts/{draft.pk}/edit/",
    }


def concrete(route: str) -> bool:
    return not re.search(r"<|\(", route)


def log_in(page, server, username, password):
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form button.primary")
    page.wait_for_load_state("load")
    pass_two_factor(page, username)
    page.wait_for_load_state("load")


class Visit:
    def __init__(self):
        self.violations, self.errors, self.console, self.skipped, self.opened = [], [], [], [], []


def open_page(page, server, path, who, visit: Visit) -> list[str]:
    """Open PATH, record what broke; return the same-origin links on it."""
    # Ask first (same cookies, nothing rendered): a browser shows no page for a bodiless 405.
    probe = page.request.get(server.url + path, headers={"Accept": "text/html"})
    content_type = probe.headers.get("content-type", "")
    if probe.status == 405 or "text/html" not in content_type:
        visit.skipped.append(f"{who} {path}: {probe.status} {content_type.split(';')[0]}")
        return []
    response = page.goto(server.url + path, wait_until="load")
    page.wait_for_timeout(150)  # let the page's scripts run after load
    visit.opened.append(f"{who} {path} {response.status}")
    for v in page.evaluate("window.__csp || []"):
        visit.violations.append(
            f"{who} {path}: {v['directive']} blocked {v['blocked'] or '(inline)'} "
            f"at {v['source']}:{v['line']} {v['sample']!r}"
        )
    return page.eval_on_selector_all(
        "a[href], form[action], img[src]", "els => els.map(e => e.href || e.action || e.src)"
    )


@pytest.fixture
def demo(transactional_db, django_user_model):
    """The demo of every app, plus what it has no example of: a draft broadcast, a check-in."""
    from community import services as community_services
    from incidents.models import Category
    from patrol import services as patrol_services
    from patrol.models import PatrolPoint
    from patrol.tokens import make_token
    from smartzone.models import Station

    # The default categories first: a transactional test's flush removes the migration's rows.
    defaults = import_module("incidents.migrations.0002_default_categories").DEFAULT_CATEGORIES
    for order, (code, name, name_en) in enumerate(defaults, start=1):
        Category.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "order": order * 10}
        )
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    station = Station.objects.get(code="mukdahan-city")
    community_services.broadcast_create(
        actor=django_user_model.objects.get(username="supervisor"),
        station=station,
        text="ตรวจสอบ CSP",
        audience="everyone",
    )
    point = PatrolPoint.objects.filter(station=station, active=True).first()
    patrol_services.checkin_record(
        actor=django_user_model.objects.get(username="officer"),
        token=make_token(point),
        lat=point.lat,
        lng=point.lng,
        accuracy_m=5,
    )


def test_every_page_runs_under_the_content_security_policy(demo, browser, asgi_server):
    server = asgi_server
    routes = platform_routes()
    fallback = arguments_fallback()
    visit = Visit()
    unreached = {r for r in routes if not concrete(r)}  # minus what any visitor opened
    passwords = {username: password for username, password, _ in ACCOUNTS}
    for who in ["anonymous", "officer", "supervisor", "admin"]:
        context = browser.new_context()
        context.add_init_script(INIT_SCRIPT)
        page = context.new_page()
        page.on(
            "pageerror",
            lambda exc, who=who, page=page: visit.errors.append(f"{who} {page.url}: {exc}"),
        )
        page.on(
            "console",
            lambda msg, who=who, page=page: (
                msg.type == "error" and visit.console.append(f"{who} {page.url}: {msg.text}")
            ),
        )
        if who != "anonymous":
            log_in(page, server, who, passwords[who])
        # The admin's model pages only for the admin: the others are sent to its login page.
        mine = [r for r in routes if who == "admin" or r == "/admin/" or not r.startswith("/admin")]
        pending = [r for r in mine if concrete(r)]
        waiting = {r: route_regex(r.lstrip("/")) for r in mine}
        waiting = {r: rx for r, rx in waiting.items() if not concrete(r)}
        done = set()
        while pending:
            path = pending.pop(0)
            if path in done:
                continue
            done.add(path)
            for href in open_page(page, server, path, who, visit):
                url = urlsplit(href)
                if f"{url.scheme}://{url.netloc}" != server.url:
                    continue
                for route, rx in list(waiting.items()):
                    if rx.match(url.path.lstrip("/")):
                        try:
                            resolve(url.path)
                        except Resolver404:
                            continue
                        pending.append(url.path)
                        del waiting[route]
        for route in list(waiting):
            key = route.lstrip("/")
            if key in fallback:
                if fallback[key] not in done:
                    open_page(page, server, fallback[key], who, visit)
                del waiting[route]
        unreached &= set(waiting)
        context.close()

    report = "\n".join(visit.opened)
    print(f"opened {len(visit.opened)} pages, skipped {len(visit.skipped)} by rule")
    print("\n".join(visit.skipped))
    print("console errors:\n" + "\n".join(visit.console))
    assert visit.violations == [], "CSP violations:\n" + "\n".join(visit.violations)
    assert visit.errors == [], "uncaught errors:\n" + "\n".join(visit.errors)
    print("no page links to these and no argument is known:\n" + "\n".join(sorted(unreached)))
    assert len(visit.opened) > 50, report


def test_the_api_docs_render_under_the_policy(browser, asgi_server, admin_user):
    from playwright.sync_api import expect

    from tests.conftest import PASSWORD

    context = browser.new_context()
    context.add_init_script(INIT_SCRIPT)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, asgi_server, admin_user.username, PASSWORD)
    page.goto(f"{asgi_server.url}/api/v1/docs/")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=15_000)
    assert page.locator(".swagger-ui .opblock").count() > 20
    assert page.evaluate("window.__csp") == []
    assert errors == []
    # The probe sees what the policy blocks: an inline style set by script is reported.
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.wait_for_function("window.__csp.length > 0")
    assert [v["directive"] for v in page.evaluate("window.__csp")] == ["style-src-attr"]
    context.close()
