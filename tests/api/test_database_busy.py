"""When SQLite cannot take a write in time: 503 with a JSON body and Retry-After, nothing written.

Another thread holds the process's write turn (one of the package's write
transactions, open) for longer than ``SQLITE_WRITE_WAIT``; a write request then
waits its turn, gives up and says so.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client

from notifications.event_types import sync_event_types
from notifications.models import ChannelPreference, Notification
from notifications.outbound.email import unsubscribe_token
from notifications.writes import write_transaction
from tests.outbound.conftest import CHANNEL_EVENTS
from tests.support import ids_of

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's write policy"),
]


@contextmanager
def turn_taken() -> Iterator[None]:
    """Another thread inside a package write transaction until the block ends."""
    inside, done = threading.Event(), threading.Event()

    def hold() -> None:
        with write_transaction():
            inside.set()
            done.wait(30)
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert inside.wait(10)
    try:
        yield
    finally:
        done.set()
        holder.join(10)


def test_a_write_that_cannot_have_its_turn_answers_503_json_with_retry_after(
    urls, ann, ann_client, send, settings
):
    send([ann], title="a")
    mine = ids_of(ann)
    settings.NOTIFICATIONS = {"SQLITE_WRITE_WAIT": 0.2}

    with turn_taken():
        response = ann_client.patch(urls.list, mine, format="json")

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.json() == {
        "detail": "The database is busy; nothing was changed. Retry shortly."
    }
    assert not Notification.objects.filter(pk__in=mine, readed__isnull=False).exists()


def test_the_write_goes_through_once_the_turn_is_free(urls, ann, ann_client, send, settings):
    send([ann], title="a")
    mine = ids_of(ann)
    settings.NOTIFICATIONS = {"SQLITE_WRITE_WAIT": 0.2}

    response = ann_client.patch(urls.list, mine, format="json")

    assert response.status_code == 200
    assert Notification.objects.filter(pk__in=mine, readed__isnull=False).count() == len(mine)


def test_the_unsubscribe_link_answers_503_json_too(ann, settings):
    settings.EVENTS = CHANNEL_EVENTS
    sync_event_types()
    settings.NOTIFICATIONS = {"SQLITE_WRITE_WAIT": 0.2, "BASE_URL": "https://example.com"}
    path = f"/api/notifications/unsubscribe/{unsubscribe_token(ann, ['post_like'])}"

    with turn_taken():
        response = Client().post(
            path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        )

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert "detail" in response.json()
    assert not ChannelPreference.objects.filter(user=ann).exists()
