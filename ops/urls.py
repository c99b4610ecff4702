from django.urls import path

from ops import views

app_name = "ops"

urlpatterns = [
    path("healthz/", views.healthz, name="healthz"),
    path("healthz/ready", views.healthz_ready, name="healthz-ready"),
    path("metrics", views.metrics_view, name="metrics"),
    path("ops/backup-status/", views.backup_status, name="backup-status"),
]
