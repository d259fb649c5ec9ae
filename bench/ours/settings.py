"""Settings of our side: the README's production settings on PostgreSQL and the redis bus."""

import os

from bench.shared import django_settings

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
PREFIX = os.environ.get("BENCH_REDIS_PREFIX", "bench-ours")

globals().update(
    django_settings(
        urlconf="bench.ours.urls",
        apps=["rest_framework", "rest_framework.authtoken", "channels", "notifications"],
        database="bench_ours",
        # The README's production pool.
        pool={"min_size": 2, "max_size": 10, "timeout": 10},
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
