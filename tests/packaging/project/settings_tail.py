# ruff: noqa: F821  (appended to the settings.py that startproject wrote)
# --- django-rest-notifications, as API.md says ---
INSTALLED_APPS += ["rest_framework", "channels", "notifications"]

REST_FRAMEWORK = {
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 20,
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
