"""Pages and API routes of the patrol app; included by smartzone.urls."""

from django.urls import path  # noqa: F401

app_name = "patrol"
urlpatterns: list = []
# API viewsets: register them on smartzone.urls' router by defining `register_api(router)` here.
