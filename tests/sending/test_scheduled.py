"""Scheduled sends: ``send_at`` fans out later through the task queue; cancellable by key."""

from __future__ import annotations

import datetime
import time
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from notifications import services
from notifications.exceptions import InvalidNotification, NotificationsImproperlyConfigured
from notifications.helpers import send_notification
from notifications.models import Event, EventType, Notification

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def db_backend(settings: Any, outbox: list[Any]) -> list[Any]:
    """django-tasks-db's DatabaseBackend (defers tasks) as the default task backend."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    return outbox


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def queued() -> Any:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path="notifications.fanout.pipeline.send_scheduled")


def soon(seconds: float = 1.0) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=seconds)


def wait_until(moment: datetime.datetime) -> None:
    time.sleep(max((moment - timezone.now()).total_seconds(), 0) + 0.05)


def test_returns_at_once_and_fans_out_at_that_time(
    ann: Any, bob: Any, db_backend: list[Any]
) -> None:
    moment = soon()
    event = send_notification(type="post_like", title="Later", users=[ann, bob], send_at=moment)

    assert event.notifications_count == 0
    assert not Notification.objects.exists()
    (task,) = queued()
    assert task.run_after == moment
    run_worker()  # not due yet
    assert not Notification.objects.exists()

    wait_until(moment)
    run_worker()

    event.refresh_from_db()
    assert event.notifications_count == 2
    assert event.send_at is None
    assert event.timestamp >= moment
    assert set(Notification.objects.values_list("user_id", flat=True)) == {ann.pk, bob.pk}
    assert sorted((p.user_id, p.message["action"]) for p in db_backend) == sorted(
        [(ann.pk, "new"), (bob.pk, "new")]
    )


def test_cancel_by_key_before_it_runs(ann: Any, db_backend: list[Any]) -> None:
    moment = soon()
    send_notification(type="post_like", title="Later", users=[ann], send_at=moment, key="k1")

    assert services.cancel_scheduled("post_like", "k1") is True
    assert services.cancel_scheduled("post_like", "k1") is False
    wait_until(moment)
    run_worker()

    assert not Notification.objects.exists()
    assert not Event.objects.exists()
    assert db_backend == []


def test_cancel_after_it_ran_changes_nothing(ann: Any, db_backend: list[Any]) -> None:
    moment = soon(0.2)
    send_notification(type="post_like", title="Later", users=[ann], send_at=moment, key="k2")
    wait_until(moment)
    run_worker()

    assert services.cancel_scheduled("post_like", "k2") is False
    assert Notification.objects.filter(user=ann).count() == 1
    assert services.cancel_scheduled("post_like", "unknown") is False
    assert services.cancel_scheduled("post_comment", "k2") is False


def test_the_same_key_returns_the_pending_event(ann: Any, db_backend: list[Any]) -> None:
    first = send_notification(type="post_like", title="A", users=[ann], send_at=soon(), key="k")
    again = send_notification(type="post_like", title="B", users=[ann], send_at=soon(), key="k")

    assert again.pk == first.pk
    assert queued().count() == 1


def test_a_send_at_in_the_past_runs_now(ann: Any, outbox: list[Any]) -> None:
    """Also with the immediate backend: nothing is queued."""
    past = timezone.now() - datetime.timedelta(minutes=5)

    event = send_notification(type="post_like", title="Now", users=[ann], send_at=past)

    assert event.notifications_count == 1
    assert event.send_at is None
    assert [p.message["action"] for p in outbox] == ["new"]


def test_a_backend_that_cannot_defer_is_refused_before_anything_is_written(ann: Any) -> None:
    with pytest.raises(NotificationsImproperlyConfigured, match="supports_defer"):
        send_notification(type="post_like", title="Later", users=[ann], send_at=soon(60))
    assert not Event.objects.exists()


@pytest.mark.parametrize("value", [datetime.timedelta(hours=1), "tomorrow", 1])
def test_send_at_must_be_a_datetime(ann: Any, db_backend: list[Any], value: Any) -> None:
    with pytest.raises(InvalidNotification, match="send_at must be a datetime"):
        send_notification(type="post_like", title="Later", users=[ann], send_at=value)
    assert not Event.objects.exists()


def test_everyone_means_everyone_when_it_runs(
    ann: Any, make_user: Any, db_backend: list[Any]
) -> None:
    moment = soon(0.5)
    send_notification(type="post_like", title="All", users=None, send_at=moment)
    late = make_user("late")
    wait_until(moment)
    run_worker()

    assert set(Notification.objects.values_list("user_id", flat=True)) == {ann.pk, late.pk}


def test_a_given_audience_is_fixed_when_scheduled(
    ann: Any, make_user: Any, db_backend: list[Any]
) -> None:
    moment = soon(0.5)
    send_notification(
        type="post_like", title="Some", users=get_user_model().objects.all(), send_at=moment
    )
    make_user("late")
    wait_until(moment)
    run_worker()

    assert set(Notification.objects.values_list("user_id", flat=True)) == {ann.pk}


def test_a_scheduled_grouped_send_folds_when_it_runs(
    ann: Any, bob: Any, db_backend: list[Any]
) -> None:
    send_notification(type="post_like", title="now", users=[ann], author=bob, group="g")
    moment = soon(0.5)
    send_notification(type="post_like", title="later", users=[ann], group="g", send_at=moment)
    wait_until(moment)
    run_worker()

    (row,) = Notification.objects.filter(user=ann)
    assert row.count == 2
    assert row.event.title == "later"
    assert [p.message["action"] for p in db_backend] == ["new", "updated"]


def test_prune_keeps_a_pending_scheduled_send(ann: Any, db_backend: list[Any]) -> None:
    event = send_notification(type="post_like", title="Later", users=[ann], send_at=soon(60))
    Event.objects.filter(pk=event.pk).update(timestamp=timezone.now() - datetime.timedelta(days=90))
    call_command("prune_notifications", "--older-than", "30", verbosity=0)

    assert Event.objects.filter(pk=event.pk).exists()


def test_the_recipients_are_stored_as_rows_and_the_task_carries_the_event_id_only(
    ann: Any, bob: Any, make_user: Any, db_backend: list[Any]
) -> None:
    from notifications.models import ScheduledRecipient, ScheduledSend

    moment = soon(0.5)
    users = get_user_model().objects.filter(pk__in=[ann.pk, bob.pk])
    event = send_notification(type="post_like", title="Some", users=users, send_at=moment)

    (task,) = queued()
    assert task.args_kwargs == {"args": [event.pk], "kwargs": {}}
    assert ScheduledSend.objects.get(event=event).everyone is False
    stored = ScheduledRecipient.objects.filter(send__event=event).values_list("user_id", flat=True)
    assert set(stored) == {ann.pk, bob.pk}

    wait_until(moment)
    run_worker()

    assert set(Notification.objects.values_list("user_id", flat=True)) == {ann.pk, bob.pk}
    assert not ScheduledSend.objects.exists()
    assert not ScheduledRecipient.objects.exists()


def test_a_send_whose_expiry_passed_before_it_ran_writes_and_pushes_nothing(
    ann: Any, db_backend: list[Any]
) -> None:
    moment = soon(0.2)
    event = send_notification(
        type="post_like",
        title="Brief",
        users=[ann],
        send_at=moment,
        expires=moment + datetime.timedelta(milliseconds=200),
    )
    time.sleep(0.6)  # the worker comes late: past send_at and past expires
    run_worker()

    event.refresh_from_db()
    assert event.send_at is None  # claimed: it will not run again
    assert event.notifications_count == 0
    assert not Notification.objects.exists()
    assert db_backend == []


@pytest.mark.parametrize("offset", [datetime.timedelta(0), datetime.timedelta(seconds=-30)])
def test_an_expiry_not_after_send_at_is_refused(
    ann: Any, db_backend: list[Any], offset: datetime.timedelta
) -> None:
    moment = soon(60)
    with pytest.raises(InvalidNotification) as refused:
        send_notification(
            type="post_like", title="Later", users=[ann], send_at=moment, expires=moment + offset
        )
    assert (refused.value.field, refused.value.code) == ("expires", "expires_too_early")
    assert not Event.objects.exists()
    assert not queued().exists()


def test_a_timedelta_expiry_counts_from_send_at(ann: Any, db_backend: list[Any]) -> None:
    moment = soon(60)
    event = send_notification(
        type="post_like",
        title="Later",
        users=[ann],
        send_at=moment,
        expires=datetime.timedelta(hours=1),
    )
    assert event.expires == moment + datetime.timedelta(hours=1)


def test_tasks_queued_by_0_2_under_the_old_paths_still_run(
    ann: Any, bob: Any, db_backend: list[Any]
) -> None:
    """0.2 queued send_scheduled(event_id, user_ids) and fan_out_chunk at fanout.tasks."""
    from notifications.fanout import tasks as old

    moment = timezone.now() - datetime.timedelta(seconds=1)
    event = Event.objects.create(
        type=EventType.objects.get(name="post_like"), title="Old", send_at=moment
    )
    old.send_scheduled.enqueue(event.pk, [ann.pk])
    chunk = Event.objects.create(type=EventType.objects.get(name="post_like"), title="Chunk")
    old.fan_out_chunk.enqueue(chunk.pk, [bob.pk])
    run_worker()

    assert list(Notification.objects.filter(event=event).values_list("user_id", flat=True)) == [
        ann.pk
    ]
    assert list(Notification.objects.filter(event=chunk).values_list("user_id", flat=True)) == [
        bob.pk
    ]
