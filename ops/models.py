from django.db import models
from django.utils.translation import gettext_lazy as _


class BackupRecord(models.Model):
    """One backup's result: the archive it wrote, or why it failed."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    ok = models.BooleanField(_("succeeded"))
    archive = models.CharField(_("archive"), max_length=300, blank=True)
    size = models.BigIntegerField(_("size in bytes"), default=0)
    sha256 = models.CharField(_("SHA-256 of the archive"), max_length=64, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("backup")
        verbose_name_plural = _("backups")
        ordering = ["-finished_at"]
        indexes = [models.Index(fields=["ok", "-finished_at"])]

    def __str__(self) -> str:
        return self.archive or self.error[:80]


class TaskFailureCount(models.Model):
    """How many times a Celery task failed, counted by the worker for /metrics."""

    task = models.CharField(_("task"), max_length=200, unique=True)
    failures = models.PositiveBigIntegerField(_("failures"), default=0)
    last_failed_at = models.DateTimeField(_("last failed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("task failure count")
        verbose_name_plural = _("task failure counts")

    def __str__(self) -> str:
        return f"{self.task}: {self.failures}"
