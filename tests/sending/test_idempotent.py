"""``send_notification(..., key=...)``: one Event per (type, key), even under concurrency.

``event.created`` tells the caller whether the call wrote the Event it returns.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.db.models.signals import pre_save

from notifications import signals
from notifications.exceptions import InvalidNotification
from notifications.helpers import send_notification
from notifications.models import Event, Notification
from notifications.testing import pushes_for


def test_same_key_and_type_creates_nothing_and_returns_the_first_event(ann, bob, send):
    first = send([ann], key="comment-123", title="first")

    again = send([ann, bob], key="comment-123", title="second")

    assert (first.created, again.created) == (True, False)
    assert again.pk == first.pk
    assert again.title == "first"
    assert Event.objects.count() == 1
    assert list(Notification.objects.values_list("user_id", flat=True)) == [ann.pk]


def test_the_repeat_pushes_and_signals_nothing(ann, send, outbox, committed, signal_log):
    calls = signal_log(signals.notifications_sent)
    with committed():
        send([ann], key="k")
    with committed():
        send([ann], key="k")

    assert [f["action"] for f in pushes_for(ann)] == ["new"]
    assert len(calls) == 1


def test_a_different_type_with_the_same_key_is_another_event(ann, send):
    like = send([ann], type="post_like", key="42")
    comment = send([ann], type="post_comment", key="42")

    assert like.pk != comment.pk
    assert Notification.objects.filter(user=ann).count() == 2


def test_without_a_key_every_call_is_a_new_event(ann, send):
    assert [send([ann]).created for _ in range(2)] == [True, True]
    assert Event.objects.count() == 2


def test_a_loaded_event_has_no_created_flag(ann, send):
    send([ann])

    with pytest.raises(AttributeError):
        Event.objects.get().created  # noqa: B018 (only the returned Event carries it)


def test_the_key_is_stored_on_the_event(ann, send):
    event = send([ann], key="comment-123")

    assert Event.objects.get(pk=event.pk).key == "comment-123"


@pytest.mark.parametrize("key", ["", "x" * 256, 123])
def test_a_bad_key_raises_before_writing(ann, send, key):
    with pytest.raises(InvalidNotification):
        send([ann], key=key)

    assert Event.objects.count() == 0


def test_the_key_is_free_again_once_the_event_is_deleted(ann, send):
    first = send([ann], key="k")
    first.delete()  # what pruning old events does

    second = send([ann], key="k")

    assert second.pk != first.pk
    assert Notification.objects.filter(user=ann).count() == 1


@pytest.mark.services  # concurrent transactions need PostgreSQL
@pytest.mark.django_db(transaction=True)
def test_concurrent_calls_with_one_key_write_one_event(make_user, outbox):
    users = [make_user(f"user{i}") for i in range(5)]
    threads_count = 6
    barrier = threading.Barrier(threads_count, timeout=20)
    inserting = threading.Barrier(threads_count, timeout=20)

    def all_past_the_lookup(sender, **kwargs):
        # Every thread has found no Event with the key: all of them now INSERT at once,
        # so only the unique constraint can keep the second one out.
        inserting.wait()

    pre_save.connect(all_past_the_lookup, sender=Event, weak=False)
    results: list[int] = []
    flags: list[bool] = []
    errors: list[BaseException] = []

    def call() -> None:
        try:
            barrier.wait()
            event = send_notification(type="post_like", title="Hi", users=users, key="race")
            results.append(event.pk)
            flags.append(event.created)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    pre_save.disconnect(all_past_the_lookup, sender=Event)

    assert errors == []
    assert len(results) == threads_count
    (event,) = Event.objects.filter(key="race")
    assert set(results) == {event.pk}
    assert sorted(flags) == [False] * (threads_count - 1) + [True]
    assert event.notifications_count == len(users)
    assert Notification.objects.filter(event=event).count() == len(users)
    assert sorted(push.user_id for push in outbox) == sorted(u.pk for u in users)
