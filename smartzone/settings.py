"""Settings for Smart Safety Zone, read from environment variables.

With no variables set this is the embedded default: SQLite, in-memory channel layer and a Celery
broker on the file system, so one command runs everything. `DATABASE_URL` and `REDIS_URL` switch
to PostgreSQL and Redis; `SMARTZONE_ENV=production` turns on the safe settings and refuses to
start without a real secret key. See `.env.example` for every variable.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from smartzone.csp import tile_origin

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    """Return variable NAME, or the contents of the file named by NAME_FILE, or DEFAULT."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


PRODUCTION = env("SMARTZONE_ENV", "development") == "production"
DEFAULT_SECRET_KEY = "insecure-embedded-default-key-do-not-use-in-production"  # noqa: S105
# The placeholder of .env.example: long enough to pass the length rule, so refused by name.
EXAMPLE_SECRET_KEY = "change-me-to-64-random-characters-python-c-import-secrets-token-urlsafe-64"  # noqa: S105
SECRET_KEY = env("SECRET_KEY", DEFAULT_SECRET_KEY)
if PRODUCTION and (
    not SECRET_KEY or SECRET_KEY in {DEFAULT_SECRET_KEY, EXAMPLE_SECRET_KEY} or len(SECRET_KEY) < 50
):
    raise ImproperlyConfigured(
        "SMARTZONE_ENV=production needs SECRET_KEY (or SECRET_KEY_FILE) set to a random value "
        "of at least 50 characters; the embedded default key is refused, and so is the "
        "placeholder of .env.example. Generate one with: "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'"
    )

DEBUG = env_bool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# The address people reach the platform at from outside this machine, e.g.
# https://safetyzone.example.org or http://192.168.1.20:8000: every link that leaves the page
# (patrol QR codes, survey links, LINE messages) is built on it (smartzone/links.py).
# run_platform derives it from the address it serves on; `check --deploy` warns without it.
SITE_URL = (env("SITE_URL", "") or "").strip().rstrip("/")
if SITE_URL and not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        f"SITE_URL must start with http:// or https:// (e.g. https://safetyzone.example.org), "
        f"not {SITE_URL!r}."
    )

DATA_DIR = Path(env("DATA_DIR", str(BASE_DIR / "data")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

# The apps of this project, in the order their pages and demo data are set up.
PROJECT_APPS = [
    "smartzone",
    "incidents",
    "sos",
    "cctv",
    "patrol",
    "community",
    "dispatch",
    "desk",
    "ops",
]

INSTALLED_APPS = [
    "daphne",
    # SimpleAdminConfig: admin modules are found by smartzone.urls, skipping django-leaflet's,
    # which needs GDAL (the embedded default has none).
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "channels",
    "smartzone.apps.AxesConfig",  # axes, under a Thai name in the admin
    "django_otp",
    "smartzone.apps.TotpConfig",  # django_otp.plugins.otp_totp, likewise
    *PROJECT_APPS,
]

MIDDLEWARE = [
    "ops.metrics.RequestMetricsMiddleware",  # first: the request id, metrics and log line
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "smartzone.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "smartzone.middleware.ThaiFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "smartzone.auth.OTPRequiredMiddleware",
    "smartzone.middleware.SessionLifetimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "smartzone.csp.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the lockout page
]

ROOT_URLCONF = "smartzone.urls"
# Widgets render with the project's templates too (templates/smartzone/widgets/).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "smartzone.wsgi.application"
ASGI_APPLICATION = "smartzone.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "smartzone.access.role_context",
                "smartzone.views.nav_context",
            ],
        },
    },
]

# Database: SQLite file unless DATABASE_URL is set.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'smartzone.sqlite3'}"),
        conn_max_age=int(env("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions serialise writers up front (no "database is locked" mid-transaction,
    # and the audit chain is appended by one writer at a time); WAL lets readers go on meanwhile.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test_smartzone.sqlite3")}
elif int(env("DB_POOL_SIZE", "0")) > 0:
    # A pool of PostgreSQL connections per process (psycopg_pool): a request takes one and
    # gives it back, instead of opening its own (a server process forked per request).
    if DATABASES["default"]["CONN_MAX_AGE"]:
        raise ImproperlyConfigured("Set DB_POOL_SIZE or DB_CONN_MAX_AGE, not both.")
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": int(env("DB_POOL_SIZE")),
        "timeout": 10,  # seconds a request waits for a free connection before failing
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions end after 30 minutes idle (renewed by every request) and 12 hours after login.
SESSION_COOKIE_AGE = int(env("SESSION_IDLE_SECONDS", "1800"))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_MAX_LIFETIME = int(env("SESSION_MAX_SECONDS", str(12 * 3600)))
# Sign-in security (smartzone/auth.py): 5 failed logins lock the account and, counted
# separately, the client address for 30 minutes; supervisors and admins need a TOTP code.
AUTHENTICATION_BACKENDS = [
    "smartzone.auth.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
OTP_TOTP_ISSUER = "Smart Safety Zone"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"

# Thai first, English second.
LANGUAGE_CODE = "th"
LANGUAGES = [("th", _("Thai")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns if it is missing

# Live updates: Redis channel layer when REDIS_URL is set, else in-memory (one process).
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # A short connect timeout: a push after commit must not hang a request when
                # Redis is unreachable; the outbox relay sends the event later. The read timeout
                # must stay above channels_redis's 5 s blocking receive, or idle sockets drop.
                "hosts": [
                    {"address": REDIS_URL, "socket_connect_timeout": 2, "socket_timeout": 10}
                ],
                "capacity": 1500,
                "expiry": 30,
                "prefix": env("CHANNELS_PREFIX", "asgi"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Cache (rate limits, idempotency keys): Redis when REDIS_URL is set, else this process's memory.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CHANNELS_PREFIX", "sz"),
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    # Rate limits: a Redis outage lets requests through rather than refusing a report or SOS.
    "ratelimit": (
        {
            "BACKEND": "smartzone.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CHANNELS_PREFIX", "sz"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"}
    ),
}
RATELIMIT_USE_CACHE = "ratelimit"
RATELIMIT_FAIL_OPEN = True
# The client address (smartzone/clientaddr.py) for rate limits, lockouts and reports: REMOTE_ADDR,
# or behind TRUSTED_PROXY_COUNT proxies the address the outermost one appended to
# X-Forwarded-For (entries left of it are the client's own words and are ignored).
try:
    TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))
except ValueError:
    TRUSTED_PROXY_COUNT = -1
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(
        "TRUSTED_PROXY_COUNT must be a whole number of proxies in front of the web processes "
        "(0 when clients connect directly)."
    )
RATELIMIT_IP_META_KEY = "smartzone.clientaddr.ratelimit_address"
AXES_CLIENT_IP_CALLABLE = "smartzone.clientaddr.client_address"

# The outbox relay: how often a web process looks for events that were not pushed, and how old
# an unpushed event must be before the relay takes it over from the direct push after commit.
OUTBOX_RELAY_INTERVAL = float(env("OUTBOX_RELAY_INTERVAL", "0.5"))
OUTBOX_RELAY_GRACE = float(env("OUTBOX_RELAY_GRACE", "0.5"))

# Refused kiosk requests audited per client address (django-ratelimit rate); more are logged.
KIOSK_REFUSALS_AUDITED = env("KIOSK_REFUSALS_AUDITED", "30/m")

# How long a process keeps its copy of the zones, stations, cameras and patrol points
# before reading them again; a change made in another process shows within this time.
MEMO_SECONDS = float(env("MEMO_SECONDS", "30"))

# LINE delivery: the Messaging API's host (a local stand-in in tests), and how long an unfinished
# delivery batch stays untouched before the beat task takes it for lost and enqueues it again.
LINE_API_HOST = env("LINE_API_HOST", "https://api.line.me")
# Networks the server may fetch from although they are internal (smartzone/net.py): the
# station's camera network, e.g. 192.168.1.0/24,10.20.0.0/16. Loopback, link-local and private
# addresses are refused otherwise; cloud metadata addresses always are.
CAMERA_NETWORKS = env_list("CAMERA_NETWORKS", "")
COMMUNITY_BATCH_STALE_SECONDS = float(env("COMMUNITY_BATCH_STALE_SECONDS", "900"))
# An offer to an officer whose phone page is open rings there; it goes to their LINE account as
# well only if not accepted within this many seconds (closed page: at once). dispatch/presence.py
DISPATCH_LINE_GRACE_S = int(env("DISPATCH_LINE_GRACE_S", "15"))
# Retention of personal data (PDPA), in days; the purge tasks run daily (smartzone/retention.py,
# README "Retention of personal data"). Reports and SOS events keep everything while open.
# Reporter's name, phone and IP address on reports, and the callback phone of an SOS: blanked
# this long after the report or SOS was closed.
RETENTION_REPORTER_CONTACT_DAYS = int(env("RETENTION_REPORTER_CONTACT_DAYS", "180"))
# Report photos and SOS snapshots: deleted this long after the report or SOS was closed.
RETENTION_REPORT_PHOTO_DAYS = int(env("RETENTION_REPORT_PHOTO_DAYS", "365"))
# Patrol check-in photos: deleted this long after the check-in (the check-in itself stays).
RETENTION_CHECKIN_PHOTO_DAYS = int(env("RETENTION_CHECKIN_PHOTO_DAYS", "365"))
# Officers' live positions during shifts: deleted this long after they were reported.
RETENTION_OFFICER_POSITION_DAYS = int(env("RETENTION_OFFICER_POSITION_DAYS", "30"))
# Audit entries: deleted this long after they were written (the chain keeps a checkpoint).
RETENTION_AUDIT_DAYS = int(env("RETENTION_AUDIT_DAYS", str(5 * 365)))
# Outbox events (the stations' timelines and dashboards' catch-up): deleted this long after
# they were written; on PostgreSQL a whole month's partition at a time (smartzone/retention.py).
RETENTION_EVENT_DAYS = int(env("RETENTION_EVENT_DAYS", str(2 * 365)))
# Face-match snapshots (crops) not linked to an incident: deleted this long after the match.
CCTV_MATCH_RETENTION_DAYS = int(env("CCTV_MATCH_RETENTION_DAYS", "30"))
# Live view (cctv/live): a camera's one connection ends CCTV_LIVE_IDLE_S after its last viewer
# left; a lost camera is retried every CCTV_LIVE_RETRY_S, shown "reconnecting" and, after
# CCTV_LIVE_OFFLINE_AFTER_S without a picture, "offline"; a stream silent for CCTV_LIVE_STALL_S
# counts as lost. CCTV_LIVE_FFMPEG: the converter program (Debian's ffmpeg).
CCTV_LIVE_IDLE_S = float(env("CCTV_LIVE_IDLE_S", "30"))
CCTV_LIVE_RETRY_S = float(env("CCTV_LIVE_RETRY_S", "2"))
CCTV_LIVE_OFFLINE_AFTER_S = float(env("CCTV_LIVE_OFFLINE_AFTER_S", "10"))
CCTV_LIVE_STALL_S = float(env("CCTV_LIVE_STALL_S", "5"))
CCTV_LIVE_FFMPEG = env("CCTV_LIVE_FFMPEG", "ffmpeg")
# Several web processes (REDIS_URL): the process running a camera's converter holds a lease in
# Redis for CCTV_LIVE_LEASE_S, renewed three times as often; if it dies, another takes over.
CCTV_LIVE_LEASE_S = float(env("CCTV_LIVE_LEASE_S", "3"))
# Face ID (defaults measured with bench/face_accuracy.py; see cctv/README.md). A face is
# compared with the watchlist only if at least CCTV_FACE_MIN_WIDTH_PX wide, sharp enough
# (variance of the Laplacian of the aligned crop), turned no further than CCTV_FACE_MAX_YAW
# and detected with at least CCTV_FACE_MIN_SCORE. An alert needs CCTV_MATCH_FRAMES sampled
# frames of one track to match the same entry: "strong" below CCTV_MATCH_STRONG, else
# "possible" below CCTV_MATCH_THRESHOLD. CCTV_FACE_FIND_PX: smallest face looked for.
CCTV_FACE_MIN_WIDTH_PX = int(env("CCTV_FACE_MIN_WIDTH_PX", "36"))
CCTV_FACE_MIN_SHARPNESS = float(env("CCTV_FACE_MIN_SHARPNESS", "10"))
CCTV_FACE_MAX_YAW = float(env("CCTV_FACE_MAX_YAW", "0.8"))
CCTV_FACE_MIN_SCORE = float(env("CCTV_FACE_MIN_SCORE", "0.7"))
CCTV_FACE_FIND_PX = int(env("CCTV_FACE_FIND_PX", "32"))
# Seconds of stream time between whole-frame face searches (between them the detector searches
# only where the scene changed and around open tracks): a face that stands still and was never
# detected is found within this long. Shorter costs more per camera (cctv/README.md).
CCTV_FACE_WHOLE_EVERY_S = float(env("CCTV_FACE_WHOLE_EVERY_S", "3"))
CCTV_MATCH_FRAMES = int(env("CCTV_MATCH_FRAMES", "3"))
CCTV_MATCH_STRONG = float(env("CCTV_MATCH_STRONG", "0.47"))
CCTV_MATCH_THRESHOLD = float(env("CCTV_MATCH_THRESHOLD", "0.55"))
# Live watches: the job page warns when the analysis runs more than CCTV_LIVE_LAG_WARN_SECONDS
# behind live; a track ends after CCTV_TRACK_GAP_SECONDS unseen; a dropped camera is retried
# after CCTV_RECONNECT_SECONDS, doubling up to CCTV_RECONNECT_MAX_SECONDS, for the whole window.
CCTV_LIVE_LAG_WARN_SECONDS = float(env("CCTV_LIVE_LAG_WARN_SECONDS", "2"))
CCTV_TRACK_GAP_SECONDS = float(env("CCTV_TRACK_GAP_SECONDS", "1"))
CCTV_RECONNECT_SECONDS = float(env("CCTV_RECONNECT_SECONDS", "1"))
CCTV_RECONNECT_MAX_SECONDS = float(env("CCTV_RECONNECT_MAX_SECONDS", "30"))

# Celery: Redis broker when REDIS_URL is set, else kombu's filesystem transport (no server).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = DATA_DIR / "celery-queue"
    (_queue_dir / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "outbox-relay": {"task": "smartzone.tasks.outbox_relay", "schedule": 5.0},
    "sos-escalate-overdue": {"task": "sos.tasks.sos_escalate_overdue", "schedule": 10.0},
    "sos-kiosk-health": {"task": "sos.tasks.kiosk_health_check", "schedule": 30.0},
    "cctv-camera-health": {"task": "cctv.tasks.cameras_probe", "schedule": 60.0},
    "cctv-jobs-resume": {"task": "cctv.tasks.jobs_resume_stale", "schedule": 60.0},
    "cctv-match-purge": {"task": "cctv.tasks.matches_purge", "schedule": 3600.0},
    "patrol-missed-visits": {"task": "patrol.tasks.missed_visits_detect", "schedule": 60.0},
    "patrol-shifts-ended": {"task": "patrol.tasks.shifts_end_announce", "schedule": 30.0},
    # Behind each offer's own timer (countdown): expires offers whose timer was lost.
    "dispatch-offers-expire": {"task": "dispatch.tasks.offers_expire_due", "schedule": 5.0},
    "community-broadcasts-send-due": {
        "task": "community.tasks.broadcasts_send_due",
        "schedule": 30.0,
    },
    # Hourly, and idempotent: the first run after a week ends writes each station's report.
    "desk-weekly-reports": {"task": "desk.tasks.weekly_reports_generate", "schedule": 3600.0},
    # Hourly and idempotent: the commanders' daily roll-ups, then their weekly exports.
    "desk-station-days": {"task": "desk.tasks.station_days_update", "schedule": 3600.0},
    "desk-comparison-exports": {
        "task": "desk.tasks.comparison_exports_generate",
        "schedule": 3600.0,
    },
    # Retention purges (PDPA): daily.
    "incidents-personal-data-purge": {
        "task": "incidents.tasks.personal_data_purge",
        "schedule": 86400.0,
    },
    "sos-personal-data-purge": {"task": "sos.tasks.personal_data_purge", "schedule": 86400.0},
    "patrol-personal-data-purge": {
        "task": "patrol.tasks.personal_data_purge",
        "schedule": 86400.0,
    },
    "audit-purge": {"task": "smartzone.tasks.audit_purge", "schedule": 86400.0},
    "events-purge": {"task": "smartzone.tasks.events_purge", "schedule": 86400.0},
    # PostgreSQL: the next months' partitions of events, audit entries and positions.
    "partitions-ensure": {"task": "smartzone.tasks.partitions_ensure", "schedule": 86400.0},
    # Hourly, and idempotent: backs up once a good backup is 20 hours old, so daily.
    "ops-backup-daily": {"task": "ops.tasks.backup_daily", "schedule": 3600.0},
}

# Backups (ops/, README "Running the server"): encrypted archives of the database and the
# private files. BACKUP_KEY is needed to write and to read them: keep a copy away from the
# server (a lost key is a lost backup) and apart from SECRET_KEY.
BACKUP_KEY = env("BACKUP_KEY")
BACKUP_DIR = Path(env("BACKUP_DIR", str(DATA_DIR / "backups")))
BACKUP_MAX_AGE_HOURS = float(env("BACKUP_MAX_AGE_HOURS", "26"))
BACKUP_KEEP_DAILY_DAYS = int(env("BACKUP_KEEP_DAILY_DAYS", "14"))
BACKUP_KEEP_WEEKLY_DAYS = int(env("BACKUP_KEEP_WEEKLY_DAYS", "92"))
# How gently the backup runs beside the platform (ops/throttle.py): at most BACKUP_RATE_MB_S
# megabytes a second read from pg_dump and from the private files (0: no bound; 25 MB/s backs up
# 10 GB of photos in about seven minutes), at idle disk priority and BACKUP_NICE CPU priority
# (0-19) for the backup and its pg_dump.
BACKUP_RATE_MB_S = float(env("BACKUP_RATE_MB_S", "25"))
BACKUP_NICE = int(env("BACKUP_NICE", "15"))
# Health and metrics: /healthz/ready fails below this much free disk (MB) in DATA_DIR;
# /metrics answers the listed addresses (exact or CIDR) or a bearer METRICS_TOKEN.
HEALTH_MIN_FREE_MB = int(env("HEALTH_MIN_FREE_MB", "1024"))
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
METRICS_TOKEN = env("METRICS_TOKEN")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # "Authorization: Token <key>" for apps, keys stored hashed (smartzone/tokens.py).
        "smartzone.tokens.HashedTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["smartzone.access.IsOfficer"],
    "DEFAULT_SCHEMA_CLASS": "smartzone.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "smartzone.pagination.Pagination",
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Smart Safety Zone API",
    "DESCRIPTION": "Reports, SOS, CCTV, patrol and community data of a police station.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # SOS states appear in two components (an SOS, an open SOS with its nearest help).
    "ENUM_NAME_OVERRIDES": {"SosStateEnum": "sos.models.SosEvent.State"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "smartzone.openapi.document_error_responses",
        "smartzone.openapi.document_links",
    ],
}

# Map: Leaflet assets come from django-leaflet's static files. The base map (smartzone.basemap):
# a PMTiles file the app serves itself (MAP_PMTILES_PATH, else the first *.pmtiles in
# DATA_DIR/basemap/), else the tile server MAP_TILES_URL, else none (the maps label the zone,
# its landmarks and the camera sites). No tile server by default: a closed network must not
# wait on one, and OpenStreetMap's own servers forbid heavy use by distributed apps; set it to
# https://tile.openstreetmap.org/{z}/{x}/{y}.png (or your own server) on a connected machine.
MAP_TILES_URL = env("MAP_TILES_URL", "")
MAP_PMTILES_PATH = env("MAP_PMTILES_PATH", "")
MAP_PMTILES_FLAVOR = env("MAP_PMTILES_FLAVOR", "light")
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (16.5445, 104.7245),
    "DEFAULT_ZOOM": 16,
    "MIN_ZOOM": 5,
    "MAX_ZOOM": 19,
    "TILES": [("OpenStreetMap", MAP_TILES_URL, "© OpenStreetMap contributors")]
    if MAP_TILES_URL
    else [],
}

# Content-Security-Policy (django-csp): only the platform's own scripts and styles, no inline
# code or eval; images also from the tile server; never framed. smartzone.csp.CSPMiddleware adds
# the request host's ws:/wss: origin to connect-src for the dashboard socket.
_TILE_ORIGIN = tile_origin(MAP_TILES_URL)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *([_TILE_ORIGIN] if _TILE_ORIGIN else [])],
        "font-src": ["'self'"],
        # The live view plays through Media Source Extensions (a blob: URL) and shows MJPEG
        # cameras' frames as blob: images.
        "media-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Logs: one JSON object per line (ops/logs.py: time, level, request id, user id, station, view
# or task, duration, status) in production or with LOG_FORMAT=json; plain text otherwise.
LOG_FORMAT = env("LOG_FORMAT", "json" if PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "ops.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "daphne": {"level": "WARNING"},
        "django.channels.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # not its version banner on every command; lockouts still
    },
}
# The worker logs through LOGGING above (its JSON lines carry the request id), not its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
