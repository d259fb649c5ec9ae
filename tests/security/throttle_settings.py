"""tests.settings plus DRF throttling with a ``notifications`` scope, as a project sets it.

DRF reads the throttle settings when its classes are imported, so the probe
runs in its own process with these settings (SQLite in memory on both legs).
"""

from tests.settings import *  # noqa: F403
from tests.settings import REST_FRAMEWORK

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.ScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"notifications": "3/minute"},
}
