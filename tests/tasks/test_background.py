"""Background fan-out through the Tasks API: immediate backend and django-tasks-db's worker."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from notifications.fanout import pipeline
from notifications.helpers import send_notification
from notifications.models import Event, EventType, ExcludedEventType, Notification


def recipients_of(event: Event) -> set[int]:
    return set(Notification.objects.filter(event=event).values_list("user_id", flat=True))


@pytest.fixture
def batches_of_10(settings: Any, outbox: list[Any]) -> list[Any]:
    """Chunks of 10 users, pushes recorded in ``outbox``."""
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "FANOUT_BATCH_SIZE": 10}
    return outbox


@pytest.fixture
def db_backend(settings: Any, batches_of_10: list[Any]) -> list[Any]:
    """django-tasks-db's DatabaseBackend as the default task backend."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    return batches_of_10


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def queued() -> Any:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path="notifications.fanout.pipeline.fan_out_chunk")


def test_no_tasks_setting_means_the_immediate_backend(
    crowd: Any, db: Any, batches_of_10: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    users = crowd(25)
    ExcludedEventType.objects.create(
        user=users[0], event_type=EventType.objects.get(name="post_like")
    )
    with django_capture_on_commit_callbacks(execute=True):
        event = send_notification(type="post_like", title="Hi", users=users, background=True)
        assert not Notification.objects.exists()  # nothing before commit
    event.refresh_from_db()
    assert event.notifications_count == 24
    assert recipients_of(event) == {user.pk for user in users[1:]}
    assert sorted(push.user_id for push in batches_of_10) == sorted(u.pk for u in users[1:])
    assert all(push.message["action"] == "new" for push in batches_of_10)


def test_threshold_sends_large_audiences_in_the_background(
    crowd: Any,
    db: Any,
    settings: Any,
    batches_of_10: list[Any],
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "ASYNC_FANOUT_THRESHOLD": 20}
    users = crowd(30)
    enqueued: list[Any] = []
    real = pipeline.enqueue_chunks

    def spy(event_id: int, audience: Any) -> None:
        enqueued.append(event_id)
        real(event_id, audience)

    monkeypatch.setattr(pipeline, "enqueue_chunks", spy)
    with django_capture_on_commit_callbacks(execute=True):
        small = send_notification(type="post_like", title="Few", users=users[:20])
        big = send_notification(
            type="post_like", title="Many", users=get_user_model().objects.all()
        )
        assert small.notifications_count == 20  # inline: counted at once
        assert big.notifications_count == 0  # background: counted by the tasks
    assert enqueued == [big.pk]
    big.refresh_from_db()
    assert big.notifications_count == 30
    assert recipients_of(big) == {user.pk for user in users}


def test_database_backend_and_db_worker(
    crowd: Any, transactional_db: Any, db_backend: list[Any], settings: Any
) -> None:
    users = crowd(35)
    ExcludedEventType.objects.create(
        user=users[3], event_type=EventType.objects.get(name="post_like")
    )
    event = send_notification(
        type="post_like", title="Hi", users=[u.pk for u in users] * 2 + [10**9], background=True
    )
    rows = list(queued())
    assert len(rows) == 8  # 72 ids in chunks of 10
    assert not Notification.objects.exists()
    for row in rows:  # arguments are ids only
        event_id, user_ids = row.args_kwargs["args"]
        assert event_id == event.pk
        assert all(type(user_id) is int for user_id in user_ids)
        assert row.args_kwargs["kwargs"] == {}
    run_worker()
    assert set(queued().values_list("status", flat=True)) == {"SUCCESSFUL"}
    event.refresh_from_db()
    assert event.notifications_count == 34
    assert recipients_of(event) == {user.pk for user in users if user != users[3]}
    assert sorted(push.user_id for push in db_backend) == sorted(
        user.pk for user in users if user != users[3]
    )


def test_queryset_audience_is_queued_as_id_chunks(
    crowd: Any, transactional_db: Any, db_backend: list[Any]
) -> None:
    users = crowd(23)
    event = send_notification(
        type="post_comment",
        title="Hi",
        users=get_user_model().objects.filter(pk__in=[u.pk for u in users]),
        background=True,
    )
    chunks = [row.args_kwargs["args"][1] for row in queued()]
    assert sorted(len(chunk) for chunk in chunks) == [3, 10, 10]
    run_worker()
    event.refresh_from_db()
    assert event.notifications_count == 23


def test_a_retried_chunk_creates_no_duplicates(
    crowd: Any, transactional_db: Any, batches_of_10: list[Any]
) -> None:
    users = crowd(10)
    ids = [user.pk for user in users]
    event = send_notification(type="post_like", title="Hi", users=[], background=False)
    assert event.notifications_count == 0
    assert pipeline.fan_out_chunk.call(event.pk, ids) == 10
    assert pipeline.fan_out_chunk.call(event.pk, ids) == 0  # the retry
    assert pipeline.fan_out_chunk.call(event.pk, [*ids[:5], users[-1].pk + 100]) == 0
    event.refresh_from_db()
    assert event.notifications_count == 10
    assert Notification.objects.filter(event=event).count() == 10
    # The pushes went out for the chunk's rows once; the retries inserted and pushed nothing.
    assert sorted(push.user_id for push in batches_of_10) == ids


def test_a_chunk_pushes_only_its_own_rows(
    crowd: Any, transactional_db: Any, batches_of_10: list[Any]
) -> None:
    users = crowd(6)
    event = send_notification(type="post_like", title="Hi", users=users[:3])
    batches_of_10.clear()
    pipeline.fan_out_chunk.call(event.pk, [user.pk for user in users[3:]])
    assert sorted(push.user_id for push in batches_of_10) == [user.pk for user in users[3:]]
    event.refresh_from_db()
    assert event.notifications_count == 6


def test_databases_without_returning_push_only_new_rows(
    crowd: Any, transactional_db: Any, batches_of_10: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection

    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    users = crowd(8)
    ExcludedEventType.objects.create(
        user=users[7], event_type=EventType.objects.get(name="post_like")
    )
    event = send_notification(type="post_like", title="Hi", users=users[:4])
    batches_of_10.clear()
    assert pipeline.fan_out_chunk.call(event.pk, [user.pk for user in users]) == 3
    assert sorted(push.user_id for push in batches_of_10) == [user.pk for user in users[4:7]]
    event.refresh_from_db()
    assert event.notifications_count == 7


def test_a_chunk_of_a_deleted_event_does_nothing(
    crowd: Any, transactional_db: Any, db_backend: list[Any]
) -> None:
    users = crowd(3)
    event = send_notification(type="post_like", title="Hi", users=users, background=True)
    Event.objects.filter(pk=event.pk).delete()
    run_worker()
    assert set(queued().values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert not Notification.objects.exists()
    assert db_backend == []
