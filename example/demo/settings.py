"""The demo: SQLite and nothing else to run (pushes between processes: the database bus).

Email is on for some types: sent from the task queue (django-tasks' immediate
backend, right after commit) to the console backend, so the server's output
shows each email. Environment switches (used by the tests that run the demo
as a real server): DEMO_DB_PATH puts the SQLite file elsewhere; DEMO_PG_DB
uses PostgreSQL; DEMO_SQLITE_PLAIN=1 drops the SQLite OPTIONS below (a fresh
project's settings); DEMO_REDIS_URL switches to the redis bus, so several server
processes share pushes.
"""

import os
from pathlib import Path

import django

from notifications.i18n import gettext_lazy, ngettext_lazy  # message ids stored per send

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DEMO_SECRET_KEY", "demo-only-not-secret")
# Off unless asked for (DEMO_DEBUG=1): a demo reachable by others must not show tracebacks.
DEBUG = os.environ.get("DEMO_DEBUG", "0") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "demo.urls"
ASGI_APPLICATION = "demo.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "notifications",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The pages' language: the switch's cookie, else the browser's Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DEMO_DB_PATH", str(BASE_DIR / "db.sqlite3")),
        # Under ASGI each request runs in its own thread: concurrent writers need
        # IMMEDIATE transactions (else "database is locked" when a read-then-write
        # transaction upgrades its lock) and WAL so readers never wait for them.
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL;",
        },
    }
}

if os.environ.get("DEMO_SQLITE_PLAIN") == "1":  # as startproject writes it (tests, bench.soak)
    del DATABASES["default"]["OPTIONS"]

if os.environ.get("DEMO_PG_DB"):  # the production database, for end-to-end tests
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": os.environ.get("PGHOST", "127.0.0.1"),
            "PORT": os.environ.get("PGPORT", "5432"),
            "USER": os.environ.get("PGUSER", "postgres"),
            "NAME": os.environ["DEMO_PG_DB"],
            "OPTIONS": {"pool": {"min_size": 1, "max_size": 4}},
        }
    }

# Pushes reach the server's sockets from any process (manage.py shell, a cron job, a
# task worker) through the database bus: no other service. With Redis, the redis bus.
# BASE_URL: the absolute links of emails (unsubscribe, the inbox).
NOTIFICATIONS = {
    "BASE_URL": os.environ.get("DEMO_BASE_URL", "http://127.0.0.1:8000"),
    # Each user's language (the switch in the header): REST, frames and emails use it.
    "USER_LANGUAGE": "demo.languages.user_language",
    # Who may follow or mute what over REST: the demo post only (demo/posts.py).
    "SUBSCRIBE_PERMISSION": "demo.posts.may_follow",
}
if os.environ.get("DEMO_REDIS_URL"):
    NOTIFICATIONS |= {
        "REDIS_URL": os.environ["DEMO_REDIS_URL"],
        "REDIS_PREFIX": os.environ.get("DEMO_REDIS_PREFIX", "notifications"),
    }

if os.environ.get("DEMO_PG_POOLER_PORT"):  # PgBouncer in transaction pooling mode in front
    # The bus's LISTEN holds session state: it goes straight to PostgreSQL ("direct");
    # requests and sends go through the pooler, without server-side cursors.
    DATABASES["direct"] = dict(DATABASES["default"], OPTIONS={})
    DATABASES["default"] |= {
        "PORT": os.environ["DEMO_PG_POOLER_PORT"],
        "DISABLE_SERVER_SIDE_CURSORS": True,
    }
    NOTIFICATIONS |= {"BUS_LISTEN_DATABASE": "direct", "POOLED_DATABASES": ["default"]}

# Channel work (email) runs on Django's Tasks API; the immediate backend runs each
# task right after the sending transaction commits, in the server process.
# Django 6 has the Tasks API built in; Django 5.2 takes the django-tasks backport.
_TASKS = "django.tasks" if django.VERSION >= (6, 0) else "django_tasks"
TASKS = {"default": {"BACKEND": f"{_TASKS}.backends.immediate.ImmediateBackend"}}
# Email to the console: MAILERS from Django 6.1 (as its startproject writes), before that
# EMAIL_BACKEND (which 6.1 refuses beside MAILERS).
if django.VERSION >= (6, 1):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
NOTIFICATIONS["EMAIL_FROM"] = DEFAULT_FROM_EMAIL = "notifications@demo.example"

REST_FRAMEWORK = {
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # POST /demo/send: each send emails the sender (issue 23 saw 1,086 sends in 10 s).
    "DEFAULT_THROTTLE_RATES": {"demo_send": os.environ.get("DEMO_SEND_RATE", "30/minute")},
}

SPECTACULAR_SETTINGS = {
    "TITLE": "django-rest-notifications demo",
    "DESCRIPTION": "Per-user notifications: REST API (WebSocket at ws/notifications).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the drf-spectacular-sidecar package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# Two languages; a send of a type with "text" is rendered in each reader's language.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("pl", "Polski")]

EVENTS = [
    {
        "name": "post_like",
        "title": "Post liking",
        "description": "Event triggered when someone like your post",
        "text": {
            "title": gettext_lazy("%(author)s liked your post"),
            "grouped": ngettext_lazy(
                "%(author)s and %(others)d other liked your post",
                "%(author)s and %(others)d others liked your post",
                "others",
            ),
        },
    },
    # Email offered but off until a user turns it on (the settings page).
    {
        "name": "post_comment",
        "title": "Post commenting",
        "description": None,
        "channels": {"in_app": True, "email": False},
    },
    # Email on by default, but only if still unread 10 minutes later (an escalation step).
    {
        "name": "mention",
        "title": "Mentions",
        "description": "Someone mentioned you",
        "channels": ["in_app", "email"],
        "escalation": [{"channel": "email", "after_minutes": 10, "if": "unread"}],
        "text": {
            "title": gettext_lazy("%(author)s mentioned you"),
            "message": gettext_lazy("in %(place)s"),
        },
    },
]

STATIC_URL = "/static/"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Errors of requests reach the server's output with DEBUG off too (Django's default
# sends them only to ADMINS by email).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
}
