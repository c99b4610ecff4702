from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.module_loading import module_has_submodule
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from smartzone import api, basemap, twofactor, views


def discover_admin_modules() -> None:
    """Import the admin module of every app except django-leaflet's (it needs GDAL)."""
    for config in apps.get_app_configs():
        if config.name != "leaflet" and module_has_submodule(config.module, "admin"):
            import_module(f"{config.name}.admin")


discover_admin_modules()

router = DefaultRouter()
router.register("stations", api.StationViewSet, basename="station")
router.register("zones", api.ZoneViewSet, basename="zone")
router.register("landmarks", api.LandmarkViewSet, basename="landmark")
router.register("events", api.EventViewSet, basename="event")
router.register("dashboard/queue", api.QueueViewSet, basename="dashboard-queue")

for app in settings.PROJECT_APPS[1:]:
    app_urls = import_module(f"{app}.urls")
    if hasattr(app_urls, "register_api"):
        app_urls.register_api(router)

handler404 = "smartzone.views.not_found"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("zones/<int:pk>/", views.zone_detail, name="zone-detail"),
    path("timeline/", views.timeline, name="timeline"),
    path("basemap/<str:name>", basemap.pmtiles_file, name="basemap-pmtiles"),
    path("privacy/data-subject/", views.data_subject, name="data-subject"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", twofactor.two_factor, name="two-factor"),
    path("accounts/two-factor/setup/", twofactor.two_factor_setup, name="two-factor-setup"),
    path("accounts/password/", twofactor.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(router.urls)),
    *[path("", include(f"{app}.urls")) for app in settings.PROJECT_APPS[1:]],
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"
    ),
]
