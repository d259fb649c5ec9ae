"""Settings of the ``manage.py send_notification`` subprocess: the test settings on a SQLite file.

The file is named by ``NOTIFICATIONS_COMMAND_DB`` (one per test run).
"""

import os

from tests.settings import *  # noqa: F403

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["NOTIFICATIONS_COMMAND_DB"],
    }
}
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
