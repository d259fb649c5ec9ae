"""The three signals: sent after commit only, robustly, with the documented arguments."""

from __future__ import annotations

import logging

import pytest
from django.db import connection, transaction

from notifications import services, signals
from notifications.models import Event, Notification
from tests.support import INCLUDE, READ_ALL


class Boom(Exception):
    pass


@pytest.fixture
def failing(request):
    """Connect a receiver that raises to the signals given as ``failing(signal, ...)``."""
    connected = []

    def connect(*chosen):
        for signal in chosen:

            def receiver(sender, **kwargs):
                raise Boom("receiver failed")

            signal.connect(receiver, weak=False)
            connected.append((signal, receiver))

    yield connect
    for signal, receiver in connected:
        signal.disconnect(receiver)


def test_sent_carries_the_event_and_count(ann, bob, send, committed, signal_log):
    calls = signal_log(signals.notifications_sent)

    with committed():
        event = send([ann, bob])

    assert calls == [{"sender": Event, "event": event, "count": 2}]


def test_sent_with_an_empty_audience_counts_zero(send, committed, signal_log, db):
    calls = signal_log(signals.notifications_sent)

    with committed():
        send([])

    assert [call["count"] for call in calls] == [0]


def test_read_carries_the_ids_that_changed(ann, ann_client, send, committed, signal_log):
    for _ in range(3):
        send([ann])
    first, second, third = Notification.objects.filter(user=ann).order_by("pk")
    ann_client.patch(INCLUDE.detail(first.pk))
    calls = signal_log(signals.notifications_read)

    with committed():
        ann_client.patch(INCLUDE.list, [first.pk, second.pk, third.pk], format="json")
    with committed():
        ann_client.patch(INCLUDE.detail(second.pk))  # already read: nothing changes

    assert len(calls) == 1
    assert calls[0]["sender"] is Notification
    assert calls[0]["user"] == ann
    assert sorted(calls[0]["ids"]) == [second.pk, third.pk]


def test_read_all_sends_ids_none(ann, ann_client, send, committed, signal_log):
    send([ann])
    calls = signal_log(signals.notifications_read)

    with committed():
        ann_client.post(READ_ALL)
    with committed():
        ann_client.post(READ_ALL)  # nothing left to mark: no signal

    assert calls == [{"sender": Notification, "user": ann, "ids": None}]


def test_deleted_carries_the_user_and_id(ann, ann_client, send, committed, signal_log):
    send([ann])
    row = Notification.objects.get(user=ann)
    calls = signal_log(signals.notification_deleted)

    with committed():
        ann_client.delete(INCLUDE.detail(row.pk))
    with committed():
        assert ann_client.delete(INCLUDE.detail(row.pk)).status_code == 404

    assert calls == [{"sender": Notification, "user": ann, "notification_id": row.pk}]


def rolled_back(change):
    """Run ``change`` in a transaction that then rolls back."""
    try:
        with transaction.atomic():
            change()
            raise Boom
    except Boom:
        pass


def test_nothing_is_sent_when_the_transaction_rolls_back(ann, send, committed, signal_log):
    send([ann])
    row = Notification.objects.get(user=ann)
    calls = [
        signal_log(signals.notifications_sent),
        signal_log(signals.notifications_read),
        signal_log(signals.notification_deleted),
    ]
    for change in [
        lambda: send([ann]),
        lambda: services.mark_read(ann, [row.pk]),
        lambda: services.mark_all_read(ann),
        lambda: services.delete_notification(ann, row.pk),
    ]:
        with committed():
            rolled_back(change)

    assert calls == [[], [], []]
    assert Notification.objects.get(pk=row.pk).readed is None


def test_a_failing_receiver_breaks_nothing(
    ann, ann_client, send, committed, failing, signal_log, caplog
):
    failing(signals.notifications_sent, signals.notifications_read, signals.notification_deleted)
    later = signal_log(signals.notifications_read)  # receivers after the failing one still run

    with caplog.at_level(logging.ERROR, logger="django.dispatch"), committed():
        event = send([ann])
    row = Notification.objects.get(user=ann)
    with caplog.at_level(logging.ERROR, logger="django.dispatch"):
        with committed():
            assert ann_client.patch(INCLUDE.detail(row.pk)).status_code == 200
        with committed():
            assert ann_client.delete(INCLUDE.detail(row.pk)).status_code == 204

    assert event.notifications_count == 1
    assert len(later) == 1
    assert not Notification.objects.filter(pk=row.pk).exists()
    assert sum("receiver failed" in str(r.exc_info[1]) for r in caplog.records if r.exc_info) == 3


@pytest.mark.django_db(transaction=True)
def test_receivers_run_after_the_commit(make_user, outbox):
    ann = make_user("ann")
    seen = []

    def receiver(sender, **kwargs):
        # Outside any transaction: the change is already committed.
        seen.append(connection.in_atomic_block)

    for signal in (signals.notifications_sent, signals.notifications_read):
        signal.connect(receiver, weak=False)
    signals.notification_deleted.connect(receiver, weak=False)
    try:
        services.send_notification(type="post_like", title="Hi", users=[ann])
        row = Notification.objects.get(user=ann)
        services.mark_read(ann, [row.pk])
        services.mark_unread(ann, row.pk)
        services.mark_all_read(ann)
        services.delete_notification(ann, row.pk)
    finally:
        for signal in (
            signals.notifications_sent,
            signals.notifications_read,
            signals.notification_deleted,
        ):
            signal.disconnect(receiver)

    assert seen == [False, False, False, False]
