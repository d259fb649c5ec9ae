"""Checks for a transaction pooler (PgBouncer) in front of PostgreSQL: W030 and W031."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import run_checks
from django.test import override_settings

# The checks only read DATABASES; no connection is opened with these.
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")

POSTGRES = {"ENGINE": "django.db.backends.postgresql", "NAME": "app", "HOST": "db"}


def warnings_with(databases: dict[str, Any], notifications: dict[str, Any]) -> set[str]:
    with override_settings(DATABASES=databases, NOTIFICATIONS=notifications):
        return {m.id for m in run_checks() if m.id in {"notifications.W030", "notifications.W031"}}


@pytest.mark.parametrize(
    ("databases", "notifications"),
    [
        ({"default": {**POSTGRES, "PORT": "6432"}}, {"BUS": "database"}),
        ({"default": {**POSTGRES, "PORT": "5433"}}, {"POOLED_DATABASES": ["default"]}),
    ],
    ids=["pgbouncer-port", "declared"],
)
def test_the_bus_listening_through_a_pooler_is_warned(
    databases: dict[str, Any], notifications: dict[str, Any]
) -> None:
    assert warnings_with(databases, notifications) == {"notifications.W030"}


@pytest.mark.parametrize(
    "notifications",
    [
        {"BUS": "database", "BUS_LISTEN_DATABASE": "direct"},
        {"BUS": "database", "BUS_LISTEN_DATABASE": "postgresql://db:5432/app"},
        {"REDIS_URL": "redis://127.0.0.1:6379/0"},
    ],
    ids=["direct-alias", "dsn", "redis-bus"],
)
def test_a_direct_listen_connection_or_another_bus_is_not_warned(
    notifications: dict[str, Any],
) -> None:
    databases = {
        "default": {**POSTGRES, "PORT": "6432"},
        "direct": {**POSTGRES, "PORT": "5432"},
    }
    assert warnings_with(databases, notifications) == set()


def test_server_side_binding_through_a_pooler_needs_prepare_threshold_none() -> None:
    binding = {**POSTGRES, "PORT": "6432", "OPTIONS": {"server_side_binding": True}}
    fixed = {**binding, "OPTIONS": {"server_side_binding": True, "prepare_threshold": None}}
    settings = {"BUS_LISTEN_DATABASE": "postgresql://db:5432/app"}

    assert warnings_with({"default": binding}, settings) == {"notifications.W031"}
    assert warnings_with({"default": fixed}, settings) == set()
