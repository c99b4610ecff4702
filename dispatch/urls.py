"""Pages and JSON routes of the dispatch app; included by smartzone.urls."""

from django.urls import path

from dispatch import views

app_name = "dispatch"
urlpatterns = [
    path("officer/", views.phone, name="phone"),
    path("officer/assignments/<int:pk>/", views.phone, name="assignment"),
    path("officer/assignments/<int:pk>/step/", views.step, name="step"),
    path("officer/assignments/<int:pk>/photos/<int:photo_pk>/", views.photo, name="photo"),
    path("officer/manifest.webmanifest", views.manifest, name="manifest"),
    path("officer/sw.js", views.service_worker, name="sw"),
    path("api/v1/dispatch/mine/", views.mine, name="mine"),
    path("api/v1/dispatch/units/", views.units, name="units"),
    path("api/v1/dispatch/offer/", views.offer, name="offer"),
    path("api/v1/dispatch/offer-nearest/", views.offer_nearest, name="offer-nearest"),
]
