"""tests.settings plus drf-spectacular, as a project that publishes the schema configures it.

drf-spectacular binds ``DEFAULT_SCHEMA_CLASS`` when the views are imported, so
the schema is generated in a process started with these settings
(``python -m tests.schema.generate``).
"""

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS, REST_FRAMEWORK

INSTALLED_APPS = [*INSTALLED_APPS, "drf_spectacular"]
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}
SPECTACULAR_SETTINGS = {"TITLE": "notifications tests", "VERSION": "1"}
