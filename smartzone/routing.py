from django.urls import path

from smartzone import registry
from smartzone.consumers import DashboardConsumer

websocket_urlpatterns = [
    path("ws/dashboard/", DashboardConsumer.as_asgi()),
    *registry.WEBSOCKET_ROUTES,  # the apps' own sockets (cctv's live view)
]
