"""The Celery app: Redis broker in production, kombu's filesystem transport embedded."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartzone.settings")

app = Celery("smartzone")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
