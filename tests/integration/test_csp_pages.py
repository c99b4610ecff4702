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
from tests.integration import test_crawl_thai as thai_crawl

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
        self.thai: list[str] = []  # findings of the Thai checks (tests/integration/test_crawl_thai)
        self.thai_read: list[str] = []  # the pages those checks read
        self.api_docs: list[str] = []  # what the policy reported of the probe on the API docs


# Pages opened at once, in tabs of the role's browser context: each tab gets its own full wait
# after its load, and the waits of a batch overlap.
TABS = 4
SETTLE_MS = 150  # let the page's scripts run after load


def start_page(page, server, path, who, visit: Visit) -> bool:
    """Open PATH in PAGE; False (and noted as skipped) when it is no HTML page.

    Skipped by rule: a 405 (a browser shows no page for a bodiless 405) and any answer that is
    not HTML (a download aborts the navigation; JSON, images and the like are no page to run
    code in). Whatever the navigation could not tell is asked again, without rendering.
    """
    from playwright.sync_api import Error as PlaywrightError

    failed = None
    try:
        response = page.goto(server.url + path, wait_until="load")
    except PlaywrightError as exc:  # a download, or a bodiless error such as a 405
        failed = exc
        # The probe (same cookies, nothing rendered) says what it was.
        response = page.request.get(server.url + path, headers={"Accept": "text/html"})
    content_type = response.headers.get("content-type", "")
    if response.status == 405 or "text/html" not in content_type:
        visit.skipped.append(f"{who} {path}: {response.status} {content_type.split(';')[0]}")
        return False
    if failed is not None:  # an HTML page the browser could not open
        raise failed
    visit.opened.append(f"{who} {path} {response.status}")
    return True


def finish_page(page, path, who, visit: Visit, check=None) -> list[str]:
    """Record the policy's violations on PAGE (opened at PATH), run the role's CHECK of the page
    if it has one; return its same-origin links."""
    for v in page.evaluate("window.__csp || []"):
        visit.violations.append(
            f"{who} {path}: {v['directive']} blocked {v['blocked'] or '(inline)'} "
            f"at {v['source']}:{v['line']} {v['sample']!r}"
        )
    if check is not None:
        check(page, path, visit)
    return page.eval_on_selector_all(
        "a[href], form[action], img[src]", "els => els.map(e => e.href || e.action || e.src)"
    )


def open_pages(tabs, server, paths, who, visit: Visit, check=None) -> list[list[str]]:
    """Open PATHS (at most one per tab), let their scripts run, return each one's links."""
    tabs = tabs[: len(paths)]
    started = [
        start_page(tab, server, path, who, visit) for tab, path in zip(tabs, paths, strict=True)
    ]
    if any(started):
        tabs[0].wait_for_timeout(SETTLE_MS)  # every tab's load came before this wait began
    return [
        finish_page(tab, path, who, visit, check) if ok else []
        for tab, path, ok in zip(tabs, paths, started, strict=True)
    ]


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


class ThaiChecks:
    """The Thai checks of tests/integration/test_crawl_thai.py on what scripts write: the
    officer's pages whose text is partly written by scripts (live feeds, maps, charts), read
    once the page stops growing, on the crawl's own visit of each."""

    def __init__(self):
        self.msgids = thai_crawl.english_msgids() - {"officer", "supervisor", "admin"}
        self.codes = re.compile(
            r"(?<![\w/.-])("
            + "|".join(map(re.escape, sorted(thai_crawl.codes_not_labels())))
            + r")(?![\w/-])"
        )

    def __call__(self, page, path, visit: Visit):
        if path not in thai_crawl.SCRIPTED_PAGES:
            return
        # The live feed and the maps fill in after load: wait until the page stops growing.
        page.wait_for_function(
            "() => { const n = document.body.innerText.length;"
            " const same = window.__szLast === n; window.__szLast = n; return same; }",
            polling=300,
        )
        lines = [" ".join(line.split()) for line in page.inner_text("body").splitlines()]
        allowed, _why = thai_crawl.KNOWN_EXCEPTIONS.get(path, (set(), ""))
        found = thai_crawl.problems_in([line for line in lines if line], self.msgids, self.codes)
        visit.thai += [
            f"{check}: {path}: {text!r}" for check, text in found if check not in allowed
        ]
        visit.thai_read.append(path)


class ApiDocsCheck:
    """The admin's visit of the API docs: the Swagger UI renders under the policy (its
    operations drawn, no violation while it drew them), and the probe sees what the policy
    blocks: an inline style set by script is reported."""

    def __call__(self, page, path, visit: Visit):
        from playwright.sync_api import expect

        if path != "/api/v1/docs/":
            return
        expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=15_000)
        assert page.locator(".swagger-ui .opblock").count() > 20
        seen = len(page.evaluate("window.__csp"))
        for v in page.evaluate("window.__csp"):
            visit.violations.append(f"admin {path} (drawn): {v['directive']} {v['sample']!r}")
        page.evaluate("document.body.setAttribute('style', 'color: red')")
        page.wait_for_function(f"window.__csp.length > {seen}")
        visit.api_docs += [v["directive"] for v in page.evaluate("window.__csp")[seen:]]


def test_every_page_runs_under_the_content_security_policy(demo, browser, asgi_server):
    """The policy on every page for every role; the officer's scripted pages are also read in
    Thai after their scripts ran (one crawl, one server, one browser for both)."""
    server = asgi_server
    routes = platform_routes()
    fallback = arguments_fallback()
    visit = Visit()
    unreached = {r for r in routes if not concrete(r)}  # minus what any visitor opened
    passwords = {username: password for username, password, _ in ACCOUNTS}
    for who in ["anonymous", "officer", "supervisor", "admin"]:
        context = browser.new_context()
        context.add_init_script(INIT_SCRIPT)
        tabs = [context.new_page() for _ in range(TABS)]
        for page in tabs:
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
            log_in(tabs[0], server, who, passwords[who])
        check = {"officer": ThaiChecks(), "admin": ApiDocsCheck()}.get(who)
        # The admin's model pages only for the admin: the others are sent to its login page.
        mine = [r for r in routes if who == "admin" or r == "/admin/" or not r.startswith("/admin")]
        pending = [r for r in mine if concrete(r)]
        waiting = {r: route_regex(r.lstrip("/")) for r in mine}
        waiting = {r: rx for r, rx in waiting.items() if not concrete(r)}
        done = set()
        while pending:
            batch = []
            while pending and len(batch) < TABS:
                path = pending.pop(0)
                if path not in done:
                    done.add(path)
                    batch.append(path)
            for links in open_pages(tabs, server, batch, who, visit, check):
                for href in links:
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
        extra = []
        for route in list(waiting):
            key = route.lstrip("/")
            if key in fallback:
                if fallback[key] not in done and fallback[key] not in extra:
                    extra.append(fallback[key])
                del waiting[route]
        for start in range(0, len(extra), TABS):
            open_pages(tabs, server, extra[start : start + TABS], who, visit)
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
    assert sorted(visit.thai_read) == sorted(thai_crawl.SCRIPTED_PAGES), visit.thai_read
    assert not visit.thai, "\n".join(sorted(set(visit.thai)))
    assert visit.api_docs == ["style-src-attr"], visit.api_docs
