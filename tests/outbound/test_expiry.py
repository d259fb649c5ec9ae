"""An expired notification is never emailed, Web-Pushed or put in a digest, whichever path."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from notifications.helpers import send_notification
from notifications.models import Delivery, Event, Notification
from notifications.outbound import tasks
from tests.conftest import client_for
from tests.outbound import failing
from tests.outbound.conftest import API, use_email_backend
from tests.outbound.push_service import PushService, push_service

pytestmark = pytest.mark.usefixtures("channel_settings")


def expire_now() -> None:
    past = timezone.now() - datetime.timedelta(seconds=1)
    Notification.objects.update(expires=past)
    Event.objects.update(expires=past)


@pytest.fixture
def service(web_push_settings: Any) -> Iterator[PushService]:
    with push_service() as running:
        yield running


def test_expired_before_the_task_ran_is_neither_emailed_nor_pushed(
    member: Any, service: PushService, django_capture_on_commit_callbacks: Any
) -> None:
    ann = member("ann")
    client_for(ann).post(f"{API}/push/subscriptions", service.browser().to_json(), format="json")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send_notification(
            type="post_like", title="Soon stale", users=[ann], expires=datetime.timedelta(hours=1)
        )
    expire_now()
    for callback in callbacks:
        callback()
    assert mail.outbox == []
    assert service.received == []
    assert not Delivery.objects.exists()  # expired before it was planned: not even a record


def test_expired_before_the_retry_is_not_emailed(
    member: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    use_email_backend(settings, "tests.outbound.failing.FlakyBackend")
    failing.failures.clear()
    failing.failures["ann@example.com"] = 1
    ann = member("ann")
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(
            type="post_like", title="Hi", users=[ann], expires=datetime.timedelta(hours=1)
        )
    assert Delivery.objects.get().status == "failed"
    expire_now()
    Delivery.objects.update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        tasks.run_periodic()
    failing.failures.clear()
    assert mail.outbox == []
    record = Delivery.objects.get()
    assert (record.status, record.reason) == ("skipped", "expired")


def test_an_expired_notification_is_left_out_of_the_digest(
    member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ann = member("ann")
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(
            type="weekly", title="Stale news", users=[ann], expires=datetime.timedelta(hours=1)
        )
        send_notification(type="weekly", title="Fresh news", users=[ann])
    Notification.objects.filter(event__title="Stale news").update(
        expires=timezone.now() - datetime.timedelta(seconds=1)
    )
    Event.objects.update(timestamp=timezone.now() - datetime.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.run_periodic()
    (message,) = mail.outbox
    assert "Fresh news" in message.body
    assert "Stale news" not in message.body
