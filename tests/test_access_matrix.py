"""The access matrix: every route of the site x every role, against one table.

The routes come from the resolver (smartzone.urls walked recursively: the pages, the apps'
included urls and the API router), so a new endpoint fails this test until it has a row in
MATRIX; a row whose route is gone fails too. Every URL is built with real objects of STATION
(the officer's own station), so "other" (an officer of another station) asks for another
station's ids and must get 404/403, never 200. Each route is requested with GET and with a POST
of an empty body; no answer may be a 500.

Admin routes (admin:*) are checked by one rule instead of rows: only the admin gets in.
"""

import re
from datetime import timedelta
from importlib import import_module
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.contrib.sessions.backends.base import UpdateError
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone

from cctv import analysis
from cctv import services as cctv_services
from cctv.models import AnalysisJob, Camera, CameraSite
from community import network_services
from community import services as community_services
from community.models import Decision, Meeting, Partner
from desk import comparison as desk_comparison
from desk import services as desk_services
from desk import stats as desk_stats
from dispatch import services as dispatch_services
from incidents import services as incident_services
from incidents.models import Category
from patrol import services as patrol_services
from patrol.models import PatrolPoint
from patrol.tokens import make_token
from smartzone import services as smartzone_services
from smartzone.models import OfficerProfile, Station
from sos import services as sos_services
from sos.signing import signed_headers
from tests.basemap_sample import write_sample
from tests.cctv import faces
from tests.cctv.conftest import make_entry
from tests.conftest import PASSWORD, make_officer
from tests.incidents.conftest import IN_ZONE, jpeg_bytes, upload
from tests.patrol.conftest import MARKET, make_point

PHONE_SOS_TOKEN = "matrix-phone-sos-token-0123456789"
ROLES = ("anon", "citizen", "officer", "other", "super", "osuper", "admin", "device")
# Commanders above the stations (smartzone.access): a province commander of STATION's province,
# one of another province, and the programme. To every station's page and endpoint they are a
# login without a station role, so a row of the eight roles above gives them the citizen's code;
# the commanders' pages give all eleven.
COMMANDERS = ("prov", "oprov", "prog")

# GET and POST (empty body) status codes, one column per role, in the order of ROLES:
#   anon     nobody logged in         citizen  a login without any police role
#   officer  officer of STATION       other    officer of another station (asks STATION's ids)
#   super    supervisor of STATION    osuper   supervisor of another station
#   admin    superuser                device   STATION's SOS kiosk, signing its request
#                                              (sos/signing.py)
# Key: "name" for pages, "app:name" for the apps' pages, "api:name" for the router's routes.
# 302 = to the login page, 403 = a login without the role, 404 = another station's object,
# 405 = method not allowed, 400 = the empty body refused with a clear error.
#                  GET: anon cit off oth sup osu adm dev   POST: anon cit off oth sup osu adm dev
MATRIX = {
    "home": ("200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "dashboard": ("302 403 200 200 200 200 200 302", "302 403 200 200 200 200 200 302"),
    "zone-detail": ("302 403 200 404 200 404 200 302", "302 403 200 404 200 404 200 302"),
    "timeline": ("302 403 200 200 200 200 200 302", "302 403 200 200 200 200 200 302"),
    "ops:healthz": ("200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    # The base map file (public map data: the citizen's report page draws it too).
    "basemap-pmtiles": ("200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    # Data-subject requests (PDPA): admins only; an empty POST shows the form's error.
    "data-subject": ("302 403 403 403 403 403 200 302", "302 403 403 403 403 403 200 302"),
    "login": ("200 200 200 200 200 200 200 200", "200 200 200 200 200 200 200 200"),
    "logout": ("405 405 405 405 405 405 405 405", "302 302 302 302 302 302 302 302"),
    "set_language": ("302 302 302 302 302 302 302 302", "302 302 302 302 302 302 302 302"),
    # Anyone signed in changes their own password (an empty POST shows the form's errors).
    "password_change": ("302 200 200 200 200 200 200 302", "302 200 200 200 200 200 200 302"),
    "password_change_done": ("302 200 200 200 200 200 200 302", "302 405 405 405 405 405 405 302"),
    # The second-factor pages send away everyone who needs no code or has passed it already
    # (tests/smartzone/test_two_factor.py covers the pages themselves).
    "two-factor": ("302 302 302 302 302 302 302 302", "302 302 302 302 302 302 302 302"),
    "two-factor-setup": ("302 302 302 302 302 302 302 302", "302 302 302 302 302 302 302 302"),
    "api:station-list": ("403 403 200 200 200 200 200 403", "403 403 405 405 405 405 405 403"),
    "api:station-detail": ("403 403 200 404 200 404 200 403", "403 403 405 405 405 405 405 403"),
    "api:zone-list": ("403 403 200 200 200 200 200 403", "403 403 405 405 405 405 405 403"),
    "api:zone-geojson": ("403 403 200 200 200 200 200 403", "403 403 405 405 405 405 405 403"),
    "api:zone-detail": ("403 403 200 404 200 404 200 403", "403 403 405 405 405 405 405 403"),
    "api:landmark-list": ("403 403 200 200 200 200 200 403", "403 403 403 403 400 400 400 403"),
    "api:landmark-geojson": ("403 403 200 200 200 200 200 403", "403 403 405 405 405 405 405 403"),
    "api:landmark-detail": ("403 403 200 404 200 404 200 403", "403 403 405 405 405 405 405 403"),
    "api:event-list": ("403 403 200 200 200 200 200 403", "403 403 405 405 405 405 405 403"),
    "api:report-list": ("403 403 200 200 200 200 200 403", "400 400 400 400 400 400 400 400"),
    # A method a route does not have is 405 for anyone (HTTP's answer; it tells nothing more).
    "api:report-geojson": ("403 403 200 200 200 200 200 403", "405 405 405 405 405 405 405 405"),
    "api:report-status": ("200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "api:report-detail": ("403 403 200 404 200 404 200 403", "405 405 405 405 405 405 405 405"),
    "api:report-transition": ("405 405 405 405 405 405 405 405", "403 403 400 400 400 400 400 403"),
    "api:report-updates": ("405 405 405 405 405 405 405 405", "403 403 400 400 400 400 400 403"),
    "api:sos-open-list": ("403 403 200 200 200 200 200 403", "403 403 405 405 405 405 405 403"),
    # The queue card's buttons: the first officer acknowledges, the next are told it is done.
    "api:sos-open-acknowledge": (
        "403 403 405 405 405 405 405 403",
        "403 403 200 404 409 404 409 403",
    ),
    "api:sos-open-dispatch": ("403 403 405 405 405 405 405 403", "403 403 400 400 400 400 400 403"),
    # The duty desk's queue: each officer's own station (an outsider naming it gets 404).
    "api:dashboard-queue-list": (
        "403 403 200 200 200 200 200 403",
        "403 403 405 405 405 405 405 403",
    ),
    "api:sos-kiosk-list": ("403 403 200 200 200 200 200 403", "403 403 405 405 405 405 405 403"),
    "api:cctv-camera-list": ("403 403 200 200 200 200 200 403", "403 403 405 405 405 405 405 403"),
    "api:cctv-camera-detail": (
        "403 403 200 404 200 404 200 403",
        "403 403 405 405 405 405 405 403",
    ),
    "api:cctv-job-list": ("403 403 200 200 200 200 200 403", "403 403 405 405 405 405 405 403"),
    "api:cctv-job-detail": ("403 403 200 404 200 404 200 403", "403 403 405 405 405 405 405 403"),
    "api:cctv-match-list": ("403 403 200 200 200 200 200 403", "403 403 405 405 405 405 405 403"),
    "api:cctv-match-detail": ("403 403 200 404 200 404 200 403", "403 403 405 405 405 405 405 403"),
    "api:cctv-entry-list": ("403 403 200 200 200 200 200 403", "403 403 405 405 405 405 405 403"),
    "api:cctv-entry-detail": ("403 403 200 404 200 404 200 403", "403 403 405 405 405 405 405 403"),
    "api:patrol-point-list": ("403 403 200 200 200 200 200 403", "403 403 405 405 405 405 405 403"),
    "api:patrol-point-geojson": (
        "403 403 200 200 200 200 200 403",
        "403 403 405 405 405 405 405 403",
    ),
    "api:patrol-point-detail": (
        "403 403 200 404 200 404 200 403",
        "403 403 405 405 405 405 405 403",
    ),
    "api:patrol-checkin-list": (
        "403 403 200 200 200 200 200 403",
        "403 403 400 400 400 400 400 403",
    ),
    "api:patrol-checkin-detail": (
        "403 403 200 404 200 404 200 403",
        "403 403 405 405 405 405 405 403",
    ),
    "api:patrol-position-list": (
        "403 403 200 200 200 200 200 403",
        "403 403 405 405 405 405 405 403",
    ),
    "api:community-broadcast-list": (
        "403 403 200 200 200 200 200 403",
        "403 403 405 405 405 405 405 403",
    ),
    "api:community-broadcast-detail": (
        "403 403 200 404 200 404 200 403",
        "403 403 405 405 405 405 405 403",
    ),
    "api:community-partner-list": (
        "403 403 200 200 200 200 200 403",
        "403 403 405 405 405 405 405 403",
    ),
    "api:community-partner-detail": (
        "403 403 200 404 200 404 200 403",
        "403 403 405 405 405 405 405 403",
    ),
    "api:community-decision-list": (
        "403 403 200 200 200 200 200 403",
        "403 403 405 405 405 405 405 403",
    ),
    "api:community-decision-detail": (
        "403 403 200 404 200 404 200 403",
        "403 403 405 405 405 405 405 403",
    ),
    "api:api-root": ("403 403 200 200 200 200 200 403", "403 403 405 405 405 405 405 403"),
    "incidents:submit": ("200 200 200 200 200 200 200 200", "400 400 400 400 400 400 400 400"),
    "incidents:track": ("200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "incidents:status": ("200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "incidents:sent": ("200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "incidents:manifest": ("200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "incidents:service-worker": (
        "200 200 200 200 200 200 200 200",
        "405 405 405 405 405 405 405 405",
    ),
    "incidents:list": ("302 403 200 200 200 200 200 302", "302 403 405 405 405 405 405 302"),
    "incidents:export": ("302 403 200 200 200 200 200 302", "302 403 405 405 405 405 405 302"),
    "incidents:detail": ("302 403 200 404 200 404 200 302", "302 403 405 405 405 405 405 302"),
    "incidents:transition": ("302 403 405 405 405 405 405 302", "302 403 302 404 302 404 302 302"),
    "incidents:update": ("302 403 405 405 405 405 405 302", "302 403 302 404 302 404 302 302"),
    "incidents:merge": ("302 403 405 405 405 405 405 302", "302 403 302 404 302 404 302 302"),
    "incidents:cameras": ("302 403 405 405 405 405 405 302", "302 403 302 404 302 404 302 302"),
    "incidents:photo": ("302 403 200 404 200 404 200 302", "302 403 405 405 405 405 405 302"),
    "sos:api-events": ("401 401 401 401 401 401 401 405", "401 401 401 401 401 401 401 400"),
    "sos:api-heartbeats": ("401 401 401 401 401 401 401 405", "401 401 401 401 401 401 401 200"),
    "sos:list": ("302 403 200 200 200 200 200 302", "302 403 200 200 200 200 200 302"),
    "sos:detail": ("302 403 200 404 200 404 200 302", "302 403 302 404 302 404 302 302"),
    "sos:snapshot": ("302 403 200 404 200 404 200 302", "302 403 405 405 405 405 405 302"),
    "sos:kiosks": ("302 403 200 200 200 200 200 302", "302 403 403 403 200 200 200 302"),
    "sos:kiosk-edit": ("302 403 403 403 200 404 200 302", "302 403 403 403 400 404 400 302"),
    "sos:public": ("200 200 200 200 200 200 200 200", "400 400 400 400 400 400 400 400"),
    # A phone SOS's state and its position follow-up: whoever holds its token, nobody else.
    "sos:public-status": ("200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "sos:public-locate": ("405 405 405 405 405 405 405 405", "400 400 400 400 400 400 400 400"),
    "cctv:cameras": ("302 403 200 200 200 200 200 302", "302 403 200 200 200 200 200 302"),
    "cctv:camera_create": ("302 403 403 403 200 200 200 302", "302 403 403 403 400 400 400 302"),
    "cctv:camera_edit": ("302 403 403 403 200 404 200 302", "302 403 403 403 400 404 400 302"),
    "cctv:site_create": ("302 403 403 403 200 200 200 302", "302 403 403 403 400 400 400 302"),
    "cctv:site_edit": ("302 403 403 403 200 404 200 302", "302 403 403 403 400 404 400 302"),
    # 502: the camera (no snapshot URL here) could not be reached; never another station's.
    "cctv:camera_picture": ("302 403 502 404 502 404 502 302", "302 403 502 404 502 404 502 302"),
    "cctv:camera_live": ("302 403 200 404 200 404 200 302", "302 403 200 404 200 404 200 302"),
    "cctv:camera_viewings": ("302 403 403 403 200 404 200 302", "302 403 403 403 200 404 200 302"),
    "cctv:wall": ("302 403 200 200 200 200 200 302", "302 403 200 200 200 200 200 302"),
    "cctv:watchlist": ("302 403 200 200 200 200 200 302", "302 403 200 200 200 200 200 302"),
    "cctv:entry_create": ("302 403 403 403 200 200 200 302", "302 403 403 403 200 200 200 302"),
    "cctv:entry_detail": ("302 403 200 404 200 404 200 302", "302 403 403 404 200 404 200 302"),
    "cctv:entry_approve": ("405 405 405 405 405 405 405 405", "302 403 403 403 302 404 302 302"),
    # An empty POST lacks the reason (reject, revoke) or the date (renew): 400.
    "cctv:entry_reject": ("405 405 405 405 405 405 405 405", "302 403 403 403 400 404 400 302"),
    "cctv:entry_revoke": ("405 405 405 405 405 405 405 405", "302 403 403 403 400 404 400 302"),
    "cctv:entry_renew": ("405 405 405 405 405 405 405 405", "302 403 403 403 400 404 400 302"),
    "cctv:photo_image": ("302 403 200 404 200 404 200 302", "302 403 200 404 200 404 200 302"),
    "cctv:jobs": ("302 403 200 200 200 200 200 302", "302 403 200 200 200 200 200 302"),
    "cctv:job_create": ("302 403 200 200 200 200 200 302", "302 403 200 200 200 200 200 302"),
    "cctv:job_detail": ("302 403 200 404 200 404 200 302", "302 403 200 404 200 404 200 302"),
    "cctv:job_cancel": ("405 405 405 405 405 405 405 405", "302 403 302 404 302 404 302 302"),
    "cctv:match_review": ("302 403 200 404 200 404 200 302", "302 403 200 404 200 404 200 302"),
    "cctv:match_crop": ("302 403 200 404 200 404 200 302", "302 403 200 404 200 404 200 302"),
    # The match is still a candidate: refused with a message, back to its review page.
    "cctv:match_incident": ("405 405 405 405 405 405 405 405", "302 403 302 404 302 404 302 302"),
    "patrol:points": ("302 403 200 200 200 200 200 302", "302 403 200 200 200 200 200 302"),
    "patrol:point-new": ("302 403 403 403 200 200 200 302", "302 403 403 403 200 200 200 302"),
    "patrol:point-edit": ("302 403 403 403 200 404 200 302", "302 403 403 403 200 404 200 302"),
    "patrol:point-rotate": ("302 403 403 403 200 404 200 302", "302 403 403 403 302 404 302 302"),
    "patrol:point-qr": ("302 403 403 403 200 404 200 302", "302 403 403 403 200 404 200 302"),
    "patrol:point-sheet": ("302 403 403 403 200 200 200 302", "302 403 403 403 200 200 200 302"),
    "patrol:checkin": ("302 403 200 403 200 403 200 302", "302 403 200 403 200 403 200 302"),
    "patrol:checkin-done": ("302 403 200 404 200 404 200 302", "302 403 200 404 200 404 200 302"),
    "patrol:checkin-photo": ("302 403 200 404 200 404 200 302", "302 403 200 404 200 404 200 302"),
    "patrol:position": ("302 403 405 405 405 405 405 302", "302 403 400 400 400 400 400 302"),
    "patrol:shifts": ("302 403 403 403 200 200 200 302", "302 403 403 403 200 200 200 302"),
    "patrol:shift-new": ("302 403 403 403 200 200 200 302", "302 403 403 403 200 200 200 302"),
    "patrol:shift-edit": ("302 403 403 403 200 404 200 302", "302 403 403 403 200 404 200 302"),
    "patrol:coverage": ("302 403 403 403 200 200 200 302", "302 403 403 403 200 200 200 302"),
    "patrol:coverage-apply": (
        "302 403 403 403 405 405 405 302",
        "302 403 403 403 400 400 400 302",
    ),
    "community:line-webhook": (
        "405 405 405 405 405 405 405 405",
        "400 400 400 400 400 400 400 400",
    ),
    "community:broadcast-list": (
        "302 403 200 200 200 200 200 302",
        "302 403 405 405 405 405 405 302",
    ),
    "community:broadcast-new": (
        "302 403 403 403 200 200 200 302",
        "302 403 403 403 200 200 200 302",
    ),
    "community:broadcast-detail": (
        "302 403 200 404 200 404 200 302",
        "302 403 405 405 405 405 405 302",
    ),
    "community:broadcast-edit": (
        "302 403 403 403 200 404 200 302",
        "302 403 403 403 200 404 200 302",
    ),
    "community:broadcast-action": (
        "302 403 403 403 405 405 405 302",
        "302 403 403 403 302 404 302 302",
    ),
    "community:notice-from-incident": (
        "302 403 403 403 302 302 302 302",
        "302 403 403 403 405 405 405 302",
    ),
    # Officers link their LINE account too (their assignments); supervisors also say on duty.
    "community:line-link": ("302 403 200 200 200 200 200 302", "302 403 200 200 200 200 200 302"),
    # The officer's phone page and its routes: each officer sees only their own assignments.
    "dispatch:phone": ("302 403 200 200 200 200 200 302", "302 403 405 405 405 405 405 302"),
    "dispatch:assignment": ("302 403 200 404 404 404 404 302", "302 403 405 405 405 405 405 302"),
    "dispatch:step": ("302 403 405 405 405 405 405 302", "302 403 400 404 404 404 404 302"),
    "dispatch:photo": ("302 403 200 404 200 404 200 302", "302 403 405 405 405 405 405 302"),
    "dispatch:manifest": ("200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "dispatch:sw": ("200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "dispatch:mine": ("302 403 200 200 200 200 200 302", "302 403 405 405 405 405 405 302"),
    "dispatch:units": ("302 403 200 200 200 200 200 302", "302 403 405 405 405 405 405 302"),
    "dispatch:offer": ("302 403 405 405 405 405 405 302", "302 403 400 400 400 400 400 302"),
    "dispatch:offer-nearest": (
        "302 403 405 405 405 405 405 302",
        "302 403 400 400 400 400 400 302",
    ),
    "community:follower-list": (
        "302 403 403 403 200 200 200 302",
        "302 403 403 403 400 400 400 302",
    ),
    "community:partner-list": (
        "302 403 200 200 200 200 200 302",
        "302 403 405 405 405 405 405 302",
    ),
    "community:partner-new": (
        "302 403 403 403 200 200 200 302",
        "302 403 403 403 400 400 400 302",
    ),
    "community:partner-edit": (
        "302 403 403 403 200 404 200 302",
        "302 403 403 403 400 404 400 302",
    ),
    "community:meeting-new": (
        "302 403 403 403 200 200 200 302",
        "302 403 403 403 400 400 400 302",
    ),
    "community:meeting-edit": (
        "302 403 403 403 200 404 200 302",
        "302 403 403 403 400 404 400 302",
    ),
    "community:meeting-list": (
        "302 403 200 200 200 200 200 302",
        "302 403 405 405 405 405 405 302",
    ),
    "community:meeting-detail": (
        "302 403 200 404 200 404 200 302",
        "302 403 200 404 200 404 200 302",
    ),
    "community:attachment-download": (
        "302 403 200 404 200 404 200 302",
        "302 403 405 405 405 405 405 302",
    ),
    "community:public-notices": (
        "200 200 200 200 200 200 200 200",
        "405 405 405 405 405 405 405 405",
    ),
    # The duty desk: analysis and reports for every officer (of their own station), the button
    # for supervisors, the residents' survey for anyone (an empty POST: the form's errors).
    "desk:overview": ("302 403 200 200 200 200 200 302", "302 403 405 405 405 405 405 302"),
    "desk:hotspots": ("302 403 200 200 200 200 200 302", "302 403 405 405 405 405 405 302"),
    "desk:reports": ("302 403 200 200 200 200 200 302", "302 403 405 405 405 405 405 302"),
    "desk:report-generate": (
        "302 403 403 403 405 405 405 302",
        "302 403 403 403 400 400 400 302",
    ),
    "desk:report-detail": ("302 403 200 404 200 404 200 302", "302 403 405 405 405 405 405 302"),
    "desk:report-pdf": ("302 403 200 404 200 404 200 302", "302 403 405 405 405 405 405 302"),
    "desk:report-csv": ("302 403 200 404 200 404 200 302", "302 403 405 405 405 405 405 302"),
    "desk:survey": ("200 200 200 200 200 200 200 200", "400 400 400 400 400 400 400 400"),
    # The commanders' pages: read only (405 to a POST), each commander their own stations.
    #                             GET: anon cit off oth sup osu adm dev prov oprov prog
    "desk:commanders": (
        "302 403 403 403 403 403 200 302 200 200 200",
        "302 403 403 403 403 403 405 302 405 405 405",
    ),
    "desk:commander-csv": (
        "302 403 403 403 403 403 200 302 200 200 200",
        "302 403 403 403 403 403 405 302 405 405 405",
    ),
    "desk:commander-station": (
        "302 403 403 403 403 403 200 302 200 404 200",
        "302 403 403 403 403 403 405 302 405 405 405",
    ),
    "desk:commander-report": (
        "302 403 403 403 403 403 200 302 200 404 200",
        "302 403 403 403 403 403 405 302 405 405 405",
    ),
    "desk:commander-sos": (
        "302 403 403 403 403 403 200 302 200 404 200",
        "302 403 403 403 403 403 405 302 405 405 405",
    ),
    "desk:commander-exports": (
        "302 403 403 403 403 403 200 302 200 200 200",
        "302 403 403 403 403 403 405 302 405 405 405",
    ),
    "desk:commander-export-pdf": (
        "302 403 403 403 403 403 200 302 200 404 200",
        "302 403 403 403 403 403 405 302 405 405 405",
    ),
    "desk:commander-export-csv": (
        "302 403 403 403 403 403 200 302 200 404 200",
        "302 403 403 403 403 403 405 302 405 405 405",
    ),
    # The schema is public: kiosk builders read the signing scheme there (tests/sos).
    "api-schema": ("200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "api-docs": ("200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    # Health is for the load balancer; /metrics answers by address (the test client is
    # 127.0.0.1, in METRICS_ALLOWED_IPS) or token, never by login (tests/ops/test_metrics.py).
    "ops:healthz-ready": ("200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "ops:metrics": ("200 200 200 200 200 200 200 200", "405 405 405 405 405 405 405 405"),
    "ops:backup-status": ("302 403 200 200 200 200 200 302", "302 403 405 405 405 405 405 302"),
}

# Routes that take arguments: how to fill them from the objects (see `world`).
KWARGS = {
    "basemap-pmtiles": lambda w: {"name": w["basemap"].name},
    "zone-detail": lambda w: {"pk": w["zone"].pk},
    "api:station-detail": lambda w: {"pk": w["station"].pk},
    "api:zone-detail": lambda w: {"pk": w["zone"].pk},
    "api:landmark-detail": lambda w: {"pk": w["landmark"].pk},
    "api:report-status": lambda w: {"code": w["report"].tracking_code},
    "api:report-detail": lambda w: {"pk": w["report"].pk},
    "api:report-transition": lambda w: {"pk": w["report"].pk},
    "api:report-updates": lambda w: {"pk": w["report"].pk},
    "api:cctv-camera-detail": lambda w: {"pk": w["camera"].pk},
    "api:cctv-job-detail": lambda w: {"pk": w["job"].pk},
    "api:cctv-match-detail": lambda w: {"pk": w["match"].pk},
    "api:cctv-entry-detail": lambda w: {"pk": w["entry"].pk},
    "api:patrol-point-detail": lambda w: {"pk": w["point"].pk},
    "api:patrol-checkin-detail": lambda w: {"pk": w["checkin"].pk},
    "api:community-broadcast-detail": lambda w: {"pk": w["broadcast"].pk},
    "api:community-partner-detail": lambda w: {"pk": w["partner"].pk},
    "api:community-decision-detail": lambda w: {"pk": w["decision"].pk},
    "incidents:status": lambda w: {"code": w["report"].tracking_code},
    "incidents:sent": lambda w: {"code": w["report"].tracking_code},
    "sos:public-status": lambda w: {"token": w["sos_token"]},
    "sos:public-locate": lambda w: {"token": w["sos_token"]},
    "incidents:detail": lambda w: {"pk": w["report"].pk},
    "incidents:transition": lambda w: {"pk": w["report"].pk},
    "incidents:update": lambda w: {"pk": w["report"].pk},
    "incidents:merge": lambda w: {"pk": w["report"].pk},
    "incidents:cameras": lambda w: {"pk": w["report"].pk},
    "incidents:photo": lambda w: {"pk": w["report"].pk, "photo_pk": w["report_photo"].pk},
    "sos:detail": lambda w: {"pk": w["sos"].pk},
    "api:sos-open-acknowledge": lambda w: {"pk": w["sos"].pk},
    "api:sos-open-dispatch": lambda w: {"pk": w["sos"].pk},
    "sos:kiosk-edit": lambda w: {"pk": w["kiosk"].pk},
    "sos:snapshot": lambda w: {"name": w["sos"].snapshot.name},
    "cctv:camera_picture": lambda w: {"pk": w["camera"].pk},
    "cctv:camera_edit": lambda w: {"pk": w["camera"].pk},
    "cctv:camera_live": lambda w: {"pk": w["camera"].pk},
    "cctv:camera_viewings": lambda w: {"pk": w["camera"].pk},
    "cctv:site_edit": lambda w: {"pk": w["camera"].site_id},
    "cctv:entry_reject": lambda w: {"pk": w["entry"].pk},
    "cctv:entry_revoke": lambda w: {"pk": w["entry"].pk},
    "cctv:entry_renew": lambda w: {"pk": w["entry"].pk},
    "cctv:match_incident": lambda w: {"pk": w["match"].pk},
    "cctv:entry_detail": lambda w: {"pk": w["entry"].pk},
    "cctv:entry_approve": lambda w: {"pk": w["entry"].pk},
    "cctv:photo_image": lambda w: {"pk": w["entry_photo"].pk},
    "cctv:job_detail": lambda w: {"pk": w["job"].pk},
    "cctv:job_cancel": lambda w: {"pk": w["job"].pk},
    "cctv:match_review": lambda w: {"pk": w["match"].pk},
    "cctv:match_crop": lambda w: {"pk": w["match"].pk},
    "patrol:point-edit": lambda w: {"pk": w["point"].pk},
    "patrol:point-rotate": lambda w: {"pk": w["point"].pk},
    "patrol:point-qr": lambda w: {"pk": w["point"].pk},
    "patrol:checkin": lambda w: {"token": make_token(PatrolPoint.objects.get(pk=w["point"].pk))},
    "patrol:checkin-done": lambda w: {"pk": w["checkin"].pk},
    "dispatch:assignment": lambda w: {"pk": w["assignment"].pk},
    "dispatch:step": lambda w: {"pk": w["assignment"].pk},
    "dispatch:photo": lambda w: {"pk": w["assignment"].pk, "photo_pk": w["assignment_photo"].pk},
    "patrol:checkin-photo": lambda w: {"pk": w["checkin"].pk},
    "patrol:shift-edit": lambda w: {"pk": w["shift"].pk},
    "community:line-webhook": lambda w: {"station": w["station"].code},
    "community:broadcast-detail": lambda w: {"pk": w["broadcast"].pk},
    "community:broadcast-edit": lambda w: {"pk": w["broadcast"].pk},
    "community:broadcast-action": lambda w: {"pk": w["broadcast"].pk, "step": "cancel"},
    "community:notice-from-incident": lambda w: {"incident_id": w["report"].pk},
    "community:meeting-detail": lambda w: {"pk": w["meeting"].pk},
    "community:meeting-edit": lambda w: {"pk": w["meeting"].pk},
    "community:partner-edit": lambda w: {"pk": w["partner"].pk},
    "community:attachment-download": lambda w: {"pk": w["attachment"].pk},
    "desk:report-detail": lambda w: {"pk": w["weekly_report"].pk},
    "desk:report-pdf": lambda w: {"pk": w["weekly_report"].pk},
    "desk:report-csv": lambda w: {"pk": w["weekly_report"].pk},
    "desk:commander-station": lambda w: {"station_id": w["station"].pk},
    "desk:commander-report": lambda w: {"station_id": w["station"].pk, "pk": w["report"].pk},
    "desk:commander-sos": lambda w: {"station_id": w["station"].pk, "pk": w["sos"].pk},
    "desk:commander-export-pdf": lambda w: {"pk": w["export"].pk},
    "desk:commander-export-csv": lambda w: {"pk": w["export"].pk},
}


# --- the routes, from the resolver -----------------------------------------------------------


def _fill(pattern: str, kwargs: dict) -> str:
    """Put KWARGS into one piece of a route (path converters or a router's regex)."""
    for key, value in kwargs.items():
        pattern = re.sub(rf"\(\?P<{key}>[^)]*\)", str(value), pattern)
        pattern = re.sub(rf"<(?:\w+:)?{key}>", str(value), pattern)
    return pattern.removeprefix("^").removesuffix("$").replace("\\.", ".")


def walk(patterns=None, prefix=(), namespace=None):
    """Yield (key, pieces, param names) for every route; pieces are the patterns' strings."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        pieces = (*prefix, str(entry.pattern))
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from walk(entry.url_patterns, pieces, inner)
            continue
        assert isinstance(entry, URLPattern)
        params = set(re.findall(r"<(?:\w+:)?(\w+)>", "".join(pieces)))
        params |= set(re.findall(r"\(\?P<(\w+)>", "".join(pieces)))
        if "format" in params:  # the router's .json/.api twins of a route: same view, same rules
            continue
        name = entry.name or "".join(pieces)
        if namespace:
            key = f"{namespace}:{name}"
        elif pieces[0] == "api/v1/" and len(pieces) > 1:
            key = f"api:{name}"
        else:
            key = name
        yield key, pieces, params


def routes() -> dict:
    found = {}
    for key, pieces, params in walk():
        assert key not in found, f"two routes are both called {key!r}: name them apart"
        found[key] = (pieces, params)
    return found


def url_of(pieces, kwargs) -> str:
    return "/" + "".join(_fill(piece, kwargs) for piece in pieces)


# --- the objects and the roles ---------------------------------------------------------------


@pytest.fixture
def world(
    settings, tmp_path, station, other_station, zone, landmark, officer, supervisor, other_officer
):
    settings.CCTV_PRIVATE_ROOT = tmp_path / "private"
    settings.MAP_PMTILES_PATH = str(write_sample(tmp_path / "basemap" / "mukdahan.pmtiles"))
    defaults = import_module("incidents.migrations.0002_default_categories").DEFAULT_CATEGORIES
    for order, (code, name, name_en) in enumerate(defaults, start=1):
        Category.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "order": order * 10}
        )
    report, _ = incident_services.report_submit(
        kind="report",
        category=Category.objects.get(code="theft"),
        description="Stolen bag DS-9902",
        lat=IN_ZONE[0],
        lng=IN_ZONE[1],
        photos=[upload("market.jpg", jpeg_bytes())],
    )
    kiosk, secret = sos_services.kiosk_create(
        actor="test",
        station=station,
        name="Kiosk KX-1109",
        serial="K-001",
        lat=16.5453,
        lng=104.7248,
    )
    sos_services.sos_public_raise(
        station=station, callback_phone="0812345678", token=PHONE_SOS_TOKEN
    )
    sos, _ = sos_services.sos_receive(
        kiosk=kiosk, client_event_id="e-1", snapshot=ContentFile(jpeg_bytes(), name="s.jpg")
    )
    site = cctv_services.camera_site_save(
        actor="test", site=CameraSite(station=station, name="ประตู 1", lat=16.5447, lng=104.7258)
    )
    camera = cctv_services.camera_save(
        actor="test",
        camera=Camera(
            station=station, site=site, code="cam-01", name="Gate GX-2231", lat=16.5, lng=104.7
        ),
    )
    entry = make_entry(station, supervisor)
    entry_photo = cctv_services.enrollment_photo_add(
        actor=supervisor, entry=entry, filename="a.jpg", data=faces.jpeg(faces.person_a())
    )
    # Only an approved entry raises a match; the approver is another supervisor of STATION.
    approver = make_officer("approver", station, OfficerProfile.Role.SUPERVISOR)
    entry = cctv_services.watchlist_entry_approve(actor=approver, entry=entry)
    job = AnalysisJob.objects.create(
        station=station, kind="clip", camera=camera, purpose="x", created_by=officer
    )
    match = analysis.match_record(
        job_id=job.pk,
        entry_id=entry.pk,
        track_start_frame=1,
        offset_s=1.0,
        distance=0.3,
        score=0.7,
        crop=np.full((60, 50, 3), 128, np.uint8),
    )
    point = make_point(station, "Red box RX-7731", *MARKET)
    checkin = patrol_services.checkin_record(
        actor=officer,
        token=make_token(point),
        lat=MARKET[0],
        lng=MARKET[1],
        accuracy_m=8.0,
        photo=upload("p.jpg", jpeg_bytes()),
    )
    now = timezone.now()
    shift = patrol_services.shift_plan(
        actor=supervisor,
        station=station,
        name="Shift SX-4410",
        starts_at=now,
        ends_at=now + timedelta(hours=8),
        officers=[officer],
        plan={point: 60},
    )
    broadcast = community_services.broadcast_create(
        actor=supervisor, station=station, text="Broadcast BX-5512", audience="zone", zone=zone
    )
    partner = network_services.partner_save(
        actor="test",
        partner=Partner(station=station, name="Partner PX-8841", kind=Partner.Kind.choices[0][0]),
    )
    meeting = network_services.meeting_save(
        actor="test", meeting=Meeting(station=station, title="Meeting MX-3307", date=now.date())
    )
    decision = network_services.decision_save(
        actor="test", decision=Decision(meeting=meeting, text="Decision DX-6620", owner="ร้านทอง")
    )
    attachment = network_services.meeting_attachment_add(
        actor=supervisor,
        meeting_id=meeting.pk,
        upload=upload("minutes.pdf", b"%PDF-1.4 minutes", "application/pdf"),
    )
    weekly_report, _ = desk_services.weekly_report_generate(
        actor="test", station=station, week_start=desk_stats.last_complete_week(now)
    )
    # A second SOS, offered to the officer on shift, who finished it with a photo.
    second_sos, _ = sos_services.sos_receive(kiosk=kiosk, client_event_id="matrix-2")
    assignment = dispatch_services.assignment_offer(
        actor=supervisor, kind="sos", item_id=second_sos.pk, officer_id=officer.pk
    )
    for step in ("accept", "on_scene"):
        dispatch_services.assignment_step(actor=officer, assignment_id=assignment.pk, step=step)
    dispatch_services.assignment_step(
        actor=officer,
        assignment_id=assignment.pk,
        step="done",
        photos=[upload("scene.jpg", jpeg_bytes())],
    )
    Station.objects.filter(pk=station.pk).update(province="มุกดาหาร")
    Station.objects.filter(pk=other_station.pk).update(province="นครพนม")
    export, _ = desk_comparison.export_generate(
        province="มุกดาหาร", week_start=desk_stats.last_complete_week(now)
    )
    return {
        "assignment": assignment,
        "assignment_photo": assignment.photos.get(),
        "export": export,
        "weekly_report": weekly_report,
        "basemap": Path(settings.MAP_PMTILES_PATH),
        "station": station,
        "zone": zone,
        "landmark": landmark,
        "report": report,
        "report_photo": report.photos.get(),
        "kiosk": kiosk,
        "secret": secret,
        "sos": sos,
        "sos_token": PHONE_SOS_TOKEN,
        "camera": camera,
        "entry": entry,
        "entry_photo": entry_photo,
        "job": job,
        "match": match,
        "point": point,
        "checkin": checkin,
        "shift": shift,
        "broadcast": broadcast,
        "partner": partner,
        "meeting": meeting,
        "decision": decision,
        "attachment": attachment,
        "signed_in": SignedIn(),
    }


@pytest.fixture
def clients(world, citizen, officer, other_officer, supervisor, other_supervisor, admin_user):
    """Each role's user (None: nobody logged in)."""
    users = {"citizen": citizen, "officer": officer, "other": other_officer, "super": supervisor}
    users |= {"osuper": other_supervisor, "admin": admin_user}
    for role, kind, province in (
        ("prov", "province", "มุกดาหาร"),
        ("oprov", "province", "นครพนม"),
        ("prog", "programme", ""),
    ):
        users[role] = smartzone_services.commander_create(
            actor="test",
            username=f"commander-{role}",
            password=PASSWORD,
            role=kind,
            province=province,
        ).user
    return users | {"anon": None, "device": None}


# Words only the station's own people may read: no other role's 200 may contain one.
MARKERS = (
    "Kiosk KX-1109",
    "Gate GX-2231",
    "Eileen Collins",
    "Red box RX-7731",
    "Shift SX-4410",
    "Broadcast BX-5512",
    "Partner PX-8841",
    "Meeting MX-3307",
    "Decision DX-6620",
    "Stolen bag DS-9902",
)
OUTSIDERS = ("anon", "citizen", "other", "osuper", "device", "oprov")


class SignedIn:
    """Each role's session, signed in once and put back as it was after the sign-in before each
    request: every request starts from a fresh login's session without a login per request."""

    def __init__(self):
        self.store = import_module(settings.SESSION_ENGINE).SessionStore
        self.saved: dict = {}  # user pk -> (session key, the session's data after the login)

    def client(self, user) -> Client:
        client = Client()
        if user is None:
            return client
        if user.pk in self.saved:
            key, data = self.saved[user.pk]
            session = self.store(key)
            session._session_cache = dict(data)
            try:
                session.save()  # an update: the row is gone if a request ended the session
            except UpdateError:
                del self.saved[user.pk]
            else:
                client.cookies[settings.SESSION_COOKIE_NAME] = key
                return client
        client.force_login(user)
        key = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.saved[user.pk] = (key, self.store(key).load())
        return client


def request(clients, world, role: str, method: str, url: str):
    caches["ratelimit"].clear()  # rate limits count per client address: each request afresh
    # Afresh: whatever a request did to its session (a POST to the logout page ends it) is undone.
    client = world["signed_in"].client(clients[role])
    headers = {}
    if role == "device":
        kiosk = world["kiosk"]
        headers = signed_headers(world["secret"], kiosk.serial, url, b"", method=method)
    if method == "GET":
        return client.get(url, **headers)
    return client.post(url, b"", content_type="application/json", **headers)


def codes(row: str) -> dict:
    values = [int(code) for code in row.split()]
    if len(values) == len(ROLES):  # the commanders as the citizen, a login without the role
        values += [values[ROLES.index("citizen")]] * len(COMMANDERS)
    assert len(values) == len(ROLES + COMMANDERS), f"{row!r}: one code per role {ROLES}"
    return dict(zip(ROLES + COMMANDERS, values, strict=True))


def site_routes() -> dict:
    return {key: value for key, value in routes().items() if not key.startswith("admin:")}


def test_every_route_has_a_row_and_every_row_a_route():
    found = site_routes()
    missing = sorted(set(found) - set(MATRIX))
    gone = sorted(set(MATRIX) - set(found))
    assert not missing, f"routes with no row in MATRIX (add their expected codes): {missing}"
    assert not gone, f"rows of MATRIX whose route no longer exists: {gone}"
    for key, (get_row, post_row) in MATRIX.items():
        codes(get_row), codes(post_row)
        assert key.split(":")[-1] and (get_row, post_row)


def test_every_route_with_arguments_can_be_filled():
    found = site_routes()
    need_args = {key for key, (_pieces, params) in found.items() if params}
    assert not sorted(need_args - set(KWARGS)), "routes with arguments missing from KWARGS"
    assert not sorted(set(KWARGS) - need_args), "KWARGS rows of no route with arguments"


def test_the_matrix(world, clients):
    found = site_routes()
    wrong, errors, leaks = [], [], []
    for key, (get_row, post_row) in MATRIX.items():
        pieces, params = found[key]
        url = url_of(pieces, KWARGS[key](world) if params else {})
        assert resolve(url).route is not None, url
        for method, row in (("GET", get_row), ("POST", post_row)):
            expected = codes(row)
            answers = {
                role: request(clients, world, role, method, url) for role in ROLES + COMMANDERS
            }
            actual = {role: answer.status_code for role, answer in answers.items()}
            for role in OUTSIDERS:
                body = b"".join(answers[role]) if answers[role].streaming else answers[role].content
                seen = [m for m in MARKERS if m.encode() in body]
                leaks += [f"{method} {url} as {role} shows {seen}"] if seen else []
            errors += [f"{method} {url} as {r}" for r, code in actual.items() if code == 500]
            if actual != expected:
                line = " ".join(f"{actual[r]:>3}" for r in ROLES + COMMANDERS)
                wrong.append(f"{key} {method} {url}: got {line}, table says {row}")
    assert not errors, "server errors:\n" + "\n".join(errors)
    assert not leaks, "the station's data shown to outsiders:\n" + "\n".join(leaks)
    assert not wrong, "answers that differ from MATRIX:\n" + "\n".join(wrong)


# Admin pages the admin may not use either: rows written only by the services have no add page,
# and the autocomplete needs its arguments.
ADMIN_FORBIDDEN = {
    "/admin/autocomplete/",
    # django-axes keeps its login records itself.
    "/admin/axes/accessattempt/add/",
    "/admin/axes/accesslog/add/",
    "/admin/axes/accessfailurelog/add/",
    "/admin/smartzone/auditentry/add/",
    "/admin/smartzone/event/add/",
    # API tokens are made by `manage.py api_token_create`, which shows the key once.
    "/admin/smartzone/apitoken/add/",
    "/admin/incidents/report/add/",
    "/admin/sos/sosevent/add/",
    "/admin/cctv/watchlistentry/add/",
    "/admin/cctv/analysisjob/add/",
    "/admin/cctv/facematch/add/",
    "/admin/patrol/patrolshift/add/",
    "/admin/patrol/checkin/add/",
    "/admin/patrol/missedvisit/add/",
    "/admin/patrol/officerposition/add/",
    "/admin/community/broadcast/add/",
    "/admin/community/follower/add/",
    "/admin/community/supervisorlinelink/add/",
    "/admin/desk/weeklyreport/add/",
    "/admin/desk/safetyanswer/add/",
    # Written by manage.py backup and by the Celery worker.
    "/admin/ops/backuprecord/add/",
    "/admin/ops/taskfailurecount/add/",
}


def test_the_browsable_api_answers_a_browser_on_every_api_route(world, clients):
    """The API's HTML view (a browser's Accept header) renders forms from each view's queryset:
    no route may answer a browser with a 500, for any role."""
    errors = []
    for key, (pieces, params) in site_routes().items():
        if not key.startswith("api:"):
            continue
        url = url_of(pieces, KWARGS[key](world) if params else {})
        for role in ("officer", "super", "admin"):
            client = Client()
            client.force_login(clients[role])
            if client.get(url, HTTP_ACCEPT="text/html").status_code >= 500:
                errors.append(f"{url} as {role}")
    assert not errors, errors


def test_only_the_admin_gets_into_the_admin(world, clients):
    """Every admin page without arguments: the login page for the others, 200 for the admin."""
    pages = [(key, pieces) for key, (pieces, params) in routes().items() if not params]
    admin_pages = [(key, pieces) for key, pieces in pages if key.startswith("admin:")]
    assert len(admin_pages) > 20
    wrong = []
    for key, pieces in admin_pages:
        url = url_of(pieces, {})
        for role in ROLES + COMMANDERS:
            code = request(clients, world, role, "GET", url).status_code
            if key == "admin:logout":
                expected = 405 if role in ("admin",) else 302
            elif key == "admin:login":
                expected = 302 if role == "admin" else 200
            elif role != "admin":
                expected = 302
            else:
                expected = 403 if url in ADMIN_FORBIDDEN else 200
            if code != expected:
                wrong.append(f"{url} as {role}: {code}, expected {expected}")
    assert not wrong, "\n".join(wrong)
