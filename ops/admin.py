from django.contrib import admin

from ops.models import BackupRecord, TaskFailureCount


@admin.register(BackupRecord)
class BackupRecordAdmin(admin.ModelAdmin):
    """Backups as they happened: read only (they are written by `manage.py backup`)."""

    list_display = ["finished_at", "ok", "archive", "size", "error"]
    list_filter = ["ok"]
    readonly_fields = [f.name for f in BackupRecord._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TaskFailureCount)
class TaskFailureCountAdmin(admin.ModelAdmin):
    list_display = ["task", "failures", "last_failed_at"]
    readonly_fields = ["task", "failures", "last_failed_at"]

    def has_add_permission(self, request):
        return False
