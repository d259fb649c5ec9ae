"""``event.created`` tells the caller whether ``send_notification`` wrote the Event it returns."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.db.models.signals import pre_save

from notifications.exceptions import InvalidAudience, NotificationsError
from notifications.helpers import send_notification
from notifications.models import Event
from tests.conftest import SERVICES


def send(users, **kwargs):
    return send_notification(type="post_like", title="Hi", users=users, **kwargs)


def test_a_new_event_is_created(ann):
    assert send([ann]).created is True


def test_a_repeated_key_returns_the_first_event_not_created(ann):
    first = send([ann], key="k")

    again = send([ann], key="k")

    assert (first.created, again.created) == (True, False)
    assert again.pk == first.pk


def test_without_a_key_every_call_creates(ann):
    assert [send([ann]).created for _ in range(2)] == [True, True]


def test_a_loaded_event_has_no_created_flag(ann):
    send([ann])

    with pytest.raises(AttributeError):
        Event.objects.get().created  # noqa: B018 (only the returned Event carries it)


@pytest.mark.parametrize("bad", ["ann", [1.5], ["1"], [None], Event.objects.none()])
def test_a_bad_audience_is_an_invalid_audience(db, bad):
    with pytest.raises(InvalidAudience) as raised:
        send(bad)

    assert isinstance(raised.value, NotificationsError)
    assert isinstance(raised.value, TypeError)
    assert not Event.objects.exists()


@pytest.mark.skipif(not SERVICES, reason="concurrent transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_of_concurrent_calls_with_one_key_exactly_one_created(make_user, outbox):
    users = [make_user("ann")]
    count = 4
    start = threading.Barrier(count, timeout=20)
    inserting = threading.Barrier(count, timeout=20)

    def all_past_the_lookup(sender, **kwargs):
        inserting.wait()  # every call found no Event: the constraint decides

    pre_save.connect(all_past_the_lookup, sender=Event, weak=False)
    flags: list[bool] = []
    errors: list[BaseException] = []

    def call() -> None:
        try:
            start.wait()
            flags.append(send(users, key="race").created)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    pre_save.disconnect(all_past_the_lookup, sender=Event)

    assert errors == []
    assert sorted(flags) == [False, False, False, True]
