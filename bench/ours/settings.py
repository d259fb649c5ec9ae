"""Settings of our side: the README's production settings on PostgreSQL and channels_redis."""

import os

from bench.shared import django_settings

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
PREFIX = os.environ.get("BENCH_REDIS_PREFIX", "bench-ours")

CORE_LAYER = {
    "BACKEND": "channels_redis.core.RedisChannelLayer",
    "CONFIG": {
        "hosts": [
            {
                "address": REDIS_URL,
                "max_connections": 1000,
                # redis-py 8 times reads out after 5 s, as long as channels_redis's
                # blocking receive: idle sockets were closed with 1011 without this.
                "socket_timeout": 10,
            }
        ],
        "prefix": PREFIX,
        # All sockets of one server process share one Redis inbox key, and
        # channels_redis silently drops group_send messages beyond `capacity`
        # (default 100) pending there: a fan-out to more than 100 sockets on
        # one worker loses pushes with the default.
        "capacity": int(os.environ.get("BENCH_LAYER_CAPACITY", "100000")),
    },
}
PUBSUB_LAYER = {
    "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
    "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 10}], "prefix": PREFIX},
}

globals().update(
    django_settings(
        urlconf="bench.ours.urls",
        apps=["rest_framework", "rest_framework.authtoken", "channels", "notifications"],
        database="bench_ours",
        # The README's production pool.
        pool={"min_size": 2, "max_size": 10, "timeout": 10},
        CHANNEL_LAYERS={
            "default": PUBSUB_LAYER
            if os.environ.get("BENCH_CHANNEL_LAYER") == "pubsub"
            else CORE_LAYER
        },
        REST_FRAMEWORK={
            "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
            "PAGE_SIZE": 20,
            "DEFAULT_AUTHENTICATION_CLASSES": [
                "rest_framework.authentication.TokenAuthentication",
                "rest_framework.authentication.SessionAuthentication",
            ],
            "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
        },
        EVENTS=[
            {"name": "post_like", "title": "Post liking", "description": "Someone liked your post"},
            {"name": "post_comment", "title": "Post commenting", "description": None},
        ],
        # The redis bus as the README's production settings have it; BENCH_BUS=local
        # (no hub in a worker process) publishes nowhere: the write path alone.
        NOTIFICATIONS={
            "BUS": os.environ.get("BENCH_BUS", "redis"),
            "REDIS_URL": REDIS_URL,
            "REDIS_PREFIX": PREFIX,
        },
    )
)
