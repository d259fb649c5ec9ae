"""Print the schema of one URL form and drf-spectacular's warnings as JSON.

``python -m tests.schema.generate seed|include`` (DJANGO_SETTINGS_MODULE is
set to :mod:`tests.schema.spectacular_settings`).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def main(form: str) -> dict[str, Any]:
    """The schema of ``form`` ("seed" or "include") and the generator's problems."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.schema.spectacular_settings"
    import django

    django.setup()
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    from tests.urls import include_urlpatterns, seed_urlpatterns

    patterns = {"seed": seed_urlpatterns, "include": include_urlpatterns}[form]
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(patterns=patterns).get_schema(public=True)
    problems = {**GENERATOR_STATS._warn_cache, **GENERATOR_STATS._error_cache}
    validate_schema(schema)  # raises on an invalid OpenAPI 3 document
    return {"schema": schema, "problems": problems}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
