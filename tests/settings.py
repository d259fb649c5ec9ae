"""Test settings. The embedded default: SQLite + in-memory layer.

NOTIFICATIONS_TEST_SERVICES=1 switches to the production services, which must be
running: PostgreSQL (PGHOST/PGPORT/PGUSER/PGDATABASE, default 127.0.0.1:5432,
postgres, test) with Django's psycopg pool, and Redis (REDIS_URL, default
redis://127.0.0.1:6379/0) through the redis bus. That leg also uses a custom
user model (email login), so both kinds of user model are covered.
"""

import os
import tempfile

SERVICES = os.environ.get("NOTIFICATIONS_TEST_SERVICES") == "1"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

SECRET_KEY = "tests-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "tests.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "channels",
    "django_tasks_db",
    "notifications",
    "tests.testapp",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
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
STATIC_URL = "/static/"

if SERVICES:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": os.environ.get("PGHOST", "127.0.0.1"),
            "PORT": os.environ.get("PGPORT", "5432"),
            "USER": os.environ.get("PGUSER", "postgres"),
            "NAME": os.environ.get("PGDATABASE", "test"),
            "OPTIONS": {"pool": {"min_size": 1, "max_size": 8}},
            # One database per run, so parallel runs on the shared server never collide.
            "TEST": {"NAME": f"test_notifications_{os.getpid()}"},
        }
    }
    NOTIFICATIONS = {"REDIS_URL": REDIS_URL, "REDIS_PREFIX": f"notifications-tests-{os.getpid()}"}
    AUTH_USER_MODEL = "testapp.Member"
else:
    # A file, as a project's is: the database bus (the embedded default) tails it from
    # the hub's own thread, and other processes can share it.
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.path.join(tempfile.gettempdir(), f"notifications-{os.getpid()}.sqlite3"),
            "TEST": {
                "NAME": os.path.join(
                    tempfile.gettempdir(), f"test-notifications-{os.getpid()}.sqlite3"
                )
            },
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
        }
    }

REST_FRAMEWORK = {
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
}

EVENTS = [
    {
        "name": "post_like",
        "title": "Post liking",
        "description": "Event triggered when someone like your post",
    },
    {"name": "post_comment", "title": "Post commenting", "description": None},
]
EVENT_TYPES = [(e["name"], e["name"]) for e in EVENTS]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Email the way each Django line's startproject writes it: MAILERS from Django
# 6.1 (the test runner swaps every alias to locmem), EMAIL_BACKEND before.
import django  # noqa: E402

if django.VERSION >= (6, 1):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
