"""System checks of the channels: each misconfiguration names what to change."""

from __future__ import annotations

from typing import Any

import pytest

from notifications.checks import check_channels
from tests.outbound.conftest import CHANNEL_EVENTS


def ids(settings: Any) -> list[str]:
    return [message.id for message in check_channels()]


def test_the_test_configuration_is_clean(channel_settings: Any, vapid_pem: str) -> None:
    channel_settings.NOTIFICATIONS = {
        **channel_settings.NOTIFICATIONS,
        "WEB_PUSH_VAPID_PRIVATE_KEY": vapid_pem,
    }
    assert ids(channel_settings) == []


def test_seed_events_need_nothing(settings: Any) -> None:
    assert ids(settings) == []


@pytest.mark.parametrize(
    "channels",
    [
        "email",
        {"email": "yes"},
        {"email": {"digest": {"after_minutes": 5}}},
        {"web_push": {"digest": {"after_minutes": 5, "every_hours": 1}}},
        {"in_app": False},
        {"email": {"default": 1}},
    ],
)
def test_malformed_channels_are_e010(settings: Any, channels: Any) -> None:
    settings.EVENTS = [{"name": "x", "title": "X", "channels": channels}]
    settings.NOTIFICATIONS = {"BASE_URL": "https://example.com"}
    assert ids(settings) == ["notifications.E010"]


def test_unknown_channel_is_e011(settings: Any) -> None:
    settings.EVENTS = [{"name": "x", "title": "X", "channels": ["pager"]}]  # sms is one now
    assert ids(settings) == ["notifications.E011"]


def test_email_without_base_url_is_e012(settings: Any) -> None:
    settings.EVENTS = CHANNEL_EVENTS[:2]
    settings.NOTIFICATIONS = {"WEB_PUSH_VAPID_PRIVATE_KEY": None}
    assert ids(settings) == ["notifications.E012", "notifications.W010"]


def test_a_bad_vapid_key_leaves_web_push_off(channel_settings: Any, member: Any) -> None:
    from tests.conftest import client_for

    channel_settings.NOTIFICATIONS = {
        **channel_settings.NOTIFICATIONS,
        "WEB_PUSH_VAPID_PRIVATE_KEY": "not a key",
    }
    assert ids(channel_settings) == ["notifications.W010"]
    response = client_for(member("ann")).get("/api/notifications/preferences")
    assert response.json()["channels"] == ["in_app", "email"]


def test_check_deploy_warns_while_private_addresses_are_allowed(settings: Any) -> None:
    from django.core import checks

    def deploy_ids() -> list[str]:
        return [m.id for m in checks.run_checks(include_deployment_checks=True) if m.id]

    assert "notifications.W023" not in deploy_ids()
    settings.NOTIFICATIONS = {"OUTBOUND_UNSAFE_ALLOW": ["127.0.0.1/32"]}
    assert "notifications.W023" in deploy_ids()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("OUTBOUND_UNSAFE_ALLOW", ["not a network"]),
        ("OUTBOUND_TIMEOUT", 0),
        ("WEB_PUSH_SERVICES", "fcm.googleapis.com"),
        ("WEB_PUSH_MAX_SUBSCRIPTIONS", 0),
    ],
)
def test_outbound_settings_are_checked(settings: Any, key: str, value: Any) -> None:
    from notifications.conf import check_values

    settings.NOTIFICATIONS = {key: value}
    assert [m.id for m in check_values()] == ["notifications.E007"]
