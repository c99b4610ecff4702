import contextlib
import ipaddress
import os
import signal
import socket
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
ANY_ADDRESS = {"0.0.0.0", "::", ""}  # noqa: S104 (serving the LAN is what --bind 0.0.0.0 asks)


def lan_addresses() -> list[str]:
    """Return this machine's own addresses on the local network (no packet is sent)."""
    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe, contextlib.suppress(OSError):
        probe.connect(("192.0.2.1", 9))  # TEST-NET-1: only picks the outgoing interface
        found.append(probe.getsockname()[0])
    with contextlib.suppress(OSError):
        found += [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)]
    return [
        address
        for address in dict.fromkeys(found)
        if ":" not in address and not ipaddress.ip_address(address).is_loopback
    ]


def serving_environment(*, bind: str, port: str, debug: bool, environ: dict) -> dict:
    """Return the variables the server and worker run with: DEBUG from the switch, and unless
    set already, SITE_URL and ALLOWED_HOSTS for the address served on."""
    env = {"DJANGO_SETTINGS_MODULE": "smartzone.settings", "DEBUG": "true" if debug else "false"}
    everywhere = bind in ANY_ADDRESS
    own = lan_addresses() if everywhere else []
    if not environ.get("SITE_URL"):
        host = (own[0] if own else "127.0.0.1") if everywhere else bind
        host = f"[{host}]" if ":" in host else host
        env["SITE_URL"] = f"http://{host}:{port}"
    if not environ.get("ALLOWED_HOSTS"):
        hosts = [*LOOPBACK_HOSTS, *own, *([socket.gethostname()] if everywhere else [])]
        if not everywhere and bind not in hosts:
            hosts.append(f"[{bind}]" if ":" in bind else bind)
        env["ALLOWED_HOSTS"] = ",".join(dict.fromkeys(hosts))
    return env


def _interrupt(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = (
        "Start the whole platform on this machine: migrate, load the demo data, run a Celery "
        "worker (with beat) and the ASGI server. Ctrl-C stops both. DEBUG is off unless "
        "--debug; --bind 0.0.0.0 serves the other PCs of the station's network."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--bind",
            default="127.0.0.1",
            help="Address to serve on: 127.0.0.1 for this PC only, 0.0.0.0 for the network.",
        )
        parser.add_argument("--port", default="8000")
        parser.add_argument("--no-demo", action="store_true", help="Skip the demo data.")
        parser.add_argument(
            "--debug",
            action="store_true",
            help="Development only: Django's debug pages (they list every URL and setting).",
        )

    def handle(self, *args, bind, port, no_demo, debug, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if not no_demo:
            call_command("seed_demo")
        # A service manager stops us with SIGTERM: stop the server and worker too, as Ctrl-C does.
        signal.signal(signal.SIGTERM, _interrupt)
        served = serving_environment(bind=bind, port=port, debug=debug, environ=os.environ)
        env = os.environ | served
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "smartzone",
                "worker",
                "--beat",
                "--pool=solo",
                "--loglevel=WARNING",
            ],
            env=env,
        )
        site = env["SITE_URL"]
        self.stdout.write(
            f"\nSmart Safety Zone is serving on http://{bind}:{port}/ "
            f"(database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
            f"channel layer: {settings.CHANNEL_LAYERS['default']['BACKEND'].rsplit('.', 1)[-1]}, "
            f"debug: {'on' if debug else 'off'})"
            f"\nDashboard: {site}/dashboard/   Admin: {site}/admin/"
            f"\nQR codes, survey and LINE links point at {site} (SITE_URL)."
            f"\nAccepted host names: {env['ALLOWED_HOSTS']}\n"
        )
        try:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "daphne",
                    "-b",
                    bind,
                    "-p",
                    str(port),
                    "smartzone.asgi:application",
                ],
                env=env,
                check=False,
            )
        except KeyboardInterrupt:
            pass
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
