"""Settings of our side: PostgreSQL ``bench_ours`` (psycopg pool) and channels_redis."""

import os

SECRET_KEY = "bench-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "bench.ours.urls"
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

MIDDLEWARE = [
    "bench.ours.middleware.count_queries",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": os.environ.get("PGHOST", "127.0.0.1"),
        "PORT": os.environ.get("PGPORT", "5432"),
        "USER": os.environ.get("PGUSER", "postgres"),
        "NAME": os.environ.get("BENCH_DB", "bench_ours"),
        "OPTIONS": {"pool": True},
    }
}

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [
                {
                    "address": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
                    "max_connections": 1000,
                    # redis-py 8 times reads out after 5 s, as long as channels_redis's
                    # blocking receive: idle sockets were closed with 1011 without this.
                    "socket_timeout": 10,
                }
            ],
            "prefix": os.environ.get("BENCH_REDIS_PREFIX", "bench-ours"),
            # All sockets of one server process share one Redis inbox key, and
            # channels_redis silently drops group_send messages beyond `capacity`
            # (default 100) pending there: a fan-out to more than 100 sockets on
            # one worker loses pushes with the default.
            "capacity": int(os.environ.get("BENCH_LAYER_CAPACITY", "100000")),
        },
    }
}

if os.environ.get("BENCH_CHANNEL_LAYER") == "pubsub":
    # The opt-in fast path: channels_redis's pub/sub layer + the pipelined transport.
    CHANNEL_LAYERS["default"] = {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {
            "hosts": [
                {
                    "address": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
                    "socket_timeout": 10,
                }
            ],
            "prefix": os.environ.get("BENCH_REDIS_PREFIX", "bench-ours"),
        },
    }

REST_FRAMEWORK = {
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}

EVENTS = [
    {"name": "post_like", "title": "Post liking", "description": "Someone liked your post"},
    {"name": "post_comment", "title": "Post commenting", "description": None},
]

NOTIFICATIONS = {}
if os.environ.get("BENCH_TRANSPORT"):
    NOTIFICATIONS["TRANSPORT"] = os.environ["BENCH_TRANSPORT"]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
