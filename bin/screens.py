"""Render every page of the platform as each demo role, at phone and desk size, into PNG files.

Run through `bin/screens [FOLDER] [--only TEXT] [--roles anon,officer,...]`. It builds the
demo (`seed_demo`, plus an SOS, a check-in, a draft broadcast and a weekly report the demo has
no example of) in a temporary folder, serves it with daphne on a free port, signs in as each
demo login in Debian's Chromium (locale th-TH, time zone Asia/Bangkok; supervisors and admins
enrol their second factor on the way, as a person would), opens each page of the URL walk of
tests/test_access_matrix.py at 360x740 and 1440x900, and stops everything. Pages that answer
anything but an HTML 200 for a role (redirects, 403, 405, files) are listed, not rendered.
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from base64 import b32decode
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desk": {"width": 1440, "height": 900}}
ROLES = ("anon", "officer", "supervisor", "admin", "province", "programme")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"nothing listening on port {port} after {timeout}s")


def build_demo() -> dict:
    """Seed the demo and what it lacks; return the objects the URL walk fills routes from."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db.models import Model
    from django.utils import timezone

    from cctv.models import AnalysisJob, Camera, EnrollmentPhoto, FaceMatch, WatchlistEntry
    from community import services as community_services
    from community.models import Broadcast, Decision, Meeting, MeetingAttachment, Partner
    from desk import services as desk_services
    from desk import stats as desk_stats
    from desk.models import WeeklyReport
    from incidents.models import Report, ReportPhoto
    from patrol import services as patrol_services
    from patrol.models import CheckIn, PatrolPoint, PatrolShift
    from patrol.tokens import make_token
    from smartzone.demo import STATION
    from smartzone.models import Landmark, SafetyZone, Station
    from sos import services as sos_services
    from sos.models import Kiosk, SosEvent

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    station = Station.objects.get(code=STATION["code"])
    users = get_user_model().objects
    officer, supervisor = users.get(username="officer"), users.get(username="supervisor")
    zone = SafetyZone.objects.filter(station=station).first()
    sos_services.sos_public_raise(
        station=station, lat=16.5453, lng=104.7248, callback_phone="081-234-5678"
    )
    point = PatrolPoint.objects.filter(station=station, active=True).first()
    patrol_services.checkin_record(
        actor=officer, token=make_token(point), lat=point.lat, lng=point.lng, accuracy_m=5
    )
    community_services.broadcast_create(
        actor=supervisor,
        station=station,
        text="แจ้งเตือน: ระวังมิจฉาชีพในตลาดอินโดจีน",
        audience="zone",
        zone=zone,
    )
    desk_services.weekly_report_generate(
        actor="system:screens",
        station=station,
        week_start=desk_stats.last_complete_week(timezone.now()),
    )

    def first(model: type[Model], **where):
        return model._default_manager.filter(**where).order_by("pk").first()

    return {
        "station": station,
        "zone": zone,
        "landmark": first(Landmark, station=station),
        "report": first(Report, station=station),
        "report_photo": first(ReportPhoto),
        "kiosk": first(Kiosk, station=station),
        "sos": first(SosEvent, station=station),
        "camera": first(Camera, station=station),
        "entry": first(WatchlistEntry, station=station),
        "entry_photo": first(EnrollmentPhoto),
        "job": first(AnalysisJob, station=station),
        "match": first(FaceMatch),
        "point": point,
        "checkin": first(CheckIn, station=station),
        "shift": first(PatrolShift, station=station),
        "broadcast": first(Broadcast, station=station),
        "partner": first(Partner, station=station),
        "meeting": first(Meeting, station=station),
        "decision": first(Decision),
        "attachment": first(MeetingAttachment),
        "weekly_report": first(WeeklyReport, station=station),
    }


def pages(world: dict, only: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(name, path) of every page; and the routes left out for want of an object."""
    from django.contrib import admin

    from tests.test_access_matrix import KWARGS, routes, url_of

    found, missing = [], []
    for key, (pieces, params) in routes().items():
        if key.startswith("admin:"):
            continue
        try:
            kwargs = KWARGS[key](world) if params else {}
        except (AttributeError, KeyError, TypeError):
            missing += [key] if only in key else []
            continue
        found.append((key, url_of(pieces, kwargs)))
    found.append(("admin", "/admin/"))
    for model in admin.site._registry:
        meta = model._meta
        found.append(
            (
                f"admin-{meta.app_label}-{meta.model_name}",
                f"/admin/{meta.app_label}/{meta.model_name}/",
            )
        )
        row = model._default_manager.order_by("pk").first()
        if row is not None:
            path = f"/admin/{meta.app_label}/{meta.model_name}/{row.pk}/change/"
            found.append((f"admin-{meta.app_label}-{meta.model_name}-change", path))
    return [(k, p) for k, p in found if only in k or only in p], missing


def log_in(page, base: str, username: str, password: str) -> None:
    """Sign in through the form; enrol or answer the second factor when asked."""
    from django_otp.oath import totp

    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form button.primary")
    page.wait_for_load_state("load")
    if "/accounts/two-factor/setup/" in page.url:
        key = b32decode(page.get_by_test_id("otp-secret").inner_text().strip())
        page.fill("#id_token", f"{totp(key):06d}")
        page.click("form button.primary")
        page.wait_for_load_state("load")
    if "/accounts/" in page.url:
        sys.exit(f"could not sign in as {username}: still at {page.url}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", default=str(ROOT / "screens"))
    parser.add_argument("--only", default="", help="only pages whose name or path has this")
    parser.add_argument(
        "--roles", default=",".join(ROLES), help="comma-separated, of " + ",".join(ROLES)
    )
    args = parser.parse_args()
    out = Path(args.folder).resolve()
    roles = [r for r in args.roles.split(",") if r]
    data = Path(tempfile.mkdtemp(prefix="smartzone-screens-"))
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SMARTZONE_ENV"}
    } | {"DATA_DIR": str(data), "DJANGO_SETTINGS_MODULE": "smartzone.settings", "MAP_TILES_URL": ""}
    os.environ.clear()
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    server = None
    try:
        print(f"building the demo in {data} ...", flush=True)
        world = build_demo()
        todo, missing = pages(world, args.only)
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "smartzone.asgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(data / "server.log", "wb"),  # noqa: SIM115
        )
        wait_for_port(port, server)
        shoot(f"http://127.0.0.1:{port}", todo, roles, out)
        if missing:
            print("not rendered, the demo has no object for them: " + ", ".join(sorted(missing)))
        print(f"screens in {out}")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(data, ignore_errors=True)


def shoot(base: str, todo: list[tuple[str, str]], roles: list[str], out: Path) -> None:
    from playwright.sync_api import sync_playwright

    from smartzone.demo import ACCOUNTS

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop runs in this thread
    passwords = {username: password for username, password, _role in ACCOUNTS}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        for role in roles:
            context = browser.new_context(
                locale="th-TH", timezone_id="Asia/Bangkok", viewport=VIEWPORTS["desk"]
            )
            page = context.new_page()
            if role != "anon":
                log_in(page, base, role, passwords[role])
            shots, skipped = 0, []
            for name, path in todo:
                probe = context.request.get(
                    base + path, headers={"Accept": "text/html"}, max_redirects=0
                )
                kind = probe.headers.get("content-type", "")
                if probe.status != 200 or "text/html" not in kind:
                    skipped.append(f"{path} ({probe.status})")
                    continue
                for size, viewport in VIEWPORTS.items():
                    page.set_viewport_size(viewport)
                    page.goto(base + path, wait_until="load")
                    page.wait_for_timeout(400)  # the page's scripts: maps, live feeds, dates
                    target = out / role / size / f"{name.replace(':', '-')}.png"
                    target.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(target), full_page=True)
                    shots += 1
            print(
                f"{role}: {shots} screens, {len(skipped)} pages not HTML 200 for this role",
                flush=True,
            )
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
