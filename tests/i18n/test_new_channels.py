"""SMS, signed webhooks and Discord carry each recipient's language, like email and Web Push."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from notifications.event_types import sync_event_types
from notifications.helpers import send_notification
from notifications.models import Delivery
from tests.i18n.conftest import EVENTS
from tests.outbound import stand_ins
from tests.outbound.conftest import channel_settings, member
from tests.outbound.stand_ins import SECRET, TWILIO_SID, TWILIO_TOKEN, StandIn, stand_in

__all__ = ["channel_settings", "member"]  # shared fixtures

CHANNELS = ["in_app", "sms", "webhook", "discord"]


@pytest.fixture
def service(channel_settings: Any, languages: None) -> Iterator[StandIn]:
    with stand_in() as running:
        channel_settings.EVENTS = [{**entry, "channels": CHANNELS} for entry in EVENTS]
        channel_settings.NOTIFICATIONS = {
            **channel_settings.NOTIFICATIONS,
            "OUTBOUND_UNSAFE_ALLOW": ["127.0.0.1/32"],
            "OUTBOUND_TIMEOUT": 1.0,
            "SMS_PHONE_NUMBER": "tests.outbound.stand_ins.phone_number",
            "TWILIO_ACCOUNT_SID": TWILIO_SID,
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "TWILIO_FROM": "+15550000000",
            "TWILIO_API_URL": running.origin,
            "WEBHOOK_ENDPOINTS": {
                "main": {"url": f"{running.origin}/hooks/main", "secret": SECRET}
            },
            "DISCORD_USER_WEBHOOK_URL": "tests.outbound.stand_ins.discord_webhook",
        }
        sync_event_types()
        yield running
        assert running.errors == []


def test_each_recipient_reads_the_send_in_their_language_on_every_channel(
    service: StandIn, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ann, bob = member("ann"), member("bob")
    for user in (ann, bob):
        stand_ins.phones[user.pk] = f"+1555{user.pk:07d}"
        stand_ins.user_urls["discord", user.pk] = service.url("discord", "ok", user.pk)
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="liked", users=[ann, bob], author=ann, params={"post": "Cats"})

    sms = {r.key: r.body["Body"] for r in service.accepted if r.path.startswith("/2010-04-01")}
    assert sms[f"+1555{ann.pk:07d}"].startswith("ann liked your post: Post: Cats")
    assert sms[f"+1555{bob.pk:07d}"].startswith("ann polubił(a) Twój wpis: Wpis: Cats")
    hooks = {r.key: r.body["data"]["event"] for r in service.accepted if r.path == "/hooks/main"}
    assert (hooks[str(ann.pk)]["title"], hooks[str(ann.pk)]["message"]) == (
        "ann liked your post",
        "Post: Cats",
    )
    assert (hooks[str(bob.pk)]["title"], hooks[str(bob.pk)]["message"]) == (
        "ann polubił(a) Twój wpis",
        "Wpis: Cats",
    )
    discord = sorted(r.body["content"] for r in service.accepted if r.path.startswith("/discord"))
    assert [text.splitlines()[0] for text in discord] == [
        "ann liked your post",
        "ann polubił(a) Twój wpis",
    ]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
