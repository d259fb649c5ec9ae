"""notifications.W007: PostgreSQL under ASGI without Django's connection pool."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from notifications.checks import check_connection_pool

pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")

ASGI = "mysite.asgi.application"


def postgres(**extra: Any) -> dict[str, Any]:
    return {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "app", **extra}}


@pytest.mark.parametrize(
    ("extra", "effect"),
    [
        ({}, "every request opens a new PostgreSQL connection"),
        ({"CONN_MAX_AGE": 60}, "each keep a persistent connection"),
        ({"OPTIONS": {"pool": False}}, "every request opens a new PostgreSQL connection"),
    ],
    ids=["conn-max-age-0", "conn-max-age-60", "pool-false"],
)
def test_postgresql_under_asgi_without_the_pool_is_flagged(extra, effect):
    with override_settings(ASGI_APPLICATION=ASGI, DATABASES=postgres(**extra)):
        (warning,) = check_connection_pool()

    assert warning.id == "notifications.W007"
    assert "DATABASES['default']" in warning.msg
    assert effect in warning.msg
    assert '"pool": True' in warning.hint


@pytest.mark.parametrize(
    ("asgi", "databases"),
    [
        (ASGI, postgres(OPTIONS={"pool": True})),
        (ASGI, postgres(OPTIONS={"pool": {"min_size": 2, "max_size": 10}})),
        (None, postgres()),
        (ASGI, {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}),
    ],
    ids=["pool-true", "pool-sizes", "no-asgi", "sqlite"],
)
def test_the_pool_wsgi_and_other_databases_pass(asgi, databases):
    with override_settings(ASGI_APPLICATION=asgi, DATABASES=databases):
        assert check_connection_pool() == []


def test_each_database_is_checked_by_alias():
    databases = {
        "default": postgres(OPTIONS={"pool": True})["default"],
        "replica": postgres()["default"],
    }
    with override_settings(ASGI_APPLICATION=ASGI, DATABASES=databases):
        (warning,) = check_connection_pool()

    assert "DATABASES['replica']" in warning.msg


def test_manage_py_check_reports_it():
    with (
        override_settings(ASGI_APPLICATION=ASGI, DATABASES=postgres()),
        pytest.raises(SystemCheckError, match=r"notifications\.W007"),
    ):
        call_command("check", fail_level="WARNING", databases=[])  # 6.1 would open them
