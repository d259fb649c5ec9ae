"""Pushes of a send: after commit only, never for a rolled-back write, same JSON as REST."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from notifications.helpers import send_notification
from notifications.models import Event, Notification
from tests.support import client_for


class Boom(Exception):
    pass


def send_then_fail(users) -> None:
    """Send inside a transaction that then fails (and so rolls back)."""
    with transaction.atomic():
        event = send_notification("post_like", "t", users=users)
        assert event.notifications_count == len(users)
        raise Boom


def test_pushes_wait_for_the_commit(ann, bob, outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send_notification("post_like", "t", users=[ann, bob])

    assert outbox == []
    assert callbacks
    for callback in callbacks:
        callback()
    assert sorted(push.user_id for push in outbox) == sorted([ann.pk, bob.pk])
    assert all(push.message["action"] == "new" for push in outbox)


def test_no_push_when_the_surrounding_transaction_rolls_back(
    ann, bob, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom):
        send_then_fail([ann, bob])

    assert callbacks == []
    assert outbox == []
    assert not Event.objects.exists()
    assert not Notification.objects.exists()


def test_pushed_notification_equals_the_rest_json(
    ann, bob, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send_notification("post_like", "t", {"post": 7}, [ann, bob], "m", author=bob)

    for user in (ann, bob):
        (push,) = [p for p in outbox if p.user_id == user.pk]
        listed = client_for(user).get("/notifications").json()["results"][0]
        assert push.message["notification"] == listed
        assert push.message["notification"]["user"] == user.pk
        assert push.message["unread"] == 1


def test_unread_count_in_the_frame(ann, outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_notification("post_like", "1", users=[ann])
    with django_capture_on_commit_callbacks(execute=True):
        send_notification("post_like", "2", users=[ann])

    assert [p.message["unread"] for p in outbox] == [1, 2]


def test_empty_audience_pushes_nothing(ann, outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_notification("post_like", "t", users=[])

    assert outbox == []


@pytest.mark.django_db(transaction=True)
def test_real_commit_pushes(ann, bob, outbox):
    event = send_notification("post_like", "t", users=[ann, bob])

    assert event.notifications_count == 2
    assert sorted(p.user_id for p in outbox) == sorted([ann.pk, bob.pk])


@pytest.mark.django_db(transaction=True)
def test_real_rollback_pushes_nothing(ann, bob, outbox):
    with pytest.raises(Boom):
        send_then_fail([ann, bob])

    assert outbox == []
    assert not Event.objects.exists()


def test_bus_down_still_saves_and_returns(
    ann, settings, caplog, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS = {"BUS": "tests.ws.support.FailingBus"}

    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        event = send_notification("post_like", "t", users=[ann])

    assert event.notifications_count == 1
    assert Notification.objects.filter(user=ann).count() == 1
    assert [r.name for r in caplog.records if r.levelno >= logging.ERROR] == ["notifications"]
    assert "bus unavailable" in caplog.records[-1].getMessage()


def test_a_write_failing_midway_writes_and_pushes_nothing(
    ann, bob, settings, outbox, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "FANOUT_BATCH_SIZE": 1}

    def audience():
        yield ann.pk  # the first chunk is inserted ...
        yield bob.pk
        raise Boom  # ... then the audience fails

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom):
        send_notification("post_like", "t", users=audience())

    assert callbacks == []
    assert outbox == []
    assert not Event.objects.exists()
    assert not Notification.objects.exists()
