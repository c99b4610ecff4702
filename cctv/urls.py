"""Pages and API routes of the cctv app; included by smartzone.urls."""

from django.urls import path  # noqa: F401

app_name = "cctv"
urlpatterns: list = []
# API viewsets: register them on smartzone.urls' router by defining `register_api(router)` here.
