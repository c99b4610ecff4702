"""Pages of the duty desk app; included by smartzone.urls."""

from django.urls import path

from desk import commanders, views

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
    # The commanders above the stations (read only).
    path("desk/commanders/", commanders.overview, name="commanders"),
    path("desk/commanders/comparison.csv", commanders.comparison_csv, name="commander-csv"),
    path(
        "desk/commanders/stations/<int:station_id>/",
        commanders.station,
        name="commander-station",
    ),
    path(
        "desk/commanders/stations/<int:station_id>/reports/<int:pk>/",
        commanders.report,
        name="commander-report",
    ),
    path(
        "desk/commanders/stations/<int:station_id>/sos/<int:pk>/",
        commanders.sos,
        name="commander-sos",
    ),
    path("desk/commanders/exports/", commanders.exports, name="commander-exports"),
    path(
        "desk/commanders/exports/<int:pk>/comparison.pdf",
        commanders.export_file,
        {"kind": "pdf"},
        name="commander-export-pdf",
    ),
    path(
        "desk/commanders/exports/<int:pk>/comparison.csv",
        commanders.export_file,
        {"kind": "csv"},
        name="commander-export-csv",
    ),
]
