"""System checks on ``NOTIFICATIONS``: each value's type and range, and dotted paths that import."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

LOCMEM = "notifications.transports.locmem.LocmemTransport"


def messages_of(notifications: object) -> list:
    with override_settings(NOTIFICATIONS=notifications):
        return [m for m in run_checks() if m.id and m.id.startswith("notifications.")]


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
        ("TRANSPORT", 42),
        ("TRANSPORT", ""),
        ("CHANNEL_LAYER", ["default"]),
        ("CHANNEL_LAYER", ""),
        ("PUSH_CONCURRENCY", 0),
        ("MAX_BODY_BYTES", None),
        ("MAX_PAGE_SIZE", "many"),
        ("GROUP_PREFIX", "has space"),
        ("GROUP_PREFIX", ""),
        ("GROUP_PREFIX", "x" * 81),
    ],
)
def test_a_bad_value_is_an_error_naming_the_key(key, value):
    found = messages_of({key: value})

    assert [m.id for m in found] == ["notifications.E006"]
    assert f"NOTIFICATIONS[{key!r}]" in found[0].msg
    assert repr(value) in found[0].msg
    assert found[0].hint.startswith(f"Fix NOTIFICATIONS[{key!r}] or remove it (default: ")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("MAX_BATCH_IDS", 1),
        ("ASYNC_FANOUT_THRESHOLD", None),
        ("ASYNC_FANOUT_THRESHOLD", 0),
        ("GROUP_PREFIX", "my-site_notifications.v2"),
        ("TRANSPORT", LOCMEM),
    ],
)
def test_good_values_pass(key, value):
    assert messages_of({key: value}) == []


def test_notifications_must_be_a_dict():
    found = messages_of([("MAX_BATCH_IDS", 10)])

    assert [m.id for m in found] == ["notifications.E006"]
    assert found[0].msg == "NOTIFICATIONS must be a dict, not list."


@pytest.mark.parametrize(
    "path",
    [
        "notifications.transports.nope.NopeTransport",
        "notifications.transports.locmem.NoSuchClass",
        "NoDots",
    ],
)
def test_a_transport_that_does_not_import_is_an_error(path):
    found = messages_of({"TRANSPORT": path})

    assert [m.id for m in found] == ["notifications.E007"]
    assert found[0].msg.startswith(f"NOTIFICATIONS['TRANSPORT'] = {path!r} does not import: ")


def test_a_transport_named_like_the_default_is_imported_not_matched_by_name():
    found = messages_of({"TRANSPORT": "myproject.push.ChannelLayerTransport"})

    assert [m.id for m in found] == ["notifications.E007"]


def test_unknown_keys_still_warn_beside_errors():
    found = messages_of({"MAX_PAGE_SIZE": 0, "MAX_PAGE": 10})

    assert [m.id for m in found] == ["notifications.E006", "notifications.W001"]


def test_check_command_stops_on_a_bad_value():
    with (
        override_settings(NOTIFICATIONS={"MAX_BODY_BYTES": "64k"}),
        pytest.raises(SystemCheckError) as raised,
    ):
        call_command("check")

    assert "notifications.E006" in str(raised.value)
    assert "HINT" in str(raised.value)
