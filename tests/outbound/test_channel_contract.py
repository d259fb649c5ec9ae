"""One behaviour suite that every delivery channel passes: email, Web Push, signed webhooks,
Slack, Teams, Discord, FCM, SMS (Twilio) and the locmem double.

Like ``tests/ws/test_bus_contract.py`` for the buses. A new channel (FCM, SMS,
chat, webhooks) plugs in with a :class:`Harness`: how to make a recipient that
works, one that fails for good and one that fails once, and how many messages
reached a recipient.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from notifications.event_types import sync_event_types
from notifications.helpers import send_notification
from notifications.models import Delivery, Notification
from notifications.outbound import locmem, tasks
from notifications.outbound.registry import get_channel
from tests.conftest import client_for
from tests.outbound import failing, stand_ins
from tests.outbound.conftest import API, CHANNEL_EVENTS, use_email_backend
from tests.outbound.push_service import PushService, push_service
from tests.outbound.stand_ins import StandIn, stand_in

pytestmark = pytest.mark.usefixtures("channel_settings")


class Harness:
    """What the suite needs to know about one channel."""

    channel = ""

    def __init__(self, member: Any) -> None:
        self.member = member

    def good(self, name: str) -> Any:
        """A user whose deliveries on this channel succeed."""
        raise NotImplementedError

    def bad(self, name: str) -> Any:
        """A user whose delivery fails for good (a malformed address, a 4xx)."""
        raise NotImplementedError

    def flaky(self, name: str) -> Any:
        """A user whose first delivery attempt fails transiently, the next succeeds."""
        raise NotImplementedError

    def received(self, user: Any) -> int:
        """How many messages reached ``user`` (over all their destinations)."""
        raise NotImplementedError


class EmailHarness(Harness):
    channel = "email"

    def good(self, name: str) -> Any:
        return self.member(name)

    def bad(self, name: str) -> Any:
        return self.member(name, email=f"{name}@example.com\nBcc: eve@example.com")

    def flaky(self, name: str) -> Any:
        failing.failures[f"{name}@example.com"] = 1
        return self.member(name)

    def received(self, user: Any) -> int:
        return sum(1 for m in mail.outbox if m.to == [user.email])


class WebPushHarness(Harness):
    channel = "web_push"

    def __init__(self, member: Any, service: PushService) -> None:
        super().__init__(member)
        self.service = service
        self.paths: dict[Any, set[str]] = {}

    def _with(self, name: str, kind: str) -> Any:
        user = self.member(name)
        browser = self.service.browser(kind)
        response = client_for(user).post(
            f"{API}/push/subscriptions", browser.to_json(), format="json"
        )
        assert response.status_code == 201
        self.paths[user.pk] = {browser.endpoint.removeprefix(self.service.origin)}
        return user

    def good(self, name: str) -> Any:
        return self._with(name, "ok")

    def bad(self, name: str) -> Any:
        return self._with(name, "bad")

    def flaky(self, name: str) -> Any:
        return self._with(name, "flaky")

    def received(self, user: Any) -> int:
        return sum(1 for path in self.service.accepted if path in self.paths[user.pk])


class LocmemHarness(Harness):
    channel = "locmem"

    def good(self, name: str) -> Any:
        return self.member(name)

    def bad(self, name: str) -> Any:
        user = self.member(name)
        locmem.permanent.add(f"user:{user.pk}")
        return user

    def flaky(self, name: str) -> Any:
        user = self.member(name)
        locmem.transient[f"user:{user.pk}"] = 1
        return user

    def received(self, user: Any) -> int:
        return sum(1 for m in locmem.outbox if m.user_id == user.pk)


class WebhookHarness(Harness):
    """Project endpoints: the receiver answers by the user the message is for."""

    channel = "webhook"

    def __init__(self, member: Any, service: StandIn) -> None:
        super().__init__(member)
        self.service = service

    def _with(self, name: str, kind: str) -> Any:
        user = self.member(name)
        self.service.kinds[str(user.pk)] = kind
        return user

    def good(self, name: str) -> Any:
        return self._with(name, "ok")

    def bad(self, name: str) -> Any:
        return self._with(name, "bad")

    def flaky(self, name: str) -> Any:
        return self._with(name, "flaky")

    def received(self, user: Any) -> int:
        return len(self.service.for_key(user.pk))


class SlackHarness(WebhookHarness):
    """Direct messages (chat.postMessage): the Web API answers by member id."""

    channel = "slack"

    def _with(self, name: str, kind: str) -> Any:
        user = self.member(name)
        stand_ins.members[user.pk] = f"U{kind}{user.pk}"
        self.service.kinds[f"U{kind}{user.pk}"] = kind
        return user

    def received(self, user: Any) -> int:
        return len(self.service.for_key(stand_ins.members[user.pk]))


class UserWebhookHarness(WebhookHarness):
    """Teams and Discord: each user's own webhook URL, whose path says how it answers."""

    def __init__(self, member: Any, service: StandIn, channel: str) -> None:
        super().__init__(member, service)
        self.channel = channel

    def _with(self, name: str, kind: str) -> Any:
        user = self.member(name)
        stand_ins.user_urls[self.channel, user.pk] = self.service.url(self.channel, kind, user.pk)
        return user

    def received(self, user: Any) -> int:
        path = stand_ins.user_urls[self.channel, user.pk].removeprefix(self.service.origin)
        return len(self.service.for_key(path))


class FCMHarness(WebhookHarness):
    """Devices registered over REST; FCM answers by the device token's prefix."""

    channel = "fcm"

    def _with(self, name: str, kind: str) -> Any:
        user = self.member(name)
        response = client_for(user).post(
            f"{API}/devices", {"token": f"{kind}-{user.pk}", "platform": "android"}, format="json"
        )
        assert response.status_code == 201
        return user

    def received(self, user: Any) -> int:
        return sum(
            1 for r in self.service.accepted if r.key.endswith(f"-{user.pk}") and "/v1/" in r.path
        )


class SMSHarness(WebhookHarness):
    """A phone number per user; the Messages API answers by the number."""

    channel = "sms"

    def _with(self, name: str, kind: str) -> Any:
        user = self.member(name)
        stand_ins.phones[user.pk] = f"+1555{user.pk:07d}"
        self.service.kinds[stand_ins.phones[user.pk]] = kind
        return user

    def received(self, user: Any) -> int:
        return len(self.service.for_key(stand_ins.phones[user.pk]))


STAND_IN_SETTINGS = {
    "SLACK_BOT_TOKEN": stand_ins.SLACK_TOKEN,
    "SLACK_USER_ID": "tests.outbound.stand_ins.slack_member",
    "TEAMS_USER_WEBHOOK_URL": "tests.outbound.stand_ins.teams_webhook",
    "DISCORD_USER_WEBHOOK_URL": "tests.outbound.stand_ins.discord_webhook",
    "SMS_PHONE_NUMBER": "tests.outbound.stand_ins.phone_number",
    "TWILIO_ACCOUNT_SID": stand_ins.TWILIO_SID,
    "TWILIO_AUTH_TOKEN": stand_ins.TWILIO_TOKEN,
    "TWILIO_FROM": "+15550000000",
}


@pytest.fixture(
    params=["email", "web_push", "locmem", "webhook", "slack", "teams", "discord", "fcm", "sms"]
)
def harness(
    request: pytest.FixtureRequest, settings: Any, member: Any, vapid_pem: str
) -> Iterator[Harness]:
    channel = request.param
    use_email_backend(settings, "tests.outbound.failing.FlakyBackend")
    settings.NOTIFICATIONS = {
        **settings.NOTIFICATIONS,
        "CHANNELS": {
            "email": "notifications.outbound.email.EmailChannel",
            "web_push": "notifications.outbound.web_push.WebPushChannel",
            "locmem": "notifications.outbound.locmem.LocmemChannel",
        },
        "WEB_PUSH_VAPID_PRIVATE_KEY": vapid_pem,
        "WEB_PUSH_CONTACT": "mailto:ops@example.com",
        "OUTBOUND_UNSAFE_ALLOW": ["127.0.0.1/32"],
        "WEB_PUSH_SERVICES": ["127.0.0.1"],
    }
    settings.EVENTS = [
        *CHANNEL_EVENTS,
        {"name": "contract", "title": "Contract", "channels": [channel]},
    ]
    sync_event_types()
    failing.failures.clear()
    locmem.reset()
    with ExitStack() as stack:
        if channel in CLASSES:
            service = stack.enter_context(stand_in())
            settings.NOTIFICATIONS = {
                **settings.NOTIFICATIONS,
                **STAND_IN_SETTINGS,
                "CHANNELS": {channel: f"notifications.outbound.{CLASSES[channel]}"},
                "SLACK_API_URL": f"{service.origin}/api",
                "WEBHOOK_ENDPOINTS": {
                    "main": {"url": f"{service.origin}/hooks/main", "secret": stand_ins.SECRET}
                },
                "FCM_CREDENTIALS": service.service_account(),
                "FCM_API_URL": service.origin,
                "TWILIO_API_URL": service.origin,
            }
            if channel == "webhook":
                yield WebhookHarness(member, service)
            elif channel == "slack":
                yield SlackHarness(member, service)
            elif channel == "fcm":
                yield FCMHarness(member, service)
            elif channel == "sms":
                yield SMSHarness(member, service)
            else:
                yield UserWebhookHarness(member, service, channel)
            assert service.errors == []  # every request had the service's wire format
        elif channel == "email":
            yield EmailHarness(member)
        elif channel == "web_push":
            yield WebPushHarness(member, stack.enter_context(push_service()))
        else:
            yield LocmemHarness(member)
    failing.failures.clear()
    locmem.reset()


CLASSES = {
    "webhook": "webhooks.WebhookChannel",
    "slack": "chat.SlackChannel",
    "teams": "chat.TeamsChannel",
    "discord": "chat.DiscordChannel",
    "fcm": "fcm.FCMChannel",
    "sms": "sms.SMSChannel",
}


def send(users: list[Any], capture: Any, **kwargs: Any) -> None:
    with capture(execute=True):
        send_notification(type="contract", title="Contract", users=users, **kwargs)


def records(harness: Harness) -> dict[Any, Delivery]:
    return {r.notification.user_id: r for r in Delivery.objects.filter(channel=harness.channel)}


def retry_due(capture: Any) -> None:
    Delivery.objects.filter(status="failed", next_attempt_at__isnull=False).update(
        next_attempt_at=timezone.now()
    )
    with capture(execute=True):
        tasks.run_periodic()


def test_each_recipient_gets_it_once(
    harness: Harness, django_capture_on_commit_callbacks: Any
) -> None:
    ann, bob = harness.good("ann"), harness.good("bob")
    send([ann, bob], django_capture_on_commit_callbacks)
    assert (harness.received(ann), harness.received(bob)) == (1, 1)
    assert {(r.status, r.attempts) for r in records(harness).values()} == {("sent", 1)}
    retry_due(django_capture_on_commit_callbacks)  # nothing is due: nothing again
    assert (harness.received(ann), harness.received(bob)) == (1, 1)


def test_a_bad_recipient_fails_alone_and_for_good(
    harness: Harness, django_capture_on_commit_callbacks: Any
) -> None:
    bad, good = harness.bad("ann"), harness.good("bob")  # the bad one sorts first
    send([bad, good], django_capture_on_commit_callbacks)
    assert harness.received(good) == 1
    by_user = records(harness)
    assert by_user[good.pk].status == "sent"
    assert (by_user[bad.pk].status, by_user[bad.pk].next_attempt_at) == ("failed", None)
    assert by_user[bad.pk].error


def test_a_transient_failure_is_retried_and_delivered_once(
    harness: Harness, django_capture_on_commit_callbacks: Any
) -> None:
    flaky, good = harness.flaky("ann"), harness.good("bob")
    send([flaky, good], django_capture_on_commit_callbacks)
    by_user = records(harness)
    assert by_user[flaky.pk].status == "failed"
    assert by_user[flaky.pk].next_attempt_at is not None
    retry_due(django_capture_on_commit_callbacks)
    assert (harness.received(flaky), harness.received(good)) == (1, 1)
    by_user = records(harness)
    assert (by_user[flaky.pk].status, by_user[flaky.pk].attempts) == ("sent", 2)


def test_expired_or_read_before_the_task_ran_is_not_sent(
    harness: Harness, django_capture_on_commit_callbacks: Any
) -> None:
    ann, bob = harness.good("ann"), harness.good("bob")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send_notification(
            type="contract", title="C", users=[ann, bob], expires=datetime.timedelta(hours=1)
        )
    Notification.objects.filter(user=ann).update(
        expires=timezone.now() - datetime.timedelta(seconds=1)
    )
    Notification.objects.filter(user=bob).update(readed=timezone.now())
    for callback in callbacks:
        callback()
    assert (harness.received(ann), harness.received(bob)) == (0, 0)
    by_user = records(harness)
    assert ann.pk not in by_user  # expired before it was planned: no delivery at all
    assert (by_user[bob.pk].status, by_user[bob.pk].reason) == ("skipped", "read")


def test_send_returns_an_outcome_for_every_notification(
    harness: Harness, django_capture_on_commit_callbacks: Any
) -> None:
    users = [harness.good("ann"), harness.bad("bob"), harness.flaky("cy")]
    with django_capture_on_commit_callbacks(execute=False):
        send_notification(type="contract", title="C", users=users)
    rows = list(Notification.objects.select_related("event__type", "user"))
    outcomes = get_channel(harness.channel).send(rows, {})
    assert set(outcomes) == {row.pk for row in rows}
