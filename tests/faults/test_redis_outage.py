"""Redis down while sending: calls return, rows are saved, one log line, clients catch up.

The channel layer is pointed at a loopback port nobody listens on (Redis itself
is shared, so it is never stopped). On the services leg the layer before and
after the outage is the real Redis; on the embedded leg the in-memory layer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.test import override_settings

from notifications.helpers import send_notification
from notifications.models import Notification
from tests.conftest import client_for
from tests.servers import free_port

pytestmark = pytest.mark.django_db(transaction=True)

#: A dead layer must not make a call wait: connection refused is immediate.
MAX_SECONDS_PER_CALL = 3.0


@contextmanager
def redis_down() -> Iterator[None]:
    """channels_redis pointed at a closed loopback port for the duration of the block."""
    dead = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{free_port()}/0"]},
        }
    }
    with override_settings(CHANNEL_LAYERS=dead):
        yield


def push_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "notifications" and r.levelno >= logging.ERROR]


def catch_up(client: Any, after_id: int, limit: int = 10) -> list[dict[str, Any]]:
    """What a reconnecting client does: walk ``?after_id=`` pages until one is empty."""
    seen: list[dict[str, Any]] = []
    for _ in range(100):  # bounded
        page = client.get("/api/notifications/", {"after_id": after_id, "limit": limit}).json()
        if not page["results"]:
            return seen
        seen += page["results"]
        after_id = page["results"][-1]["id"]
    raise AssertionError("catch-up did not end")


def test_sends_during_an_outage_are_saved_logged_once_and_caught_up(
    caplog: pytest.LogCaptureFixture, make_user: Any, ann: Any, bob: Any
) -> None:
    send_notification(type="post_like", title="before", users=[ann, bob])
    last_seen = Notification.objects.filter(user=ann).latest("pk").pk
    crowd = [make_user(f"user{index}") for index in range(30)]

    caplog.set_level(logging.ERROR, logger="notifications")
    calls = 0
    with redis_down(), override_settings(NOTIFICATIONS={"FANOUT_BATCH_SIZE": 8}):
        for index in range(23):
            started = time.monotonic()
            event = send_notification(
                type="post_comment", title=f"missed {index}", users=[ann, bob]
            )
            assert time.monotonic() - started < MAX_SECONDS_PER_CALL
            assert event.notifications_count == 2
            calls += 1
        # One call whose pushes go out in several batches still logs once.
        started = time.monotonic()
        event = send_notification(type="post_like", title="to everyone", users=[ann, bob, *crowd])
        assert time.monotonic() - started < MAX_SECONDS_PER_CALL
        assert event.notifications_count == 32
        calls += 1

    assert len(push_errors(caplog)) == calls
    assert Notification.objects.filter(event__title__startswith="missed").count() == 46
    assert Notification.objects.filter(event=event).count() == 32

    # Redis is back: the client catches up through the REST list, oldest first.
    missed = catch_up(client_for(ann), last_seen)
    expected = list(
        Notification.objects.filter(user=ann, pk__gt=last_seen)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert [row["id"] for row in missed] == expected
    assert [row["event"]["title"] for row in missed] == [
        *(f"missed {index}" for index in range(23)),
        "to everyone",
    ]
    assert all(row["readed"] is None and row["user"] == ann.pk for row in missed)
    assert catch_up(client_for(bob), 0)[-1]["event"]["title"] == "to everyone"


def test_rest_writes_during_an_outage_succeed_and_log_once_each(
    caplog: pytest.LogCaptureFixture, ann: Any
) -> None:
    for index in range(4):
        send_notification(type="post_like", title=f"n{index}", users=[ann])
    ids = list(Notification.objects.filter(user=ann).order_by("pk").values_list("pk", flat=True))
    client = client_for(ann)
    caplog.set_level(logging.ERROR, logger="notifications")

    with redis_down():
        answers = [
            client.patch("/api/notifications/", ids[:2], format="json").status_code,
            client.patch(f"/api/notifications/{ids[2]}").status_code,
            client.patch(
                f"/api/notifications/{ids[2]}", {"readed": None}, format="json"
            ).status_code,
            client.post("/api/notifications/read-all").status_code,
            client.delete(f"/api/notifications/{ids[0]}").status_code,
        ]

    assert answers == [200, 200, 200, 200, 204]
    assert len(push_errors(caplog)) == 5  # one per request that pushed
    assert not Notification.objects.filter(pk=ids[0]).exists()
    assert Notification.objects.filter(user=ann, readed__isnull=True).count() == 0
    assert client.get("/api/notifications/unread-count").json() == {"unread": 0}
