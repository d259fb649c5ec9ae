"""Settings of the live server (tests/security/live.py): the test settings on its own database.

LIVE_DB_NAME is a PostgreSQL database on the services leg, an SQLite file
otherwise. SQLite keeps Django's default (deferred) transactions here, so the
concurrency tests show the package needs no IMMEDIATE mode to stay correct.
Every warning and error goes to stderr (the server log the tests read):
Django's default logging prints nothing with DEBUG off.
"""

import os

from tests.settings import *  # noqa: F403
from tests.settings import DATABASES, SERVICES

DATABASES["default"]["NAME"] = os.environ["LIVE_DB_NAME"]
if SERVICES:
    DATABASES["default"]["OPTIONS"] = {"pool": {"min_size": 1, "max_size": 20}}
else:
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler", "level": "WARNING"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}
