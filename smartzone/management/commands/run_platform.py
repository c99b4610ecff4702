import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Start the whole platform on this machine: migrate, load the demo data, run a Celery "
        "worker (with beat) and the ASGI server. Ctrl-C stops both."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--no-demo", action="store_true", help="Skip the demo data.")

    def handle(self, *args, bind, port, no_demo, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if not no_demo:
            call_command("seed_demo")
        env = os.environ | {"DJANGO_SETTINGS_MODULE": "smartzone.settings"}
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
        self.stdout.write(
            f"\nSmart Safety Zone is serving on http://{bind}:{port}/ "
            f"(database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
            f"channel layer: {settings.CHANNEL_LAYERS['default']['BACKEND'].rsplit('.', 1)[-1]})"
            f"\nDashboard: http://{bind}:{port}/dashboard/   Admin: http://{bind}:{port}/admin/\n"
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
