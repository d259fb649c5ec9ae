"""System checks on ``NOTIFICATIONS``: value types and ranges (E007), a bus that imports (E006)."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

LOCMEM = "notifications.realtime.bus.locmem.LocmemBus"
#: Besides the errors: the unknown-key warning (the bus's I002 and W006 are other tests').
CHECKED = {"notifications.W001"}


def messages_of(notifications: object) -> list:
    with override_settings(NOTIFICATIONS=notifications):
        return [m for m in run_checks() if m.id in CHECKED or m.id.startswith("notifications.E")]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("MAX_BATCH_IDS", 0),
        ("MAX_BATCH_IDS", "1000"),
        ("MAX_BATCH_IDS", True),
        ("FANOUT_BATCH_SIZE", -5),
        ("FANOUT_BATCH_SIZE", 50.0),
        ("ASYNC_FANOUT_THRESHOLD", -1),
        ("ASYNC_FANOUT_THRESHOLD", "10"),
        ("REDIS_URL", 6379),
        ("REDIS_PREFIX", "has space"),
        ("REDIS_PREFIX", ""),
        ("REDIS_PREFIX", "x" * 81),
        ("REDIS_CLUSTER_URLS", "redis://127.0.0.1:7000"),
        ("REDIS_SENTINEL_URLS", []),
        ("BUS_LISTEN_DATABASE", 5432),
        ("POOLED_DATABASES", "default"),
        ("BUS_CONNECT_TIMEOUT", "3"),
        ("BUS_POLL_INTERVAL", -0.5),
        ("BUS_RETENTION", True),
        ("BUS_GAP_TIMEOUT", None),
        ("PUSH_INLINE_MAX", -1),
        ("SOCKET_QUEUE_SIZE", 0),
        ("REVALIDATE_INTERVAL", "60"),
        ("ALLOW_QUERY_TOKEN", "yes"),
        ("MAX_BODY_BYTES", None),
        ("MAX_PAGE_SIZE", "many"),
    ],
)
def test_a_bad_value_is_an_error_naming_the_key(key, value):
    found = messages_of({key: value})

    assert [m.id for m in found] == ["notifications.E007"]
    assert f"NOTIFICATIONS[{key!r}]" in found[0].msg
    assert repr(value) in found[0].msg
    assert found[0].hint.startswith(f"Fix NOTIFICATIONS[{key!r}] or remove it (default: ")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("MAX_BATCH_IDS", 1),
        ("ASYNC_FANOUT_THRESHOLD", None),
        ("ASYNC_FANOUT_THRESHOLD", 0),
        ("REDIS_PREFIX", "my-site:notifications.v2"),
        ("BUS_POLL_INTERVAL", 0.05),
        ("PUSH_INLINE_MAX", 0),
        ("ALLOW_QUERY_TOKEN", True),
        ("BUS", LOCMEM),
        ("BUS", "database"),
    ],
)
def test_good_values_pass(key, value):
    assert messages_of({key: value}) == []


def test_notifications_must_be_a_dict():
    found = messages_of([("MAX_BATCH_IDS", 10)])

    assert [m.id for m in found] == ["notifications.E007"]
    assert found[0].msg == "NOTIFICATIONS must be a dict, not list."


@pytest.mark.parametrize(
    "path",
    [
        "notifications.realtime.bus.nope.NopeBus",
        "notifications.realtime.bus.locmem.NoSuchClass",
        "NoDots",
    ],
)
def test_a_bus_that_does_not_import_is_an_error(path):
    found = messages_of({"BUS": path})

    assert [m.id for m in found] == ["notifications.E006"]
    assert found[0].msg.startswith(f"NOTIFICATIONS['BUS'] names {path!r}, which does not import: ")


def test_a_bus_named_like_the_local_one_is_imported_not_matched_by_name():
    found = messages_of({"BUS": "myproject.buses.LocalBus"})

    assert [m.id for m in found] == ["notifications.E006"]


def test_unknown_keys_still_warn_beside_errors():
    found = messages_of({"MAX_PAGE_SIZE": 0, "MAX_PAGE": 10})

    assert [m.id for m in found] == ["notifications.E007", "notifications.W001"]


def test_check_command_stops_on_a_bad_value():
    with (
        override_settings(NOTIFICATIONS={"MAX_BODY_BYTES": "64k"}),
        pytest.raises(SystemCheckError) as raised,
    ):
        call_command("check")

    assert "notifications.E007" in str(raised.value)
    assert "HINT" in str(raised.value)
