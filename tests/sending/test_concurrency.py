"""Unread counts stay exact while several threads send and mark read at once (PostgreSQL)."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable

import pytest
from django.db import connection
from rest_framework.test import APIClient

from notifications import services, signals
from notifications.helpers import send_notification
from notifications.models import Event, Notification
from tests.support import UNREAD_COUNT

pytestmark = [
    pytest.mark.services,  # concurrent transactions need PostgreSQL
    pytest.mark.django_db(transaction=True),
]

SENDERS = 3
READERS = 3
ROUNDS = 15


def run_threads(targets: list[Callable[[], None]]) -> list[BaseException]:
    """Start every target at once, each on its own connection; return what they raised."""
    barrier = threading.Barrier(len(targets), timeout=20)
    errors: list[BaseException] = []

    def wrap(target: Callable[[], None]) -> None:
        try:
            barrier.wait()
            target()
        except BaseException as error:  # reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrap, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return errors


def test_every_row_is_counted_once_under_concurrent_sends_and_reads(make_user, outbox, signal_log):
    ann, bob = make_user("ann"), make_user("bob")
    read_signals = signal_log(signals.notifications_read)
    marked_all: list[int] = []
    lock = threading.Lock()

    def sender() -> None:
        for i in range(ROUNDS):
            send_notification(type="post_like", title=f"n{i}", users=[ann, bob])

    def reader(seed: int) -> None:
        chance = random.Random(seed)
        for _ in range(ROUNDS):
            if chance.random() < 0.4:
                changed = services.mark_all_read(ann)
                with lock:
                    marked_all.append(changed)
            else:
                unread = Notification.objects.filter(user=ann, readed__isnull=True)
                services.mark_read(ann, list(unread.values_list("pk", flat=True)[:3]))

    errors = run_threads([sender] * SENDERS + [lambda s=s: reader(s) for s in range(READERS)])

    assert errors == []
    total = SENDERS * ROUNDS
    assert Notification.objects.filter(user=ann).count() == total
    assert set(Event.objects.values_list("notifications_count", flat=True)) == {2}
    # Each row went from unread to read at most once, counted by exactly one caller.
    one_by_one = [i for call in read_signals if call["ids"] is not None for i in call["ids"]]
    assert len(one_by_one) == len(set(one_by_one))
    unread_rows = Notification.objects.filter(user=ann, readed__isnull=True).count()
    assert len(one_by_one) + sum(marked_all) == total - unread_rows
    client = APIClient()
    client.force_authenticate(ann)
    unseen_rows = Notification.objects.filter(user=ann, seen__isnull=True).count()
    assert client.get(UNREAD_COUNT).json() == {"unread": unread_rows, "unseen": unseen_rows}
    assert services.unread_count(bob) == total
    # The frames' counts never left the possible range.
    counts = [push.message["unread"] for push in outbox if push.user_id == ann.pk]
    assert counts
    assert all(0 <= count <= total for count in counts)
