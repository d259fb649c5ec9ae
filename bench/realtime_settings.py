"""Settings of the realtime benchmark: this version (the redis or database bus) or 0.1.

``BENCH_ENGINE=v01`` runs the 0.1 package (extracted from git into ``bench/.v01``, put
first on ``PYTHONPATH`` by the driver), which pushes through channels_redis; the same
settings serve both, each version ignores the other's keys.
"""

import os

SECRET_KEY = "bench-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "bench.realtime_urls"  # served by bench.ours.asgi (DJANGO_SETTINGS_MODULE set)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "rest_framework",
    "rest_framework.authtoken",
    "channels",
    "notifications",
]
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
PREFIX = os.environ.get("BENCH_REDIS_PREFIX", "bench-realtime")

if os.environ.get("BENCH_SQLITE"):
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ["BENCH_SQLITE"],
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL;",
            },
        }
    }
    NOTIFICATIONS: dict[str, object] = {}  # the database bus, the embedded default
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": os.environ.get("PGHOST", "127.0.0.1"),
            "PORT": os.environ.get("PGPORT", "5432"),
            "USER": os.environ.get("PGUSER", "postgres"),
            "NAME": os.environ.get("BENCH_DB", "bench_realtime"),
            "OPTIONS": {"pool": True},
        }
    }
    NOTIFICATIONS = {"REDIS_URL": REDIS_URL, "REDIS_PREFIX": PREFIX}
    if os.environ.get("BENCH_REDIS_CLUSTER_URLS"):  # bench.scaling: a local Redis Cluster
        NOTIFICATIONS["REDIS_CLUSTER_URLS"] = os.environ["BENCH_REDIS_CLUSTER_URLS"].split(",")
    if os.environ.get("BENCH_BUS"):
        NOTIFICATIONS["BUS"] = os.environ["BENCH_BUS"]
    # Only 0.1 reads this (as its README advised); this version never touches it.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "max_connections": 1000, "socket_timeout": 10}],
                "prefix": PREFIX,
                "capacity": 100000,
            },
        }
    }
NOTIFICATIONS["SOCKET_QUEUE_SIZE"] = 100000
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"notifications": {"handlers": ["console"], "level": "WARNING"}},
}
EVENTS = [{"name": "post_like", "title": "Post liking", "description": None}]
