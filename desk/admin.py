from django.contrib import admin

from desk.models import SafetyAnswer, WeeklyReport
from smartzone.admin import ReadOnlyAdmin


# Both are written only by desk.services (reports by the task or the button, answers by the
# public survey): the admin reads them.
@admin.register(WeeklyReport)
class WeeklyReportAdmin(ReadOnlyAdmin):
    list_display = ["station", "week_start", "generated_at"]
    list_filter = ["station", "week_start"]  # not date_hierarchy: see incidents.admin.ReportAdmin


@admin.register(SafetyAnswer)
class SafetyAnswerAdmin(ReadOnlyAdmin):
    list_display = ["station", "month", "safe_in_zone", "safe_at_night", "trust_response"]
    list_filter = ["station", "month"]
    exclude = ["respondent"]
