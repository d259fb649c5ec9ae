"""Delivery records: outcomes, retries with backoff, never twice, signals, both task backends."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from notifications import signals
from notifications.helpers import send_notification
from notifications.models import Delivery, Notification
from notifications.outbound import tasks
from notifications.outbound.deliveries import backoff
from tests.outbound import failing
from tests.outbound.conftest import use_email_backend

pytestmark = pytest.mark.usefixtures("channel_settings")


@pytest.fixture
def flaky(settings: Any) -> Iterator[dict[str, int]]:
    use_email_backend(settings, "tests.outbound.failing.FlakyBackend")
    failing.failures.clear()
    yield failing.failures
    failing.failures.clear()


@pytest.fixture
def outcomes() -> Iterator[list[tuple[str, Any, Any]]]:
    """(signal, delivery status, extra) for every delivery signal sent."""
    seen: list[tuple[str, Any, Any]] = []
    handlers = {}
    for name in ("delivery_sent", "delivery_skipped", "delivery_failed"):

        def handler(sender: Any, delivery: Any, name: str = name, **kwargs: Any) -> None:
            seen.append((name, delivery.notification.user.email, kwargs.get("final")))

        handlers[name] = handler
        getattr(signals, name).connect(handler)
    yield seen
    for name, handler in handlers.items():
        getattr(signals, name).disconnect(handler)


def make_due() -> None:
    Delivery.objects.filter(status="failed", next_attempt_at__isnull=False).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def test_backoff_doubles_up_to_an_hour(settings: Any) -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 8)] == [60, 120, 240, 3600]


def test_a_failure_is_recorded_then_retried_once_due(
    member: Any, flaky: dict[str, int], outcomes: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    ann, bob = member("ann"), member("bob")
    flaky["ann@example.com"] = 1
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="post_like", title="Hi", users=[ann, bob])
    assert [m.to[0] for m in mail.outbox] == ["bob@example.com"]
    failed = Delivery.objects.get(status="failed")
    assert failed.notification.user == ann
    assert failed.attempts == 1
    assert "connection lost sending to ann@example.com" in failed.error
    assert failed.next_attempt_at is not None
    assert failed.next_attempt_at >= before + datetime.timedelta(seconds=60)
    assert sorted(outcomes) == [
        ("delivery_failed", "ann@example.com", False),
        ("delivery_sent", "bob@example.com", None),
    ]

    assert tasks.run_periodic() == {"retry_batches": 0, "digest_batches": 0}  # not due yet
    make_due()
    assert tasks.run_periodic() == {"retry_batches": 1, "digest_batches": 0}
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@example.com", "bob@example.com"]
    retried = Delivery.objects.get(pk=failed.pk)
    assert (retried.status, retried.attempts, retried.error) == ("sent", 2, "")
    assert retried.next_attempt_at is None


def test_attempts_stop_at_the_maximum(
    member: Any,
    settings: Any,
    flaky: dict[str, int],
    outcomes: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "DELIVERY_MAX_ATTEMPTS": 3}
    ann = member("ann")
    flaky["ann@example.com"] = 10
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="post_like", title="Hi", users=[ann])
    for _ in range(4):
        make_due()
        tasks.run_periodic()
    record = Delivery.objects.get()
    assert (record.status, record.attempts, record.next_attempt_at) == ("failed", 3, None)
    assert [final for _, _, final in outcomes] == [False, False, True]
    assert mail.outbox == []


def test_a_retried_or_duplicated_task_never_sends_twice(
    member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ann = member("ann")
    with django_capture_on_commit_callbacks(execute=True):
        event = send_notification(type="post_like", title="Hi", users=[ann])
    assert len(mail.outbox) == 1
    ids = list(Notification.objects.filter(event=event).values_list("pk", flat=True))
    assert tasks.deliver_batch.call("email", ids) == 0
    assert tasks.plan_event.call(event.pk) == 1
    assert len(mail.outbox) == 1
    assert Delivery.objects.get().attempts == 1


def test_a_row_claimed_by_another_run_is_left_alone(member: Any) -> None:
    ann = member("ann")
    event = send_notification(type="post_like", title="Hi", users=[ann])
    notification = Notification.objects.get(event=event)
    Delivery.objects.create(notification=notification, channel="email", status="sending")
    assert tasks.deliver_batch.call("email", [notification.pk]) == 0
    assert mail.outbox == []
    assert Delivery.objects.get().status == "sending"


def test_a_backend_that_cannot_connect_fails_the_batch(
    member: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    use_email_backend(settings, "tests.outbound.failing.DownBackend")
    users = [member(name) for name in ("ann", "bob", "cy")]
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="post_like", title="Hi", users=users)
    rows = Delivery.objects.all()
    assert [r.status for r in rows] == ["failed"] * 3
    assert all("mail server down" in r.error for r in rows)


def test_batches_are_queued_after_commit_one_enqueue_per_batch(
    transactional_db: Any, settings: Any, member: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "CHANNEL_BATCH_SIZE": 2}
    users = [member(f"user{i}") for i in range(5)]
    send_notification(type="post_like", title="Hi", users=users)
    queued = DBTaskResult.objects.all()
    assert [r.task_path for r in queued] == ["notifications.outbound.tasks.plan_event"]
    assert mail.outbox == []
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    paths = sorted(DBTaskResult.objects.values_list("task_path", flat=True))
    assert paths == ["notifications.outbound.tasks.deliver_batch"] * 3 + [
        "notifications.outbound.tasks.plan_event"
    ]
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    for row in DBTaskResult.objects.filter(task_path__endswith="deliver_batch"):
        channel, ids = row.args_kwargs["args"]
        assert channel == "email"
        assert all(type(pk) is int for pk in ids)


def test_a_deferring_backend_gets_a_retry_task_at_the_backoff(
    transactional_db: Any, settings: Any, member: Any, flaky: dict[str, int]
) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    ann = member("ann")
    flaky["ann@example.com"] = 1
    send_notification(type="post_like", title="Hi", users=[ann])
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    record = Delivery.objects.get()
    assert record.status == "failed"
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.task_path == "notifications.outbound.tasks.deliver_batch"
    assert retry.run_after == record.next_attempt_at
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    make_due()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert [m.to[0] for m in mail.outbox] == ["ann@example.com"]
    assert Delivery.objects.get().status == "sent"


def test_background_fan_out_chunks_queue_their_own_deliveries(
    member: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "FANOUT_BATCH_SIZE": 2}
    users = [member(f"user{i}") for i in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="post_like", title="Hi", users=users, background=True)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    assert Delivery.objects.filter(status="sent").count() == 5


def test_the_admin_lists_deliveries(
    member: Any, admin_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ann = member("ann")
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="post_like", title="Hi", users=[ann])
    page = admin_client.get("/admin/notifications/delivery/?status__exact=sent")
    assert page.status_code == 200
    assert "1 delivery" in page.content.decode()
    record = Delivery.objects.get()
    assert admin_client.get(f"/admin/notifications/delivery/{record.pk}/change/").status_code == 200
