"""Settings of ``tests.fanout.measure``: the services leg on a database of its own."""

import os

os.environ["NOTIFICATIONS_TEST_SERVICES"] = "1"

from tests.settings import *  # noqa: F403
from tests.settings import DATABASES

DATABASES["default"]["TEST"] = {"NAME": f"notifications_measure_{os.getpid()}"}
NOTIFICATIONS = {"TRANSPORT": "tests.fanout.counting.CountingTransport"}
