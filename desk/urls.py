"""Pages of the duty desk app; included by smartzone.urls."""

from django.urls import path

from desk import views

app_name = "desk"
urlpatterns = [
    path("desk/", views.overview, name="overview"),
    path("desk/hotspots.geojson", views.hotspots_geojson, name="hotspots"),
    path("desk/reports/", views.report_list, name="reports"),
    path("desk/reports/generate/", views.report_generate, name="report-generate"),
    path("desk/reports/<int:pk>/", views.report_detail, name="report-detail"),
    path("desk/reports/<int:pk>/report.pdf", views.report_pdf, name="report-pdf"),
    path("desk/reports/<int:pk>/report.csv", views.report_csv, name="report-csv"),
    path("survey/", views.survey, name="survey"),
]
